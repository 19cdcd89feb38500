"""FPPT assessments: trust HR prepares, the chair (or, for the chair, the SID) signs off; signed means final.

States: draft → awaiting_sign_off → signed_off, and awaiting_sign_off → draft when sent back. Any other move
is a 409. A signed-off assessment is never changed: a correction is a new triggered assessment linked to it.
"""

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.access import policy
from register.access.principal import Actor
from register.assessments.models import (
    Assessment,
    AssessmentKind,
    AssessmentOutcome,
    AssessmentStatus,
    SignerOffice,
)
from register.audit.service import record_event
from register.checks.models import ANNUAL_REQUIRED, APPOINTMENT_REQUIRED, CheckType
from register.checks.service import CheckGap, current_checks, find_gaps
from register.errors import Conflict, Forbidden, NotFound, PreconditionFailed, RuleViolation
from register.records.history import attach_statements, record_change
from register.records.pages import Keyset, keyset_page
from register.records.visible import load_visible_director
from register.versions.service import snapshot, version_as_of

RECORD_TYPE = "assessment"

# The checks a sign-off rests on. A triggered assessment looks at a specific concern, so no fixed set.
REQUIRED_CHECKS: dict[AssessmentKind, tuple[CheckType, ...]] = {
    AssessmentKind.ANNUAL: ANNUAL_REQUIRED,
    AssessmentKind.APPOINTMENT: APPOINTMENT_REQUIRED,
    AssessmentKind.TRIGGERED: (),
}


@dataclass
class AssessmentView:
    """An assessment with what the reader needs around it: its corrections and what blocks its sign-off."""

    data: dict[str, Any]
    corrected_by_ids: list[uuid.UUID] = field(default_factory=list)
    blocking_checks: list[dict[str, Any]] | None = None


async def create_assessment(
    session: AsyncSession,
    actor: Actor,
    director_id: uuid.UUID,
    *,
    kind: AssessmentKind,
    year: int | None = None,
    trigger_reason: str | None = None,
    summary: str | None = None,
    mitigations: str | None = None,
    corrects_id: uuid.UUID | None = None,
) -> AssessmentView:
    """Start a draft assessment of one of the trust's directors (trust HR)."""
    await load_visible_director(session, actor, director_id)
    principal = actor.principal
    if not policy.can_keep_fppt_records(principal, principal.org) or principal.org is None:
        raise Forbidden("Only the HR team of the director's trust prepares an FPPT assessment.")
    ods_code = principal.org
    year = year or policy.today().year
    if corrects_id is not None:
        if kind is not AssessmentKind.TRIGGERED:
            raise RuleViolation("A correction of a signed-off assessment is a triggered assessment.")
        target = await _load(session, director_id, corrects_id)
        if target.status is not AssessmentStatus.SIGNED_OFF:
            raise Conflict(
                f"Assessment {corrects_id} is {target.status.value}, not signed off: change it instead of "
                "correcting it.",
                current_status=target.status.value,
            )
        if target.ods_code != ods_code:
            raise Forbidden("Only the organisation that made an assessment corrects it.")
        year = target.year  # the correction answers for the same FPPT year
    elif kind is AssessmentKind.TRIGGERED and not trigger_reason:
        raise RuleViolation("Say what triggered the assessment (trigger_reason).")
    if kind is AssessmentKind.ANNUAL:
        existing = (
            await session.execute(
                sa.select(col(Assessment.id)).where(
                    col(Assessment.director_id) == director_id,
                    col(Assessment.ods_code) == ods_code,
                    col(Assessment.year) == year,
                    col(Assessment.kind) == AssessmentKind.ANNUAL,
                )
            )
        ).scalar_one_or_none()
        if existing is not None:
            raise Conflict(
                f"The {year} annual assessment already exists; change it while it is a draft, or correct it "
                "with a triggered assessment once signed off.",
                assessment_id=str(existing),
            )
    row = Assessment(
        director_id=director_id,
        ods_code=ods_code,
        kind=kind,
        status=AssessmentStatus.DRAFT,
        year=year,
        trigger_reason=trigger_reason,
        summary=summary,
        mitigations=mitigations,
        corrects_id=corrects_id,
        relied_on_check_ids=[],
        prepared_by=principal.sub,
        version=1,
    )
    session.add(row)
    await session.flush()
    await session.refresh(row)
    assert row.id is not None
    await _versioned(session, actor, row, "created", "assessment.create")
    return AssessmentView(snapshot(row))


async def update_assessment(
    session: AsyncSession,
    actor: Actor,
    director_id: uuid.UUID,
    assessment_id: uuid.UUID,
    *,
    expected_version: int,
    changes: dict[str, Any],
) -> AssessmentView:
    """Change a draft's summary, mitigations or trigger reason (trust HR, If-Match)."""
    row = await _load_for_hr(session, actor, director_id, assessment_id)
    _check_version(row, expected_version)
    _require_status(row, "change", AssessmentStatus.DRAFT)
    if not changes:
        raise RuleViolation("The change names no field to update.")
    updated = await _apply(session, row, expected_version, **changes)
    await _versioned(session, actor, updated, "updated", "assessment.update", detail={"fields": sorted(changes)})
    return AssessmentView(snapshot(updated))


async def submit_assessment(
    session: AsyncSession, actor: Actor, director_id: uuid.UUID, assessment_id: uuid.UUID, *, expected_version: int
) -> AssessmentView:
    """Send a draft to the chair for sign-off (trust HR): draft → awaiting_sign_off."""
    row = await _load_for_hr(session, actor, director_id, assessment_id)
    _check_version(row, expected_version)
    _require_status(row, "submit", AssessmentStatus.DRAFT)
    relied_on, gaps = await _evidence(session, row, policy.today(), concerns_block=True)
    updated = await _apply(
        session,
        row,
        expected_version,
        status=AssessmentStatus.AWAITING_SIGN_OFF,
        relied_on_check_ids=relied_on,
        submitted_at=sa.func.now(),
        submitted_by=actor.principal.sub,
    )
    await _versioned(session, actor, updated, "submitted", "assessment.submit")
    return AssessmentView(snapshot(updated), blocking_checks=[g.as_dict() for g in gaps])


async def return_to_draft(
    session: AsyncSession, actor: Actor, director_id: uuid.UUID, assessment_id: uuid.UUID, *, expected_version: int
) -> AssessmentView:
    """Send an assessment awaiting sign-off back to draft (its preparer, or whoever may sign it)."""
    await load_visible_director(session, actor, director_id)
    row = await _load(session, director_id, assessment_id)
    principal = actor.principal
    if policy.can_sign_off(principal):
        await _require_signer(session, actor, row)
    elif not policy.can_keep_fppt_records(principal, row.ods_code):
        raise Forbidden("Only the preparing trust or the signer sends an assessment back to draft.")
    _check_version(row, expected_version)
    _require_status(row, "return to draft", AssessmentStatus.AWAITING_SIGN_OFF)
    updated = await _apply(
        session, row, expected_version, status=AssessmentStatus.DRAFT, submitted_at=None, submitted_by=None
    )
    await _versioned(session, actor, updated, "returned", "assessment.return")
    return AssessmentView(snapshot(updated))


async def sign_off_assessment(
    session: AsyncSession,
    actor: Actor,
    director_id: uuid.UUID,
    assessment_id: uuid.UUID,
    *,
    expected_version: int,
    outcome: AssessmentOutcome,
    outcome_reason: str | None,
) -> AssessmentView:
    """The chair (the SID for the chair's own) signs off: awaiting_sign_off → signed_off, with the outcome.

    Refused (422, naming them) while a required check is missing, not done or overdue; for a "fit and proper"
    outcome also while a concern has no recorded mitigation.
    """
    await load_visible_director(session, actor, director_id)
    row = await _load(session, director_id, assessment_id)
    office = await _require_signer(session, actor, row)
    _check_version(row, expected_version)
    _require_status(row, "sign off", AssessmentStatus.AWAITING_SIGN_OFF)
    if outcome is AssessmentOutcome.NOT_FIT_AND_PROPER and not (outcome_reason or "").strip():
        raise RuleViolation("A 'not fit and proper' outcome needs its reason (outcome_reason).")
    relied_on, gaps = await _evidence(
        session, row, policy.today(), concerns_block=outcome is AssessmentOutcome.FIT_AND_PROPER
    )
    if gaps:
        raise RuleViolation(
            "The assessment cannot be signed off until these checks are complete, in date and, for concerns, "
            "mitigated: " + "; ".join(g.describe() for g in gaps) + ".",
            missing_checks=[g.as_dict() for g in gaps],
        )
    updated = await _apply(
        session,
        row,
        expected_version,
        status=AssessmentStatus.SIGNED_OFF,
        outcome=outcome,
        outcome_reason=outcome_reason,
        relied_on_check_ids=relied_on,
        signed_off_at=sa.func.now(),
        signed_off_by=actor.principal.sub,
        signed_off_by_director_id=actor.principal.director_id,
        signed_off_as=office,
    )
    await _versioned(session, actor, updated, "signed_off", "assessment.sign_off", detail={"outcome": outcome.value})
    return AssessmentView(snapshot(updated))


async def list_assessments(
    session: AsyncSession,
    actor: Actor,
    director_id: uuid.UUID,
    *,
    limit: int,
    cursor: str | None = None,
    kind: AssessmentKind | None = None,
    status: AssessmentStatus | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """A director's assessments, newest first, each with the director's statements about it."""
    await load_visible_director(session, actor, director_id)
    query = sa.select(Assessment).where(col(Assessment.director_id) == director_id)
    if kind is not None:
        query = query.where(col(Assessment.kind) == kind)
    if status is not None:
        query = query.where(col(Assessment.status) == status)
    rows, next_cursor = await keyset_page(
        session, query, Keyset(col(Assessment.id), descending=True), limit=limit, cursor=cursor
    )
    await record_event(
        session, actor, "assessment.list", record_type="director", record_id=str(director_id), director_id=director_id
    )
    items = [snapshot(r) for r in rows]
    await attach_statements(session, director_id, RECORD_TYPE, items)
    return items, next_cursor


async def get_assessment(
    session: AsyncSession,
    actor: Actor,
    director_id: uuid.UUID,
    assessment_id: uuid.UUID,
    *,
    as_of: dt.datetime | None = None,
) -> AssessmentView:
    """One assessment, with its corrections and (until signed off) the checks that would block sign-off."""
    await load_visible_director(session, actor, director_id)
    row = await _load(session, director_id, assessment_id)
    corrections = list(
        (
            await session.execute(
                sa.select(col(Assessment.id))
                .where(col(Assessment.corrects_id) == assessment_id)
                .order_by(col(Assessment.id))
            )
        ).scalars()
    )
    view = AssessmentView(snapshot(row), [c for c in corrections if c is not None])
    if as_of is not None:
        past = await version_as_of(session, RECORD_TYPE, str(assessment_id), as_of)
        if past is None:
            raise NotFound(f"Assessment {assessment_id} was not on the register at {as_of.isoformat()}.")
        view.data = past.data
    elif row.status is not AssessmentStatus.SIGNED_OFF:
        _, gaps = await _evidence(session, row, policy.today(), concerns_block=True)
        view.blocking_checks = [g.as_dict() for g in gaps]
    await attach_statements(session, director_id, RECORD_TYPE, [view.data])
    await record_event(
        session,
        actor,
        "assessment.read",
        record_type=RECORD_TYPE,
        record_id=str(assessment_id),
        director_id=director_id,
        detail={"as_of": as_of.isoformat()} if as_of else None,
    )
    return view


# --- helpers ---


async def _load(session: AsyncSession, director_id: uuid.UUID, assessment_id: uuid.UUID) -> Assessment:
    row = (
        await session.execute(
            sa.select(Assessment).where(col(Assessment.id) == assessment_id, col(Assessment.director_id) == director_id)
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"No assessment {assessment_id} on director {director_id}'s file.")
    return row


async def _load_for_hr(
    session: AsyncSession, actor: Actor, director_id: uuid.UUID, assessment_id: uuid.UUID
) -> Assessment:
    await load_visible_director(session, actor, director_id)
    row = await _load(session, director_id, assessment_id)
    if not policy.can_keep_fppt_records(actor.principal, row.ods_code):
        raise Forbidden("Only the HR team of the organisation that prepares this assessment may do that.")
    return row


async def _require_signer(session: AsyncSession, actor: Actor, row: Assessment) -> SignerOffice:
    """The office the caller signs in, or 403: the chair signs, the SID signs the chair's, nobody their own."""
    principal = actor.principal
    if not policy.can_sign_off(principal) or principal.director_id is None:
        raise Forbidden("Assessments are signed off by the chair, or for the chair by the senior independent director.")
    if policy.is_own_record(principal, row.director_id):
        raise Forbidden("Nobody signs off their own FPPT assessment.")
    subject_is_chair = await _holds(session, row.director_id, row.ods_code, SignerOffice.CHAIR)
    office = policy.sign_off_office(subject_is_chair)
    if not await _holds(session, principal.director_id, row.ods_code, office):
        if office is SignerOffice.SENIOR_INDEPENDENT_DIRECTOR:
            raise Forbidden(f"The chair's assessment is signed off by {row.ods_code}'s senior independent director.")
        raise Forbidden(f"This assessment is signed off by the chair of {row.ods_code}.")
    return office


async def _holds(session: AsyncSession, director_id: uuid.UUID, ods_code: str, office: SignerOffice) -> bool:
    return bool((await session.execute(sa.select(policy.holds_office(director_id, ods_code, office)))).scalar())


def _check_version(row: Assessment, expected_version: int) -> None:
    if row.version != expected_version:
        raise PreconditionFailed(
            f"The assessment is at version {row.version}, not {expected_version}; read it again and resend.",
            current_version=row.version,
        )


def _require_status(row: Assessment, action: str, wanted: AssessmentStatus) -> None:
    if row.status is not wanted:
        raise Conflict(
            f"Cannot {action} an assessment that is {row.status.value.replace('_', ' ')}; "
            f"it must be {wanted.value.replace('_', ' ')}.",
            current_status=row.status.value,
        )


async def _evidence(
    session: AsyncSession, row: Assessment, on: dt.date, *, concerns_block: bool
) -> tuple[list[str], list[CheckGap]]:
    """The current checks the assessment relies on, and what is wrong with the required ones."""
    current = (await current_checks(session, [row.director_id]))[row.director_id]
    required = REQUIRED_CHECKS[row.kind]
    relied_on = [str(c.id) for t, c in current.items() if (t in required or not required)]
    return sorted(relied_on), find_gaps(current, required, on, concerns_block=concerns_block)


async def _apply(session: AsyncSession, row: Assessment, expected_version: int, **values: Any) -> Assessment:
    result = await session.execute(
        sa.update(Assessment)
        .where(col(Assessment.id) == row.id, col(Assessment.version) == expected_version)
        .values(**values, version=expected_version + 1, updated_at=sa.func.now())
        .returning(Assessment)
        .execution_options(populate_existing=True)
    )
    updated = result.scalar_one_or_none()
    if updated is None:
        raise PreconditionFailed("The assessment changed while you were working on it; read it again and resend.")
    return updated


async def _versioned(
    session: AsyncSession,
    actor: Actor,
    row: Assessment,
    change: str,
    action: str,
    detail: dict[str, Any] | None = None,
) -> None:
    await record_change(
        session,
        actor,
        row,
        record_type=RECORD_TYPE,
        change=change,
        action=action,
        detail={"status": row.status.value, **(detail or {})},
    )
