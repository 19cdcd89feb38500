"""A record's history: every part of a director's file is added, changed under ``If-Match`` and withdrawn with a
reason, and every step writes the record's new version and its audit event, here and nowhere else.

Each part's own service applies its domain rules and then calls these functions; a service whose record is not a
part (assessments, appraisals, attestations, returns, organisations) records its changes with
:func:`record_change`.
"""

import datetime as dt
import enum
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from register.access.principal import Actor
from register.audit.service import event_insert, record_event
from register.db import SessionRunner
from register.errors import NotFound, PreconditionFailed
from register.records import prepared as sql
from register.records.visible import load_visible_director, require_file_writer
from register.settings import Settings
from register.statements.queries import statements_about
from register.versions.models import RecordVersion
from register.versions.service import file_as_of, snapshot, version_insert

M = TypeVar("M", bound=SQLModel)
version_table = RecordVersion.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class PartChange:
    """A change to one part: which, at which version (``If-Match``), and the new values of the fields changed."""

    part_id: uuid.UUID
    expected_version: int
    changes: dict[str, Any]


@dataclass(frozen=True)
class PartWithdrawal:
    """A part recorded in error, at which version, and why it is withdrawn."""

    part_id: uuid.UUID
    expected_version: int
    reason: str


# Every part service has these signatures, so one router serves every part (api/parts.py). The
# settings carry the rules a deployment may tune (how far ahead an employment entry may start).
AddPart = Callable[[AsyncSession, Actor, Settings, uuid.UUID, Any], Awaitable[Any]]
ChangePart = Callable[[AsyncSession, Actor, Settings, uuid.UUID, PartChange], Awaitable[Any]]
WithdrawPart = Callable[[AsyncSession, Actor, Settings, uuid.UUID, PartWithdrawal], Awaitable[Any]]


@dataclass(frozen=True)
class PartKind:
    """How one kind of part is stored and named, and the service functions that add, change and withdraw it
    (``withdraw`` None: :func:`withdraw_from_file`, the rule every part without its own follows)."""

    model: type[SQLModel]
    record_type: str  # in versions and the audit trail, e.g. "qualification"
    label: str  # in messages, e.g. "qualification"
    order_by: tuple[str, ...]  # columns a list is sorted by (then id)
    add: AddPart | None = None
    change: ChangePart | None = None
    withdraw: WithdrawPart | None = None


async def list_parts(
    session: AsyncSession, actor: Actor, kind: PartKind, director_id: uuid.UUID, *, as_of: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """The parts of one kind in the director's file, now or as of a past time; the read is audited."""
    await load_visible_director(session, actor, director_id)
    if as_of is None:
        model: Any = kind.model
        rows = await session.execute(
            sa.select(model)
            .where(col(model.director_id) == director_id, col(model.withdrawn_at).is_(None))
            .order_by(*(col(getattr(model, c)) for c in kind.order_by), col(model.id))
        )
        items = [snapshot(r) for r in rows.scalars()]
    else:
        items = (await file_as_of(session, director_id, as_of)).get(kind.record_type, [])
        items.sort(key=lambda d: tuple(_sortable(d.get(c)) for c in (*kind.order_by, "id")))
    await attach_statements(session, director_id, kind.record_type, items)
    await record_event(
        session,
        actor,
        f"{kind.record_type}.list",
        record_type=kind.record_type,
        director_id=director_id,
        detail={"as_of": as_of.isoformat()} if as_of else None,
    )
    return items


async def get_part(
    session: AsyncSession, actor: Actor, kind: PartKind, director_id: uuid.UUID, part_id: uuid.UUID
) -> dict[str, Any]:
    """One current part of a visible director's file (withdrawn parts are not found)."""
    await load_visible_director(session, actor, director_id)
    part = snapshot(await load_part(session, kind, director_id, part_id))
    await attach_statements(session, director_id, kind.record_type, [part])
    await record_event(
        session,
        actor,
        f"{kind.record_type}.read",
        record_type=kind.record_type,
        record_id=str(part_id),
        director_id=director_id,
    )
    return part


async def record_change(
    session: AsyncSession,
    actor: Actor,
    record: Any,
    *,
    record_type: str,
    change: str,
    action: str,
    detail: dict[str, Any] | None = None,
    record_id: str | None = None,
    director_id: uuid.UUID | None = None,
) -> None:
    """Write the record's new version and the audit event of the change (every change does both), in one
    statement. ``record_id``: for a record not known by its ``id`` (an organisation by its ODS code);
    ``director_id``: whose file it is in, when the record does not say (a director's own record)."""
    if sa.inspect(record).unloaded:  # server defaults not read back by the INSERT
        await session.refresh(record)
    record_id = record_id or str(record.id)
    director_id = director_id or getattr(record, "director_id", None)
    version = version_insert(
        actor, record, record_type=record_type, record_id=record_id, director_id=director_id, change=change
    )
    event = event_insert(
        actor, action, record_type=record_type, record_id=record_id, director_id=director_id, detail=detail
    )
    await session.execute(event.add_cte(version.cte("version")))


async def add_part(session: AsyncSession, actor: Actor, kind: PartKind, part: M) -> M:
    """Store a new part with its first version and audit event: one statement, in the session's transaction.

    The part is inserted, its version (the columns as :func:`register.versions.service.snapshot` writes them) and
    the ``<record_type>.create`` event are written from what the INSERT returned; ``part`` comes back with the
    values the server filled in (id, timestamps, defaults). It is not in the session.
    """
    table = kind.model.__table__  # type: ignore[attr-defined]
    # Columns left to the server: those with a server default that the part leaves empty (id, timestamps).
    skipped = tuple(c.key for c in table.columns if c.server_default is not None and getattr(part, c.key) is None)
    prepared = sql.prepare(("add-part", kind.record_type, skipped), lambda: _add_statement(kind, skipped))
    values = {c.key: _bind_value(getattr(part, c.key)) for c in table.columns if c.key not in skipped}
    values["v_changed_by"] = actor.principal.sub
    values |= sql.audit_values(actor, f"{kind.record_type}.create", kind.record_type)
    row = await sql.fetch_row(SessionRunner(session), prepared, values)
    stored = msgspec.json.decode(row[0])
    for column in table.columns:
        if column.key in skipped:  # what the server filled in
            setattr(part, column.key, _from_json(column, stored[column.key]))
    return part


def _add_statement(kind: PartKind, skipped: tuple[str, ...]) -> sa.Select[Any]:
    table = kind.model.__table__  # type: ignore[attr-defined]
    columns = [c for c in table.columns if c.key not in skipped]
    new = sa.insert(table).values({c.key: _bind(c) for c in columns}).returning(*table.c).cte("part")
    data = sa.func.jsonb_build_object(
        *(x for c in table.columns for x in (sa.literal(c.key), _json_value(new.c[c.key])))
    )
    snap = sa.select(new.c.id, new.c.director_id, new.c.version, data.label("data")).cte("snap")
    version = sa.insert(version_table).from_select(
        ["record_type", "record_id", "director_id", "version", "change", "data", "changed_by"],
        sa.select(
            sa.literal(kind.record_type),
            sa.cast(snap.c.id, sa.String),
            snap.c.director_id,
            snap.c.version,
            sa.literal("created"),
            snap.c.data,
            sa.bindparam("v_changed_by", None, type_=sa.String),
        ),
    )
    audit = sql.audit_cte(snap, record_id=sa.cast(snap.c.id, sa.String), director_id=snap.c.director_id)
    return sa.select(sa.cast(snap.c.data, sa.Text)).add_cte(version.cte("version")).add_cte(audit)


def _bind(column: sa.Column[Any]) -> Any:
    """A parameter for ``column``: JSON is sent as text and cast, whatever JSON codec the connection has."""
    if isinstance(column.type, JSONB):
        return sa.cast(sa.bindparam(column.key, None, type_=sa.String), JSONB)
    return sa.bindparam(column.key, None, type_=column.type)


def _bind_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def _from_json(column: sa.Column[Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, sa.Uuid):
        return uuid.UUID(value)
    if isinstance(column.type, sa.DateTime):
        return dt.datetime.fromisoformat(value)
    return value


def _json_value(column: Any) -> Any:
    """The column's value in a version's JSON, as ``snapshot`` writes it (timestamps as Python's isoformat)."""
    if isinstance(column.type, sa.DateTime):
        return sa.literal_column(sql.ts(column.compile(compile_kwargs={"literal_binds": True}).string, "+00:00"))
    return column


async def change_part(
    session: AsyncSession,
    actor: Actor,
    kind: PartKind,
    part: Any,
    *,
    expected_version: int,
    changes: dict[str, Any],
    change: str = "updated",
) -> Any:
    """Apply ``changes`` if the part is still at ``expected_version``; write the version and the audit event."""
    if part.version != expected_version:
        raise PreconditionFailed(
            f"This {kind.label} is at version {part.version}, not {expected_version}; read it again and resend.",
            current_version=part.version,
        )
    model: Any = kind.model
    result = await session.execute(
        sa.update(model)
        .where(col(model.id) == part.id, col(model.version) == expected_version)
        .values(**changes, version=expected_version + 1, updated_at=sa.func.now())
        .returning(model)
        .execution_options(populate_existing=True)
    )
    updated = result.scalar_one_or_none()
    if updated is None:  # changed by another request between our read and this update
        raise PreconditionFailed(f"This {kind.label} changed while you were editing it; read it again and resend.")
    action = "withdraw" if change == "withdrawn" else "update"
    await record_change(
        session,
        actor,
        updated,
        record_type=kind.record_type,
        change=change,
        action=f"{kind.record_type}.{action}",
        detail={"reason": changes.get("withdrawn_reason")} if change == "withdrawn" else {"fields": sorted(changes)},
    )
    return updated


async def withdraw_part(
    session: AsyncSession, actor: Actor, kind: PartKind, part: Any, *, expected_version: int, reason: str
) -> Any:
    """Withdraw a part recorded in error: it leaves current views but stays in the history with the reason."""
    return await change_part(
        session,
        actor,
        kind,
        part,
        expected_version=expected_version,
        changes={"withdrawn_at": sa.func.now(), "withdrawn_reason": reason},
        change="withdrawn",
    )


async def withdraw_from_file(
    session: AsyncSession, actor: Actor, kind: PartKind, director_id: uuid.UUID, data: PartWithdrawal
) -> Any:
    """Withdraw a part recorded in error, for a caller who keeps the file (parts without a rule of their own)."""
    part = await load_part_for_change(session, actor, kind, director_id, data.part_id)
    return await withdraw_part(session, actor, kind, part, expected_version=data.expected_version, reason=data.reason)


async def load_part_for_change(
    session: AsyncSession, actor: Actor, kind: PartKind, director_id: uuid.UUID, part_id: uuid.UUID
) -> Any:
    """A current part of a director the caller may see and change, locked for the rest of the transaction."""
    await load_visible_director(session, actor, director_id)
    require_file_writer(actor)
    return await load_part(session, kind, director_id, part_id, lock=True)


async def load_part(
    session: AsyncSession, kind: PartKind, director_id: uuid.UUID, part_id: uuid.UUID, *, lock: bool = False
) -> Any:
    model: Any = kind.model
    query = sa.select(model).where(
        col(model.id) == part_id, col(model.director_id) == director_id, col(model.withdrawn_at).is_(None)
    )
    if lock:
        query = query.with_for_update()
    part = (await session.execute(query)).scalar_one_or_none()
    if part is None:
        raise NotFound(f"This director's file has no current {kind.label} {part_id}.")
    return part


async def attach_statements(
    session: AsyncSession, director_id: uuid.UUID, record_type: str, items: list[dict[str, Any]]
) -> None:
    """Put the director's statements beside each record they answer (DESIGN.md: shown in every view)."""
    if record_type == "statement" or not items:
        return
    about = await statements_about(session, director_id, record_type, [str(i["id"]) for i in items])
    for item in items:
        item["statements"] = about.get(str(item["id"]), [])


def _sortable(value: Any) -> tuple[int, str]:
    return (0, "") if value is None else (1, str(value))
