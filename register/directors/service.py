"""Directors: adding a person to the register, reading their file, changing their identity details."""

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.access import policy
from register.access.principal import Actor
from register.audit.service import record_event, record_reads
from register.candidates.service import director_not_found
from register.db import SessionRunner, StatementRunner
from register.directors import queries
from register.directors.models import Director, ProfessionalRegistration
from register.employment.models import AppointmentType, BoardRole, EmploymentKind, EmploymentRecord
from register.employment.service import EmploymentEntry, announce_appointment, build_record
from register.errors import DuplicateDirector, Forbidden, NotFound, PreconditionFailed, RuleViolation
from register.events.service import EventType
from register.findings.service import bar_covering
from register.identifiers import RegistrationBody
from register.names import name_key, one_typo_apart
from register.organisations.models import Organisation
from register.records import prepared as sql
from register.records.history import attach_statements, record_change
from register.records.pages import Keyset, keyset_page, position
from register.records.visible import load_visible_director
from register.search.names import sync_director_names
from register.statements.queries import statements_about
from register.versions.models import RecordVersion
from register.versions.service import file_as_of, snapshot, write_version

RECORD_TYPE = "director"
REGISTRATION = "registration"
EMPLOYMENT = "employment"


@dataclass(frozen=True)
class NewRegistration:
    body: RegistrationBody
    number: str


@dataclass(frozen=True)
class NewAppointment:
    board_role: BoardRole
    appointment_type: AppointmentType
    start_date: dt.date
    role_title: str | None = None
    portfolio: str | None = None
    end_date: dt.date | None = None
    senior_independent_director: bool = False
    deputy_chair: bool = False
    voting: bool | None = None


@dataclass
class DirectorFile:
    """A director's record with its parts, as JSON-ready snapshots (current, or as of a past time)."""

    director: dict[str, Any]
    registrations: list[dict[str, Any]] = field(default_factory=list)
    appointments: list[dict[str, Any]] = field(default_factory=list)
    statements: list[dict[str, Any]] = field(default_factory=list)
    bar: dict[str, Any] | None = None


@dataclass(frozen=True)
class NearMatches:
    """People already on the register with the same date of birth and a name one typo away from a new director's:
    those the caller may see (id, given and family name), and how many others there are."""

    visible: list[tuple[uuid.UUID, str, str]]
    hidden: int


@dataclass
class CreatedDirector:
    """A new director's file, with the near matches the trust should look at before relying on it."""

    file: DirectorFile
    near_matches: NearMatches | None


async def _current_file(session: AsyncSession, director: Director) -> DirectorFile:
    assert director.id is not None
    parts = await _current_parts(session, director.id)
    return await _with_context(
        session,
        DirectorFile(
            director=snapshot(director),
            registrations=[snapshot(r) for r in parts.registrations],
            appointments=[snapshot(a) for a in parts.appointments],
        ),
        director.id,
        policy.today(),
    )


async def _with_context(session: AsyncSession, file: DirectorFile, director_id: uuid.UUID, on: dt.date) -> DirectorFile:
    """Add what is shown with every view of a director: their statements about the file and any bar in force."""
    file.statements = (await statements_about(session, director_id, None)).get(None, [])
    bar = await bar_covering(session, director_id, on)
    if bar is not None:
        file.bar = {
            "finding_id": str(bar.id),
            "bar_start": bar.bar_start,
            "bar_end": bar.bar_end,
            "decision_reference": bar.decision_reference,
        }
    await attach_statements(session, director_id, EMPLOYMENT, file.appointments)
    await attach_statements(session, director_id, REGISTRATION, file.registrations)
    return file


async def create_director(
    session: AsyncSession,
    actor: Actor,
    *,
    given_name: str,
    family_name: str,
    date_of_birth: dt.date,
    former_names: list[dict[str, str]],
    registrations: list[NewRegistration],
    appointment: NewAppointment,
    synthetic: bool = False,
) -> CreatedDirector:
    """Add a person to the register with their first board appointment at the caller's trust.

    An exact match (registration number, or normalised name and date of birth) is refused; a name one typo away
    with the same date of birth is created, with the near matches returned as a warning. ``synthetic`` marks
    demonstration records that describe no real person (never set through the API).
    """
    principal = actor.principal
    if not policy.can_create_director(principal) or principal.org is None:
        raise Forbidden("Only a trust's HR team adds directors, with an appointment at their own trust.")
    org = await session.get(Organisation, principal.org)
    if org is None:
        raise RuleViolation(
            f"Your organisation {principal.org} is not on the register; ask an administrator to add it."
        )
    near = await _refuse_duplicates(session, given_name, family_name, former_names, date_of_birth, registrations)

    director = Director(
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        former_names=former_names,
        synthetic=synthetic,
        version=1,
    )
    session.add(director)
    await session.flush()
    await session.refresh(director)
    assert director.id is not None
    await sync_director_names(
        session, director.id, given_name=given_name, family_name=family_name, former_names=former_names
    )
    await write_version(
        session,
        actor,
        director,
        record_type=RECORD_TYPE,
        record_id=str(director.id),
        director_id=director.id,
        change="created",
    )

    for reg in registrations:
        row = ProfessionalRegistration(director_id=director.id, body=reg.body, number=reg.number, version=1)
        session.add(row)
    entry = build_record(
        director.id,
        EmploymentEntry(
            kind=EmploymentKind.BOARD_APPOINTMENT,
            ods_code=org.ods_code,
            start_date=appointment.start_date,
            end_date=appointment.end_date,
            role_title=appointment.role_title,
            board_role=appointment.board_role,
            portfolio=appointment.portfolio,
            appointment_type=appointment.appointment_type,
            senior_independent_director=appointment.senior_independent_director,
            deputy_chair=appointment.deputy_chair,
            voting=appointment.voting,
        ),
        org,
    )
    session.add(entry)
    await session.flush()
    await announce_appointment(session, entry, EventType.APPOINTMENT_STARTED)
    parts = await _current_parts(session, director.id)
    for kind, rows in ((REGISTRATION, parts.registrations), (EMPLOYMENT, parts.appointments)):
        for obj in rows:
            await write_version(
                session,
                actor,
                obj,
                record_type=kind,
                record_id=str(obj.id),
                director_id=director.id,
                change="created",
            )
    await record_event(
        session,
        actor,
        "director.create",
        record_type=RECORD_TYPE,
        record_id=str(director.id),
        director_id=director.id,
    )
    return CreatedDirector(await _current_file(session, director), await _near_matches(session, actor, near))


async def _near_matches(session: AsyncSession, actor: Actor, ids: list[uuid.UUID]) -> NearMatches | None:
    """Which near matches the caller may see (their names are shown, so the showing is audited as a read)."""
    if not ids:
        return None
    rows = await session.execute(
        sa.select(col(Director.id), col(Director.given_name), col(Director.family_name))
        .where(col(Director.id).in_(ids), policy.visible_directors(actor.principal))
        .order_by(col(Director.family_name), col(Director.given_name), col(Director.id))
    )
    visible = [(cast(uuid.UUID, i), g, f) for i, g, f in rows]
    await record_reads(session, actor, "director.near_match", [i for i, _, _ in visible])
    return NearMatches(visible=visible, hidden=len(ids) - len(visible))


async def get_director(
    session: AsyncSession, actor: Actor, director_id: uuid.UUID, *, as_of: dt.datetime | None = None
) -> DirectorFile:
    """A director's file as the caller may see it, now or as it stood at ``as_of``."""
    try:
        director = await load_visible_director(session, actor, director_id)
    except NotFound:
        raise await director_not_found(SessionRunner(session), actor, director_id) from None
    if as_of is None:
        result = await _current_file(session, director)
    else:
        past = await file_as_of(session, director_id, as_of)
        if RECORD_TYPE not in past:
            raise NotFound(f"Director {director_id} was not on the register at {as_of.isoformat()}.")
        result = await _with_context(
            session,
            DirectorFile(
                director=past[RECORD_TYPE][0],
                registrations=past.get(REGISTRATION, []),
                appointments=[e for e in past.get(EMPLOYMENT, []) if e["kind"] == EmploymentKind.BOARD_APPOINTMENT],
            ),
            director_id,
            as_of.date(),
        )
    await record_event(
        session,
        actor,
        "director.read",
        record_type=RECORD_TYPE,
        record_id=str(director_id),
        director_id=director_id,
        detail={"as_of": as_of.isoformat()} if as_of else None,
    )
    return result


async def read_director_json(runner: StatementRunner, actor: Actor, director_id: uuid.UUID) -> tuple[bytes, int]:
    """The current file as the JSON body of ``DirectorRead`` and its version (the ETag), in one statement.

    The same access scope and the same ``director.read`` audit event as :func:`get_director`; the JSON is built
    by PostgreSQL (register/directors/queries.py), so no ORM objects or pydantic models are made per request.
    """
    today = policy.today()
    shape, stand_ins, key = sql.scope_placeholders(actor.principal)
    prepared = sql.prepare(
        ("file", *key, today),
        lambda: queries.file_statement(policy.visible_directors(shape)),
    )
    values = {"director_id": director_id, "today": today, **sql.audit_values(actor, "director.read", "director")}
    row = await sql.fetch_row(runner, prepared, values, stand_ins)
    if row is None:
        raise await director_not_found(runner, actor, director_id)
    return str(row[0]).encode(), int(row[1])


async def list_directors(
    session: AsyncSession, actor: Actor, *, limit: int, cursor: str | None = None, ods_code: str | None = None
) -> tuple[list[Director], str | None]:
    """A page of the directors the caller may see, oldest entry first, and the next page's cursor."""
    query = sa.select(Director).where(policy.visible_directors(actor.principal))
    if ods_code:
        query = query.where(policy.appointed_at(ods_code))
    rows, next_cursor = await keyset_page(session, query, Keyset(col(Director.id)), limit=limit, cursor=cursor)
    await record_reads(
        session,
        actor,
        "director.list",
        [r.id for r in rows if r.id],
        **({"ods_code": ods_code} if ods_code else {}),
    )
    return rows, next_cursor


async def update_director(
    session: AsyncSession,
    actor: Actor,
    director_id: uuid.UUID,
    *,
    expected_version: int,
    changes: dict[str, Any],
) -> DirectorFile:
    """Correct a director's identity details; the ``If-Match`` version must be the current one."""
    director = await load_visible_director(session, actor, director_id)
    if not policy.can_change_director(actor.principal):
        raise Forbidden("Your role may read this record but not change it.")
    if not changes:
        raise RuleViolation("The change names no field to update.")
    if director.version != expected_version:
        raise PreconditionFailed(
            f"The record is at version {director.version}, not {expected_version}; read it again and resend.",
            current_version=director.version,
        )
    result = await session.execute(
        sa.update(Director)
        .where(col(Director.id) == director_id, col(Director.version) == expected_version)
        .values(**changes, version=expected_version + 1, updated_at=sa.func.now())
        .returning(Director)
        .execution_options(populate_existing=True)
    )
    updated = result.scalar_one_or_none()
    if updated is None:  # another request changed it between our read and this update
        raise PreconditionFailed("The record changed while you were editing it; read it again and resend.")
    if changes.keys() & {"given_name", "family_name", "former_names"}:
        await sync_director_names(
            session,
            director_id,
            given_name=updated.given_name,
            family_name=updated.family_name,
            former_names=updated.former_names,
        )
    await record_change(
        session,
        actor,
        updated,
        record_type=RECORD_TYPE,
        director_id=director_id,
        change="updated",
        action="director.update",
        detail={"fields": sorted(changes)},
    )
    return await _current_file(session, updated)


@dataclass
class _Parts:
    registrations: list[ProfessionalRegistration]
    appointments: list[EmploymentRecord]


async def _current_parts(session: AsyncSession, director_id: uuid.UUID) -> _Parts:
    regs = await session.execute(
        sa.select(ProfessionalRegistration)
        .where(
            col(ProfessionalRegistration.director_id) == director_id,
            col(ProfessionalRegistration.withdrawn_at).is_(None),
        )
        .order_by(col(ProfessionalRegistration.body), col(ProfessionalRegistration.number))
    )
    apps = await session.execute(
        sa.select(EmploymentRecord)
        .where(
            col(EmploymentRecord.director_id) == director_id,
            col(EmploymentRecord.kind) == EmploymentKind.BOARD_APPOINTMENT,
            col(EmploymentRecord.withdrawn_at).is_(None),
        )
        .order_by(col(EmploymentRecord.start_date).desc(), col(EmploymentRecord.id))
    )
    return _Parts(list(regs.scalars()), list(apps.scalars()))


async def _refuse_duplicates(
    session: AsyncSession,
    given_name: str,
    family_name: str,
    former_names: list[dict[str, str]],
    date_of_birth: dt.date,
    registrations: list[NewRegistration],
) -> list[uuid.UUID]:
    """A person is on the register once. The problem never says who matched: the caller may not see them.

    Returns the people with the same date of birth whose name (current or former) is one typo away from one of
    the new person's: not refused, since two people can have such names, but worth a look before relying on it.
    """
    advice = (
        "This person appears to be on the register already. Run a candidate check to see their record "
        "and record your appointment against it, instead of creating a second record."
    )
    for reg in registrations:
        taken = await session.execute(
            sa.select(sa.literal(1)).where(
                col(ProfessionalRegistration.body) == reg.body,
                col(ProfessionalRegistration.number) == reg.number,
                col(ProfessionalRegistration.withdrawn_at).is_(None),
            )
        )
        if taken.first() is not None:
            raise DuplicateDirector(advice, matched_on="registration_number")
    wanted = {name_key(given_name, family_name)} | {
        name_key(n.get("given_name", ""), n.get("family_name", "")) for n in former_names
    }
    same_birthday = await session.execute(
        sa.select(col(Director.id), col(Director.given_name), col(Director.family_name), col(Director.former_names))
        .where(col(Director.date_of_birth) == date_of_birth)
        .order_by(col(Director.id))
    )
    near: list[uuid.UUID] = []
    for director_id, given, family, former in same_birthday:
        theirs = {name_key(given, family)} | {
            name_key(n.get("given_name", ""), n.get("family_name", "")) for n in former
        }
        if wanted & theirs:
            raise DuplicateDirector(advice, matched_on="name_and_date_of_birth")
        if any(one_typo_apart(a, b) for a in wanted for b in theirs):
            near.append(cast(uuid.UUID, director_id))
    return near


async def list_versions(
    session: AsyncSession,
    actor: Actor,
    director_id: uuid.UUID,
    *,
    limit: int,
    cursor: str | None = None,
    record_type: str | None = None,
) -> tuple[list[RecordVersion], str | None]:
    """The history of every record in a director's file, oldest change first."""
    await load_visible_director(session, actor, director_id)
    query = sa.select(RecordVersion).where(col(RecordVersion.director_id) == director_id)
    if record_type:
        query = query.where(col(RecordVersion.record_type) == record_type)
    rows, next_cursor = await keyset_page(
        session, query, Keyset(col(RecordVersion.id), cursor_key="after", parse=position), limit=limit, cursor=cursor
    )
    await record_event(
        session,
        actor,
        "director.versions",
        record_type=RECORD_TYPE,
        record_id=str(director_id),
        director_id=director_id,
    )
    return rows, next_cursor
