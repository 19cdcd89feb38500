"""The Board Member Reference workflow: requests, answers, declines, leaver references, corrections."""

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.access import policy, references
from register.access.principal import Actor
from register.audit.service import record_event, record_reads
from register.candidates.models import CandidateCheck
from register.directors.models import Director
from register.employment.models import EmploymentKind, EmploymentRecord
from register.errors import Conflict, Forbidden, NotFound, PreconditionFailed, RuleViolation
from register.records.history import PartKind, add_part, change_part, record_change
from register.records.pages import Keyset, keyset_page
from register.records.visible import load_visible_director
from register.references.models import (
    BoardMemberReference,
    ReferenceKind,
    ReferenceRequest,
    RequestStatus,
)
from register.settings import Settings
from register.versions.service import snapshot

REFERENCES = PartKind(BoardMemberReference, "reference", "reference", ("signed_on",))
REQUEST = "reference_request"


def effective_status(request: ReferenceRequest, today: dt.date | None = None) -> RequestStatus:
    """An open request past its answer-by date has expired."""
    today = today or policy.today()
    if request.status is RequestStatus.OPEN and request.answer_by < today:
        return RequestStatus.EXPIRED
    return request.status


async def request_reference(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    *,
    director_id: uuid.UUID,
    employment_id: uuid.UUID,
    note: str | None,
) -> ReferenceRequest:
    """Ask the organisation of one of the candidate's previous board appointments for a BMR."""
    principal = actor.principal
    if not references.can_request_reference(principal) or principal.org is None:
        raise Forbidden("Reference requests are made by a trust's HR team.")
    check = (
        await session.execute(
            sa.select(CandidateCheck)
            .where(
                col(CandidateCheck.director_id) == director_id,
                col(CandidateCheck.checking_org) == principal.org,
                col(CandidateCheck.access_until) > policy.now(),
            )
            .order_by(col(CandidateCheck.checked_at).desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if check is None:
        # Without a check in its window the trust may not know this person is on the register.
        raise NotFound("Run a candidate check on this person first; a reference is requested for a checked candidate.")
    entry = await session.get(EmploymentRecord, employment_id)
    if (
        entry is None
        or entry.director_id != director_id
        or entry.withdrawn_at is not None
        or entry.kind is not EmploymentKind.BOARD_APPOINTMENT
        or entry.ods_code is None
    ):
        raise RuleViolation("A BMR is requested for one of the candidate's board appointments in their history.")
    if entry.ods_code == principal.org:
        raise RuleViolation("That appointment is at your own organisation; your own records are the reference.")
    open_already = await session.execute(
        sa.select(col(ReferenceRequest.id)).where(
            col(ReferenceRequest.requesting_org) == principal.org,
            col(ReferenceRequest.employment_id) == employment_id,
            col(ReferenceRequest.status) == RequestStatus.OPEN,
            col(ReferenceRequest.answer_by) >= policy.today(),
        )
    )
    if open_already.first() is not None:
        raise Conflict("You already have an open request for a reference about this appointment.")
    row = ReferenceRequest(
        director_id=director_id,
        employment_id=employment_id,
        requesting_org=principal.org,
        providing_org=entry.ods_code,
        candidate_check_id=check.id,
        status=RequestStatus.OPEN,
        note=note,
        requested_by=principal.sub,
        answer_by=policy.today() + dt.timedelta(days=settings.reference_answer_days),
        version=1,
    )
    session.add(row)
    await session.flush()
    await session.refresh(row)
    await _history(session, actor, row, "created")
    return row


async def request_views(session: AsyncSession, rows: list[ReferenceRequest]) -> list[dict[str, Any]]:
    """The requests as shown: each with its effective status, the director's name and the board appointment asked
    about (so the organisation asked need not look either up), in one query for the lot."""
    if not rows:
        return []
    about = await session.execute(
        sa.select(
            col(EmploymentRecord.id),
            col(Director.given_name),
            col(Director.family_name),
            col(EmploymentRecord.role_title),
            col(EmploymentRecord.board_role),
            col(EmploymentRecord.ods_code),
            col(EmploymentRecord.employer_name),
            col(EmploymentRecord.start_date),
            col(EmploymentRecord.end_date),
        )
        .join(Director, col(Director.id) == col(EmploymentRecord.director_id))
        .where(col(EmploymentRecord.id).in_({r.employment_id for r in rows}))
    )
    context = {a.id: a for a in about}
    views = []
    for row in rows:
        a = context.get(row.employment_id)
        views.append(
            {
                **snapshot(row),
                "status": effective_status(row),
                "director": {"given_name": a.given_name, "family_name": a.family_name} if a else None,
                "appointment": {
                    "role_title": a.role_title,
                    "board_role": a.board_role,
                    "ods_code": a.ods_code,
                    "employer_name": a.employer_name,
                    "start_date": a.start_date,
                    "end_date": a.end_date,
                }
                if a
                else None,
            }
        )
    return views


async def list_requests(
    session: AsyncSession,
    actor: Actor,
    *,
    direction: str | None,
    status: RequestStatus | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[ReferenceRequest], str | None]:
    """Requests the caller's organisation made (outgoing) or must answer (incoming)."""
    p = actor.principal
    query = sa.select(ReferenceRequest).where(references.visible_requests(p))
    if direction is not None:
        if not references.can_act_on_requests(p):
            raise RuleViolation("direction applies to a trust's own requests.")
        side = ReferenceRequest.providing_org if direction == "incoming" else ReferenceRequest.requesting_org
        query = query.where(col(side) == p.org)
    today = policy.today()
    if status is RequestStatus.EXPIRED:
        query = query.where(col(ReferenceRequest.status) == RequestStatus.OPEN, col(ReferenceRequest.answer_by) < today)
    elif status is RequestStatus.OPEN:
        query = query.where(
            col(ReferenceRequest.status) == RequestStatus.OPEN, col(ReferenceRequest.answer_by) >= today
        )
    elif status is not None:
        query = query.where(col(ReferenceRequest.status) == status)
    rows, next_cursor = await keyset_page(
        session, query, Keyset(col(ReferenceRequest.id), cursor_key="after"), limit=limit, cursor=cursor
    )
    await record_reads(session, actor, "reference_request.list", {r.director_id for r in rows})
    return rows, next_cursor


async def get_request(session: AsyncSession, actor: Actor, request_id: uuid.UUID) -> ReferenceRequest:
    """One request, for the two organisations concerned, the director, regulators and auditors."""
    row = (
        await session.execute(
            sa.select(ReferenceRequest).where(
                col(ReferenceRequest.id) == request_id, references.visible_requests(actor.principal)
            )
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"No reference request {request_id} that you may see.")
    await record_event(
        session,
        actor,
        "reference_request.read",
        record_type=REQUEST,
        record_id=str(request_id),
        director_id=row.director_id,
    )
    return row


async def _open_request_for_provider(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID, expected_version: int
) -> ReferenceRequest:
    row = await _locked_request(session, actor, request_id)
    if not references.can_answer_request(actor.principal, row):
        raise Forbidden("Only the organisation asked for the reference answers or declines it.")
    _require_open(row, expected_version)
    return row


async def _locked_request(session: AsyncSession, actor: Actor, request_id: uuid.UUID) -> ReferenceRequest:
    if not references.can_act_on_requests(actor.principal):
        raise Forbidden("Reference requests are answered, declined and withdrawn by trusts.")
    row = (
        await session.execute(
            sa.select(ReferenceRequest)
            .where(col(ReferenceRequest.id) == request_id, references.visible_requests(actor.principal))
            .with_for_update()
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"No reference request {request_id} that you may see.")
    return row


def _require_open(row: ReferenceRequest, expected_version: int) -> None:
    status = effective_status(row)
    if status is not RequestStatus.OPEN:
        raise Conflict(
            f"The request is {status.value}; only an open request can be acted on.", request_status=status.value
        )
    if row.version != expected_version:
        raise PreconditionFailed(
            f"The request is at version {row.version}; read it again.", current_version=row.version
        )


async def answer_request(
    session: AsyncSession,
    actor: Actor,
    request_id: uuid.UUID,
    *,
    expected_version: int,
    bmr: dict[str, Any],
) -> tuple[ReferenceRequest, BoardMemberReference]:
    """The providing organisation answers with a signed BMR."""
    row = await _open_request_for_provider(session, actor, request_id, expected_version)
    entry = await session.get(EmploymentRecord, row.employment_id)
    assert entry is not None
    reference = await _sign(session, actor, entry, ReferenceKind.REQUESTED, row.id, bmr)
    updated = await _close(session, actor, row, RequestStatus.ANSWERED, None, reference_id=reference.id)
    return updated, reference


async def decline_request(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID, *, expected_version: int, reason: str
) -> ReferenceRequest:
    """The providing organisation declines, saying why."""
    row = await _open_request_for_provider(session, actor, request_id, expected_version)
    return await _close(session, actor, row, RequestStatus.DECLINED, reason)


async def withdraw_request(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID, *, expected_version: int, reason: str
) -> ReferenceRequest:
    """The requesting organisation no longer needs the reference."""
    row = await _locked_request(session, actor, request_id)
    if not references.can_withdraw_request(actor.principal, row):
        raise Forbidden("Only the organisation that asked withdraws the request.")
    _require_open(row, expected_version)
    return await _close(session, actor, row, RequestStatus.WITHDRAWN, reason)


async def _close(
    session: AsyncSession,
    actor: Actor,
    row: ReferenceRequest,
    status: RequestStatus,
    reason: str | None,
    reference_id: uuid.UUID | None = None,
) -> ReferenceRequest:
    result = await session.execute(
        sa.update(ReferenceRequest)
        .where(col(ReferenceRequest.id) == row.id, col(ReferenceRequest.version) == row.version)
        .values(
            status=status,
            closed_reason=reason,
            reference_id=reference_id,
            version=row.version + 1,
            updated_at=sa.func.now(),
        )
        .returning(ReferenceRequest)
        .execution_options(populate_existing=True)
    )
    updated = result.scalar_one()
    await _history(session, actor, updated, status.value)
    return updated


async def _history(session: AsyncSession, actor: Actor, row: ReferenceRequest, change: str) -> None:
    await record_change(
        session,
        actor,
        row,
        record_type=REQUEST,
        change="created" if change == "created" else "updated",
        action=f"reference_request.{change}",
    )


async def _sign(
    session: AsyncSession,
    actor: Actor,
    entry: EmploymentRecord,
    kind: ReferenceKind,
    request_id: uuid.UUID | None,
    bmr: dict[str, Any],
) -> BoardMemberReference:
    assert entry.ods_code is not None
    reference = BoardMemberReference(
        director_id=entry.director_id,
        employment_id=entry.id,  # type: ignore[arg-type]
        providing_org=entry.ods_code,
        kind=kind,
        request_id=request_id,
        role_title=entry.role_title,
        start_date=entry.start_date,
        end_date=entry.end_date,
        version=1,
        **bmr,
    )
    return await add_part(session, actor, REFERENCES, reference)


async def references_due(session: AsyncSession, actor: Actor, ods_code: str) -> list[EmploymentRecord]:
    """Board appointments at ``ods_code`` that have ended with no BMR written: the leaver references owed."""
    if not references.can_read_leaver_references(actor.principal, ods_code):
        raise Forbidden(f"Only {ods_code}'s own HR team reads its leaver references.")
    written = sa.select(col(BoardMemberReference.employment_id)).where(col(BoardMemberReference.withdrawn_at).is_(None))
    rows = await session.execute(
        sa.select(EmploymentRecord)
        .where(
            col(EmploymentRecord.ods_code) == ods_code,
            col(EmploymentRecord.kind) == EmploymentKind.BOARD_APPOINTMENT,
            col(EmploymentRecord.withdrawn_at).is_(None),
            col(EmploymentRecord.end_date) < policy.today(),
            col(EmploymentRecord.id).not_in(written),
        )
        .order_by(col(EmploymentRecord.end_date))
    )
    due = list(rows.scalars())
    await record_reads(session, actor, "reference.due", {e.director_id for e in due}, ods_code=ods_code)
    return due


async def write_leaver_reference(
    session: AsyncSession, actor: Actor, ods_code: str, *, employment_id: uuid.UUID, bmr: dict[str, Any]
) -> BoardMemberReference:
    """The former employer writes the BMR it owes for a board appointment that has ended."""
    if not references.can_write_leaver_references(actor.principal, ods_code):
        raise Forbidden(f"Only {ods_code}'s own HR team writes its leaver references.")
    entry = await session.get(EmploymentRecord, employment_id)
    if (
        entry is None
        or entry.ods_code != ods_code
        or entry.kind is not EmploymentKind.BOARD_APPOINTMENT
        or entry.withdrawn_at is not None
    ):
        raise NotFound(f"{ods_code} has no board appointment {employment_id} on the register.")
    if entry.end_date is None or entry.end_date >= policy.today():
        raise RuleViolation("A leaver reference is written once the appointment has ended.")
    existing = await session.execute(
        sa.select(col(BoardMemberReference.id)).where(
            col(BoardMemberReference.employment_id) == employment_id, col(BoardMemberReference.withdrawn_at).is_(None)
        )
    )
    if existing.first() is not None:
        raise Conflict("A BMR for this appointment is on file already; correct it rather than writing another.")
    return await _sign(session, actor, entry, ReferenceKind.LEAVER, None, bmr)


async def list_references(session: AsyncSession, actor: Actor, director_id: uuid.UUID) -> list[BoardMemberReference]:
    """Every current BMR about a director the caller may see in full."""
    await load_visible_director(session, actor, director_id)
    rows = await session.execute(
        sa.select(BoardMemberReference)
        .where(col(BoardMemberReference.director_id) == director_id, col(BoardMemberReference.withdrawn_at).is_(None))
        .order_by(col(BoardMemberReference.signed_on))
    )
    await record_event(session, actor, "reference.list", record_type="reference", director_id=director_id)
    return list(rows.scalars())


async def correct_reference(
    session: AsyncSession,
    actor: Actor,
    reference_id: uuid.UUID,
    *,
    expected_version: int,
    bmr: dict[str, Any],
    reason: str,
) -> BoardMemberReference:
    """A signed BMR is never edited: a correction is a new version, signed again, with its reason."""
    p = actor.principal
    reference = (
        await session.execute(
            sa.select(BoardMemberReference)
            .where(col(BoardMemberReference.id) == reference_id, col(BoardMemberReference.withdrawn_at).is_(None))
            .with_for_update()
        )
    ).scalar_one_or_none()
    if reference is None or not references.can_correct_reference(p, reference.providing_org):
        raise NotFound(f"No reference {reference_id} written by your organisation.")
    corrected: BoardMemberReference = await change_part(
        session,
        actor,
        REFERENCES,
        reference,
        expected_version=expected_version,
        changes={**bmr, "correction_reason": reason},
    )
    return corrected
