"""The parts of a director's file (registrations, qualifications, employment, gap explanations) share one
life cycle: added, changed under ``If-Match``, withdrawn with a reason; every step versioned and audited.
Each part's own service applies its domain rules and then calls these functions.
"""

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from register.access import policy
from register.access.principal import Actor
from register.audit.service import record_event
from register.directors.models import Director
from register.errors import Forbidden, NotFound, PreconditionFailed
from register.statements.queries import statements_about
from register.versions.service import file_as_of, snapshot, write_version

M = TypeVar("M", bound=SQLModel)


@dataclass(frozen=True)
class PartKind:
    """How one kind of part is stored and named."""

    model: type[SQLModel]
    record_type: str  # in versions and the audit trail, e.g. "qualification"
    label: str  # in messages, e.g. "qualification"
    order_by: tuple[str, ...]  # columns a list is sorted by (then id)


async def load_visible_director(session: AsyncSession, actor: Actor, director_id: uuid.UUID) -> Director:
    """The director if the caller may see them; otherwise 404, whether or not they exist."""
    director = (
        await session.execute(
            sa.select(Director).where(col(Director.id) == director_id, policy.visible_directors(actor.principal))
        )
    ).scalar_one_or_none()
    if director is None:
        raise NotFound(f"No director {director_id} that you may see is on the register.")
    return director


def require_file_writer(actor: Actor) -> None:
    """Only a trust keeps a director's file (regulators read it; a director adds statements)."""
    if not policy.can_change_director(actor.principal):
        raise Forbidden("Your role may read this file but not change it.")


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
) -> None:
    """Write the record's new version and the audit event of the change (every change does both)."""
    await write_version(
        session,
        actor,
        record,
        record_type=record_type,
        record_id=str(record.id),
        director_id=record.director_id,
        change=change,
    )
    await record_event(
        session,
        actor,
        action,
        record_type=record_type,
        record_id=str(record.id),
        director_id=record.director_id,
        detail=detail,
    )


async def add_part(session: AsyncSession, actor: Actor, kind: PartKind, part: M) -> M:
    """Store a new part with its first version and audit event."""
    session.add(part)
    await session.flush()
    await session.refresh(part)
    await record_change(
        session, actor, part, record_type=kind.record_type, change="created", action=f"{kind.record_type}.create"
    )
    return part


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
    await write_version(
        session,
        actor,
        updated,
        record_type=kind.record_type,
        record_id=str(updated.id),
        director_id=updated.director_id,
        change=change,
    )
    action = "withdraw" if change == "withdrawn" else "update"
    await record_event(
        session,
        actor,
        f"{kind.record_type}.{action}",
        record_type=kind.record_type,
        record_id=str(updated.id),
        director_id=updated.director_id,
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
