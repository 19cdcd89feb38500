"""Employment history: every role, with board appointments typed; gap explanations; six-year coverage."""

import datetime as dt
import uuid
from dataclasses import dataclass, replace
from typing import cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.access import policy
from register.access.principal import Actor
from register.audit.service import record_event
from register.directors.models import Director
from register.employment.coverage import Coverage, compute_coverage
from register.employment.models import AppointmentType, BoardRole, EmploymentKind, EmploymentRecord, GapExplanation
from register.errors import Breach, DirectorBarred, Forbidden, RuleViolation, refuse
from register.events.service import EventType, emit
from register.findings.service import bar_covering
from register.organisations.models import Organisation
from register.records.history import PartChange, PartKind, add_part, change_part, load_part_for_change
from register.records.visible import load_visible_director, require_file_writer, require_visible_director
from register.settings import Settings

# Joint and shared appointments are, by design, held at the same time as another board seat.
_CONCURRENT_TYPES = frozenset({AppointmentType.JOINT, AppointmentType.SHARED})
_NON_VOTING_ROLES = frozenset({BoardRole.NON_VOTING_EXECUTIVE, BoardRole.ASSOCIATE_NED})


@dataclass(frozen=True)
class EmploymentEntry:
    """An employment entry as proposed; board fields only on board appointments."""

    kind: EmploymentKind
    start_date: dt.date
    end_date: dt.date | None = None
    employer_name: str | None = None
    ods_code: str | None = None
    role_title: str | None = None
    reason_for_leaving: str | None = None
    board_role: BoardRole | None = None
    portfolio: str | None = None
    appointment_type: AppointmentType | None = None
    senior_independent_director: bool = False
    deputy_chair: bool = False
    voting: bool | None = None


async def record_employment(
    session: AsyncSession, actor: Actor, settings: Settings, director_id: uuid.UUID, entry: EmploymentEntry
) -> EmploymentRecord:
    """Add an entry to a director's history, checking the FPPT and register rules."""
    await _load_for_employment_write(session, actor, director_id, entry)
    org = await _check_entry(session, actor, settings, director_id, entry, exclude_id=None)
    row = build_record(director_id, entry, org)
    record = await add_part(session, actor, EMPLOYMENT, row)
    await announce_appointment(session, record, EventType.APPOINTMENT_STARTED)
    return record


async def update_employment(
    session: AsyncSession, actor: Actor, settings: Settings, director_id: uuid.UUID, data: PartChange
) -> EmploymentRecord:
    """Correct an entry or record its end; the changed entry must still satisfy every rule."""
    expected_version, changes = data.expected_version, data.changes
    part: EmploymentRecord = await load_part_for_change(session, actor, EMPLOYMENT, director_id, data.part_id)
    before = _entry_of(part)
    await _check_entry(
        session, actor, settings, director_id, replace(before, **changes), exclude_id=part.id, before=before
    )
    updated: EmploymentRecord = await change_part(
        session, actor, EMPLOYMENT, part, expected_version=expected_version, changes=changes
    )
    if "end_date" in changes and updated.end_date is not None and updated.end_date != part.end_date:
        await announce_appointment(session, updated, EventType.APPOINTMENT_ENDED)
    return updated


async def announce_appointment(session: AsyncSession, record: EmploymentRecord, event: EventType) -> None:
    """Board appointments starting and ending are news for subscribers; other roles are not."""
    if record.kind is not EmploymentKind.BOARD_APPOINTMENT:
        return
    await emit(
        session,
        event,
        director_id=record.director_id,
        record_type="employment",
        record_id=str(record.id),
        ods_code=record.ods_code,
        payload={
            "board_role": record.board_role.value if record.board_role else None,
            "start_date": record.start_date.isoformat(),
            "end_date": record.end_date.isoformat() if record.end_date else None,
        },
    )


async def employment_coverage(
    session: AsyncSession, actor: Actor, director_id: uuid.UUID, *, years: int, threshold_days: int
) -> Coverage:
    """Covered periods, gaps and their explanations over the last ``years`` years."""
    await load_visible_director(session, actor, director_id)
    entries = await session.execute(
        sa.select(col(EmploymentRecord.start_date), col(EmploymentRecord.end_date)).where(
            col(EmploymentRecord.director_id) == director_id, col(EmploymentRecord.withdrawn_at).is_(None)
        )
    )
    explanations = await session.execute(
        sa.select(col(GapExplanation.id), col(GapExplanation.start_date), col(GapExplanation.end_date)).where(
            col(GapExplanation.director_id) == director_id, col(GapExplanation.withdrawn_at).is_(None)
        )
    )
    coverage = compute_coverage(
        [(s, e) for s, e in entries],
        [(cast(uuid.UUID, i), s, e) for i, s, e in explanations],
        today=policy.today(),
        years=years,
        threshold_days=threshold_days,
    )
    await record_event(
        session,
        actor,
        "employment.coverage",
        record_type="employment",
        director_id=director_id,
        detail={"years": years},
    )
    return coverage


@dataclass(frozen=True)
class GapEntry:
    """Why the director was out of employment from ``start_date`` to ``end_date``."""

    start_date: dt.date
    end_date: dt.date
    reason: str


async def explain_gap(
    session: AsyncSession, actor: Actor, _settings: Settings, director_id: uuid.UUID, data: GapEntry
) -> GapExplanation:
    """Record why the director was out of employment for a period."""
    await load_visible_director(session, actor, director_id)
    require_file_writer(actor)
    if data.start_date > policy.today():
        raise RuleViolation("A gap explanation covers a past period; its start date is in the future.")
    row = GapExplanation(
        director_id=director_id, start_date=data.start_date, end_date=data.end_date, reason=data.reason, version=1
    )
    return await add_part(session, actor, GAP_EXPLANATIONS, row)


async def _load_for_employment_write(
    session: AsyncSession, actor: Actor, director_id: uuid.UUID, entry: EmploymentEntry
) -> None:
    """Who may add to a history: the director's own trust (any entry), a trust that has checked the candidate
    (their board appointment at that trust), or a regulator (a board appointment).

    A trust records roles at its own organisation, and history elsewhere only for its own directors; a
    director it may not see is 404 to it. A regulator may also record an existing director's appointment
    at another trust.
    """
    principal = actor.principal
    if policy.can_record_appointments_anywhere(principal):
        if entry.kind is not EmploymentKind.BOARD_APPOINTMENT:
            raise Forbidden("A regulator records board appointments only; the trust keeps the rest of the history.")
        await require_visible_director(session, actor, director_id)
        return
    if (
        policy.can_appoint_checked_candidate(principal, entry.ods_code)
        and entry.kind is EmploymentKind.BOARD_APPOINTMENT
    ):
        # A trust that has checked a candidate may appoint them: the appointment makes them its director.
        checked = await session.execute(
            sa.select(Director).where(col(Director.id) == director_id, policy.checked_candidate(principal, director_id))
        )
        if checked.scalar_one_or_none() is not None:
            return
    await require_visible_director(session, actor, director_id)
    require_file_writer(actor)


async def _check_entry(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    director_id: uuid.UUID,
    entry: EmploymentEntry,
    *,
    exclude_id: uuid.UUID | None,
    before: EmploymentEntry | None = None,
) -> Organisation | None:
    """Every register rule the entry breaks, refused at once with the bar first (``before``: the entry as it
    stood, when this is a change to it).

    A change that only shortens an appointment (ends it, or ends it sooner) can break no rule about when it
    runs: ending a barred director's appointment is exactly what a trust should be able to do.
    """
    breaches: list[Breach] = []
    is_board = entry.kind is EmploymentKind.BOARD_APPOINTMENT
    if is_board and (before is None or before.kind is not entry.kind or entry.start_date != before.start_date):
        bar = await bar_covering(session, director_id, entry.start_date)
        if bar is not None:
            until = bar.bar_end.isoformat() if bar.bar_end else "indefinitely"
            breaches.append(
                Breach(
                    "barred",
                    f"The director is barred from board appointments from {bar.bar_start} until {until} "
                    f"(barring decision {bar.decision_reference or bar.id}); this appointment would start inside "
                    "the bar.",
                    {"barring_decision_id": str(bar.id)},
                    DirectorBarred,
                )
            )
    if is_board:
        breaches.extend(await _held_elsewhere(session, actor, entry, before))
    if entry.end_date is not None and entry.end_date < entry.start_date:
        breaches.append(Breach("end-before-start", "The entry would end before it starts."))
    latest_start = policy.today() + dt.timedelta(days=settings.employment_future_start_days)
    if entry.start_date > latest_start and (before is None or entry.start_date != before.start_date):
        breaches.append(
            Breach(
                "start-too-far-ahead",
                f"An entry may start at most {settings.employment_future_start_days} days ahead "
                f"(by {latest_start.isoformat()}); record it nearer the time.",
            )
        )
    org: Organisation | None = None
    if entry.ods_code is not None:
        org = await session.get(Organisation, entry.ods_code)
        if org is None:
            breaches.append(
                Breach("unknown-organisation", f"No organisation with ODS code {entry.ods_code} is on the register.")
            )
    if is_board and (before is None or _widens(before, entry)):
        breaches.extend(await _overlaps(session, director_id, entry, exclude_id))
    refuse(breaches)
    return org


def _widens(before: EmploymentEntry, after: EmploymentEntry) -> bool:
    """The change could make the entry clash with another: it starts earlier, ends later, or changes type."""
    ends_later = (
        after.end_date is None if before.end_date is None else (after.end_date or dt.date.max) > before.end_date
    )
    return (
        after.start_date < before.start_date
        or (ends_later and after.end_date != before.end_date)
        or after.kind is not before.kind
        or after.appointment_type is not before.appointment_type
    )


def _current_on(entry: EmploymentEntry, day: dt.date) -> bool:
    return entry.end_date is None or entry.end_date >= day


async def _held_elsewhere(
    session: AsyncSession, actor: Actor, entry: EmploymentEntry, before: EmploymentEntry | None
) -> list[Breach]:
    """A trust records its own organisation's appointments; at another organisation only ended ones (history).

    A current appointment makes its holder one of that organisation's directors (DESIGN.md §4), so only that
    organisation (or a regulator) may record it: otherwise one trust could open a director's file to another.
    """
    principal = actor.principal
    if not policy.records_appointments_elsewhere_as_history(principal, entry.ods_code):
        return []
    today = policy.today()
    keeps_current = _current_on(entry, today)
    was_current = before is not None and before.ods_code == entry.ods_code and _current_on(before, today)
    if not keeps_current and not was_current:
        return []
    where = await _organisation_name(session, entry.ods_code)
    if was_current:
        detail = (
            f"This board appointment at {where} has not ended, so that organisation (or a regulator) keeps it; "
            "ask them to record the change."
        )
    else:
        detail = (
            f"A board appointment at {where} that has not ended is recorded by that organisation or by a regulator. "
            f"Your trust records appointments elsewhere only as history: give an end_date before "
            f"{today.isoformat()}, or ask that organisation to record the appointment."
        )
    return [Breach("appointment-kept-elsewhere", detail, {"ods_code": entry.ods_code})]


async def _organisation_name(session: AsyncSession, ods_code: str | None) -> str:
    org = await session.get(Organisation, ods_code) if ods_code else None
    return f"{org.name} ({ods_code})" if org is not None else str(ods_code)


async def _overlaps(
    session: AsyncSession, director_id: uuid.UUID, entry: EmploymentEntry, exclude_id: uuid.UUID | None
) -> list[Breach]:
    """Two board seats at once only when both are joint or shared appointments."""
    far_future = dt.date.max
    query = sa.select(EmploymentRecord).where(
        col(EmploymentRecord.director_id) == director_id,
        col(EmploymentRecord.kind) == EmploymentKind.BOARD_APPOINTMENT,
        col(EmploymentRecord.withdrawn_at).is_(None),
        col(EmploymentRecord.start_date) <= (entry.end_date or far_future),
        sa.or_(col(EmploymentRecord.end_date).is_(None), col(EmploymentRecord.end_date) >= entry.start_date),
    )
    if exclude_id is not None:
        query = query.where(col(EmploymentRecord.id) != exclude_id)
    clashes = [
        r
        for r in (await session.execute(query)).scalars()
        if not (entry.appointment_type in _CONCURRENT_TYPES and r.appointment_type in _CONCURRENT_TYPES)
    ]
    if not clashes:
        return []
    first = clashes[0]
    return [
        Breach(
            "overlapping-appointments",
            f"This board appointment overlaps the {first.role_title} appointment at {first.employer_name} "
            f"from {first.start_date.isoformat()}; concurrent board seats must both be typed joint or shared.",
            {"overlapping_ids": [str(c.id) for c in clashes]},
        )
    ]


def build_record(director_id: uuid.UUID, entry: EmploymentEntry, org: Organisation | None) -> EmploymentRecord:
    """The row for an entry, with the employer's name and role title filled in from what is known."""
    return EmploymentRecord(
        director_id=director_id,
        kind=entry.kind,
        employer_name=entry.employer_name or (org.name if org else ""),
        ods_code=entry.ods_code,
        role_title=entry.role_title or _default_title(entry),
        start_date=entry.start_date,
        end_date=entry.end_date,
        reason_for_leaving=entry.reason_for_leaving,
        board_role=entry.board_role,
        portfolio=entry.portfolio,
        appointment_type=entry.appointment_type,
        senior_independent_director=entry.senior_independent_director,
        deputy_chair=entry.deputy_chair,
        voting=entry.voting if entry.voting is not None else entry.board_role not in _NON_VOTING_ROLES,
        version=1,
    )


def _entry_of(row: EmploymentRecord) -> EmploymentEntry:
    return EmploymentEntry(
        kind=row.kind,
        start_date=row.start_date,
        end_date=row.end_date,
        employer_name=row.employer_name,
        ods_code=row.ods_code,
        role_title=row.role_title,
        reason_for_leaving=row.reason_for_leaving,
        board_role=row.board_role,
        portfolio=row.portfolio,
        appointment_type=row.appointment_type,
        senior_independent_director=row.senior_independent_director,
        deputy_chair=row.deputy_chair,
        voting=row.voting,
    )


def _default_title(entry: EmploymentEntry) -> str:
    if entry.board_role is None:
        raise RuleViolation("A role needs a role_title.")
    title = entry.board_role.value.replace("_", " ").capitalize()
    return f"{title} ({entry.portfolio})" if entry.portfolio else title


EMPLOYMENT = PartKind(
    EmploymentRecord,
    "employment",
    "employment entry",
    ("start_date",),
    add=record_employment,
    change=update_employment,
)
GAP_EXPLANATIONS = PartKind(GapExplanation, "gap_explanation", "gap explanation", ("start_date",), add=explain_gap)
