"""Recording FPPT check results, mitigating concerns, and working out what is missing or due."""

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.access import policy
from register.access.principal import Actor
from register.audit.service import record_event, record_reads
from register.checks.models import ANNUAL_REQUIRED, OUTCOME_ONLY_TYPES, CheckResult, CheckType, FpptCheck
from register.directors.models import Director
from register.errors import Forbidden, NotFound, PreconditionFailed, RuleViolation
from register.organisations.models import Organisation
from register.records.history import attach_statements, record_change
from register.records.pages import Keyset, decode_cursor, encode_cursor, keyset_page
from register.records.visible import load_visible_director
from register.settings import Settings
from register.versions.service import snapshot, version_as_of

RECORD_TYPE = "check"


@cache
def _settings() -> Settings:
    return Settings()


def interval_days(check_type: CheckType) -> int:
    """Days a result of this type stands before the check is due again (REGISTER_CHECK_INTERVAL_DAYS)."""
    settings = _settings()
    return settings.check_interval_days.get(check_type.value, settings.check_interval_days_default)


@dataclass(frozen=True)
class NewCheck:
    check_type: CheckType
    result: CheckResult
    performed_on: dt.date | None
    performed_by: str | None
    evidence_reference: str | None = None
    notes: str | None = None
    next_due: dt.date | None = None


@dataclass(frozen=True)
class CheckGap:
    """Why a check does not support a sign-off or a return: missing, not_done, overdue or unmitigated_concern."""

    check_type: CheckType
    problem: str
    check_id: uuid.UUID | None = None
    next_due: dt.date | None = None

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["check_type"] = self.check_type.value
        out["check_id"] = str(self.check_id) if self.check_id else None
        out["next_due"] = self.next_due.isoformat() if self.next_due else None
        return out

    def describe(self) -> str:
        label = self.check_type.value.replace("_", " ")
        if self.check_type is CheckType.APPRAISAL:  # not the LCF appraisal record, which the return lists apart
            label = "appraisal (the FPPT appraisal check)"
        if self.problem == "overdue":
            return f"check {label} overdue since {self.next_due}"
        if self.problem == "unmitigated_concern":
            return f"check {label} found a concern with no mitigation recorded"
        if self.problem == "not_done":
            return f"check {label} not done"
        return f"check {label} missing"


@dataclass(frozen=True)
class DueItem:
    """A check of a board member that is overdue, due soon, not done, or missing."""

    director_id: uuid.UUID
    given_name: str
    family_name: str
    check_type: CheckType
    status: str
    next_due: dt.date | None
    check_id: uuid.UUID | None
    performed_on: dt.date | None


async def record_check(session: AsyncSession, actor: Actor, director_id: uuid.UUID, new: NewCheck) -> FpptCheck:
    """Record the result of one check; the newest result of a type becomes the current one."""
    await load_visible_director(session, actor, director_id)
    principal = actor.principal
    if not policy.can_keep_fppt_records(principal, principal.org):
        raise Forbidden("Only the HR team of the director's trust records FPPT checks.")
    if new.check_type in OUTCOME_ONLY_TYPES and (new.notes or new.evidence_reference):
        raise RuleViolation("DBS and medical clearance checks hold the outcome and date only.")
    today = policy.today()
    if new.performed_on is not None and new.performed_on > today:
        raise RuleViolation(f"performed_on {new.performed_on} is in the future; record a check once it is done.")
    if new.result is not CheckResult.NOT_DONE and new.performed_on is None:
        raise RuleViolation("A check with a result needs performed_on.")
    next_due = new.next_due
    if next_due is None:
        if new.result is CheckResult.NOT_DONE or new.performed_on is None:
            next_due = today  # outstanding: due now
        else:
            next_due = new.performed_on + dt.timedelta(days=interval_days(new.check_type))
    if new.performed_on is not None and next_due < new.performed_on:
        raise RuleViolation("next_due cannot be before performed_on.")
    row = FpptCheck(
        director_id=director_id,
        ods_code=principal.org,
        check_type=new.check_type,
        result=new.result,
        performed_on=new.performed_on,
        performed_by=new.performed_by,
        evidence_reference=new.evidence_reference,
        notes=new.notes,
        next_due=next_due,
        recorded_by=principal.sub,
        version=1,
    )
    return await _insert(session, actor, row, action="check.record")


async def record_attestation_check(
    session: AsyncSession, actor: Actor, director_id: uuid.UUID, *, any_yes: bool, attestation_id: uuid.UUID
) -> FpptCheck:
    """The self-attestation check, written when the director signs (a "yes" is a concern for the trust)."""
    today = policy.today()
    row = FpptCheck(
        director_id=director_id,
        ods_code=None,
        check_type=CheckType.SELF_ATTESTATION,
        result=CheckResult.CONCERN if any_yes else CheckResult.CLEAR,
        performed_on=today,
        performed_by=actor.principal.sub,
        evidence_reference=f"attestation:{attestation_id}",
        next_due=today + dt.timedelta(days=interval_days(CheckType.SELF_ATTESTATION)),
        recorded_by=actor.principal.sub,
        version=1,
    )
    return await _insert(session, actor, row, action="check.record")


async def _insert(session: AsyncSession, actor: Actor, row: FpptCheck, *, action: str) -> FpptCheck:
    session.add(row)
    await session.flush()
    await session.refresh(row)
    assert row.id is not None
    await record_change(
        session,
        actor,
        row,
        record_type=RECORD_TYPE,
        change="created",
        action=action,
        detail={"check_type": row.check_type.value, "result": row.result.value},
    )
    return row


async def list_checks(
    session: AsyncSession,
    actor: Actor,
    director_id: uuid.UUID,
    *,
    limit: int,
    cursor: str | None = None,
    check_type: CheckType | None = None,
    current_only: bool = False,
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of a director's check results, newest first (or only the current result of each type)."""
    await load_visible_director(session, actor, director_id)
    query = sa.select(FpptCheck).where(col(FpptCheck.director_id) == director_id)
    if check_type is not None:
        query = query.where(col(FpptCheck.check_type) == check_type)
    if current_only:
        query = query.where(col(FpptCheck.id).in_(_current_ids([director_id])))
    rows, next_cursor = await keyset_page(
        session, query, Keyset(col(FpptCheck.id), descending=True), limit=limit, cursor=cursor
    )
    await record_event(
        session, actor, "check.list", record_type="director", record_id=str(director_id), director_id=director_id
    )
    items = [snapshot(r) for r in rows]
    await attach_statements(session, director_id, RECORD_TYPE, items)
    return items, next_cursor


async def get_check(
    session: AsyncSession,
    actor: Actor,
    director_id: uuid.UUID,
    check_id: uuid.UUID,
    *,
    as_of: dt.datetime | None = None,
) -> dict[str, Any]:
    """One check result as it stands now, or as it stood at ``as_of``."""
    await load_visible_director(session, actor, director_id)
    row = await _load_check(session, director_id, check_id)
    data = snapshot(row)
    if as_of is not None:
        past = await version_as_of(session, RECORD_TYPE, str(check_id), as_of)
        if past is None:
            raise NotFound(f"Check {check_id} was not on the register at {as_of.isoformat()}.")
        data = past.data
    await attach_statements(session, director_id, RECORD_TYPE, [data])
    await record_event(
        session,
        actor,
        "check.read",
        record_type=RECORD_TYPE,
        record_id=str(check_id),
        director_id=director_id,
        detail={"as_of": as_of.isoformat()} if as_of else None,
    )
    return data


async def record_mitigation(
    session: AsyncSession,
    actor: Actor,
    director_id: uuid.UUID,
    check_id: uuid.UUID,
    *,
    expected_version: int,
    mitigation: str | None,
    mitigated_on: dt.date | None,
) -> FpptCheck:
    """Record how a concern a check found is mitigated (the FPPT framework lets the chair rely on it)."""
    await load_visible_director(session, actor, director_id)
    row = await _load_check(session, director_id, check_id)
    # A check written by the director's own attestation belongs to no trust: any trust keeping their file may
    # mitigate it; otherwise only the trust that recorded it.
    if not policy.can_keep_fppt_records(actor.principal, row.ods_code or actor.principal.org):
        raise Forbidden("Only the HR team of the trust that recorded this check may record its mitigation.")
    if row.result is not CheckResult.CONCERN:
        raise RuleViolation(f"This check's result is {row.result.value}; only a concern is mitigated.")
    if row.check_type in OUTCOME_ONLY_TYPES:
        if mitigation:
            raise RuleViolation(
                "DBS and medical clearance keep outcome and date only: record that the concern is mitigated "
                "without describing it, and keep the risk assessment in the trust's own file."
            )
    elif not mitigation:
        raise RuleViolation("Describe the mitigation (or point to the risk assessment in the trust's file).")
    on = mitigated_on or policy.today()
    if on > policy.today():
        raise RuleViolation("mitigated_on cannot be in the future.")
    if row.version != expected_version:
        raise PreconditionFailed(
            f"The check is at version {row.version}, not {expected_version}; read it again and resend.",
            current_version=row.version,
        )
    result = await session.execute(
        sa.update(FpptCheck)
        .where(col(FpptCheck.id) == check_id, col(FpptCheck.version) == expected_version)
        .values(
            mitigation=mitigation,
            mitigated_on=on,
            mitigated_by=actor.principal.sub,
            version=expected_version + 1,
            updated_at=sa.func.now(),
        )
        .returning(FpptCheck)
        .execution_options(populate_existing=True)
    )
    updated = result.scalar_one_or_none()
    if updated is None:
        raise PreconditionFailed("The check changed while you were editing it; read it again and resend.")
    await record_change(session, actor, updated, record_type=RECORD_TYPE, change="updated", action="check.mitigate")
    return updated


async def _load_check(session: AsyncSession, director_id: uuid.UUID, check_id: uuid.UUID) -> FpptCheck:
    row = (
        await session.execute(
            sa.select(FpptCheck).where(col(FpptCheck.id) == check_id, col(FpptCheck.director_id) == director_id)
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"No check {check_id} on director {director_id}'s file.")
    return row


def _current_ids(director_ids: Sequence[uuid.UUID]) -> sa.Select[uuid.UUID | None]:
    """The id of the newest result of each check type of each director (by date performed, then entry)."""
    performed = sa.func.coalesce(col(FpptCheck.performed_on), sa.cast(col(FpptCheck.created_at), sa.Date))
    return (
        sa.select(col(FpptCheck.id))
        .where(col(FpptCheck.director_id).in_(director_ids))
        .order_by(col(FpptCheck.director_id), col(FpptCheck.check_type), performed.desc(), col(FpptCheck.id).desc())
        .ext(distinct_on(col(FpptCheck.director_id), col(FpptCheck.check_type)))
    )


async def current_checks(
    session: AsyncSession, director_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[CheckType, FpptCheck]]:
    """Each director's current result of each check type."""
    out: dict[uuid.UUID, dict[CheckType, FpptCheck]] = {d: {} for d in director_ids}
    if not director_ids:
        return out
    rows = await session.execute(sa.select(FpptCheck).where(col(FpptCheck.id).in_(_current_ids(director_ids))))
    for row in rows.scalars():
        out[row.director_id][row.check_type] = row
    return out


def find_gaps(
    current: dict[CheckType, FpptCheck],
    required: Iterable[CheckType],
    on: dt.date,
    *,
    concerns_block: bool = True,
) -> list[CheckGap]:
    """What stops these checks supporting a decision on ``on``: missing, not done, overdue, unmitigated concern."""
    gaps: list[CheckGap] = []
    for check_type in required:
        row = current.get(check_type)
        if row is None:
            gaps.append(CheckGap(check_type, "missing"))
        elif row.result is CheckResult.NOT_DONE:
            gaps.append(CheckGap(check_type, "not_done", row.id, row.next_due))
        elif row.next_due is not None and row.next_due < on:
            gaps.append(CheckGap(check_type, "overdue", row.id, row.next_due))
        elif concerns_block and row.result is CheckResult.CONCERN and row.mitigated_on is None:
            gaps.append(CheckGap(check_type, "unmitigated_concern", row.id, row.next_due))
    return gaps


async def due_checks(
    session: AsyncSession,
    actor: Actor,
    ods_code: str,
    *,
    within_days: int,
    limit: int,
    cursor: str | None = None,
) -> tuple[list[DueItem], str | None]:
    """Checks of the organisation's current board that are overdue, due within ``within_days``, or missing.

    Missing means no result at all of a check the annual cycle requires. Ordered by due date (missing first),
    then name.
    """
    ods_code = ods_code.upper()
    await load_board_organisation(session, actor, ods_code)
    directors = list(
        (
            await session.execute(
                sa.select(Director)
                .where(policy.appointed_at(ods_code))
                .order_by(col(Director.family_name), col(Director.given_name), col(Director.id))
            )
        ).scalars()
    )
    ids = [d.id for d in directors if d.id is not None]
    current = await current_checks(session, ids)
    on = policy.today()
    horizon = on + dt.timedelta(days=within_days)
    items: list[DueItem] = []
    for director in directors:
        assert director.id is not None
        mine = current[director.id]
        for check_type in sorted(set(ANNUAL_REQUIRED) | set(mine), key=list(CheckType).index):
            row = mine.get(check_type)
            status: str | None = None
            if row is None:
                status = "missing"
            elif row.result is CheckResult.NOT_DONE:
                status = "not_done"
            elif row.next_due is not None and row.next_due < on:
                status = "overdue"
            elif row.next_due is not None and row.next_due <= horizon:
                status = "due_soon"
            if status is None:
                continue
            items.append(
                DueItem(
                    director_id=director.id,
                    given_name=director.given_name,
                    family_name=director.family_name,
                    check_type=check_type,
                    status=status,
                    next_due=row.next_due if row else None,
                    check_id=row.id if row else None,
                    performed_on=row.performed_on if row else None,
                )
            )
    items.sort(key=_due_key)
    if cursor:
        after = decode_cursor(cursor, ("k",))["k"]
        items = [i for i in items if list(_due_key(i)) > after]
    page = items[:limit]
    more = len(items) > limit
    await record_reads(session, actor, "check.due_list", dict.fromkeys(i.director_id for i in page), ods_code=ods_code)
    return page, encode_cursor({"k": list(_due_key(page[-1]))}) if more else None


def _due_key(item: DueItem) -> tuple[str, str, str, str, int]:
    due = item.next_due.isoformat() if item.next_due else ""
    return (due, item.family_name, item.given_name, str(item.director_id), list(CheckType).index(item.check_type))


async def load_board_organisation(session: AsyncSession, actor: Actor, ods_code: str) -> Organisation:
    """The organisation, if the caller may read its board's FPPT state; otherwise 404."""
    org = (
        await session.execute(
            sa.select(Organisation).where(
                col(Organisation.ods_code) == ods_code, policy.can_read_board(actor.principal, ods_code)
            )
        )
    ).scalar_one_or_none()
    if org is None:
        raise NotFound(f"No organisation {ods_code} whose board you may see is on the register.")
    return org
