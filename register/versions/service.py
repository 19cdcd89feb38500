"""Writing and reading record versions."""

import datetime as dt
import enum
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from register.access.principal import Actor
from register.versions.models import RecordVersion

_table = RecordVersion.__table__  # type: ignore[attr-defined]


def snapshot(record: SQLModel) -> dict[str, Any]:
    """The record's columns as JSON-ready values."""
    out: dict[str, Any] = {}
    for column in record.__table__.columns:  # type: ignore[attr-defined]
        value = getattr(record, column.key)
        if isinstance(value, uuid.UUID | dt.date | dt.datetime):
            value = value.isoformat() if not isinstance(value, uuid.UUID) else str(value)
        elif isinstance(value, enum.Enum):
            value = value.value
        out[column.key] = value
    return out


async def write_version(
    session: AsyncSession,
    actor: Actor,
    record: SQLModel,
    *,
    record_type: str,
    record_id: str,
    director_id: uuid.UUID | None,
    change: str,
) -> None:
    """Store the record as it now stands, under its current version number."""
    if sa.inspect(record).unloaded:  # server defaults (timestamps) not yet read back after the INSERT
        await session.refresh(record)
    await session.execute(
        version_insert(
            actor, record, record_type=record_type, record_id=record_id, director_id=director_id, change=change
        )
    )


def version_insert(
    actor: Actor,
    record: SQLModel,
    *,
    record_type: str,
    record_id: str,
    director_id: uuid.UUID | None,
    change: str,
) -> sa.Insert:
    """The INSERT of the record's version as it now stands (its columns all loaded)."""
    return sa.insert(_table).values(
        record_type=record_type,
        record_id=record_id,
        director_id=director_id,
        version=record.version,  # type: ignore[attr-defined]
        change=change,
        data=snapshot(record),
        changed_by=actor.principal.sub,
    )


async def version_as_of(
    session: AsyncSession, record_type: str, record_id: str, at: dt.datetime
) -> RecordVersion | None:
    """The newest version written at or before ``at``, or None if the record did not exist yet."""
    result = await session.execute(
        sa.select(RecordVersion)
        .where(
            col(RecordVersion.record_type) == record_type,
            col(RecordVersion.record_id) == record_id,
            col(RecordVersion.changed_at) <= at,
        )
        .order_by(col(RecordVersion.version).desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def file_as_of(session: AsyncSession, director_id: uuid.UUID, at: dt.datetime) -> dict[str, list[dict[str, Any]]]:
    """Every record of a director's file as it stood at ``at``, grouped by record type.

    Takes the newest version of each record written by then and leaves out records that were
    withdrawn by then.
    """
    latest = (
        sa.select(col(RecordVersion.record_type), col(RecordVersion.change), col(RecordVersion.data))
        .where(col(RecordVersion.director_id) == director_id, col(RecordVersion.changed_at) <= at)
        .order_by(col(RecordVersion.record_type), col(RecordVersion.record_id), col(RecordVersion.version).desc())
        .ext(distinct_on(col(RecordVersion.record_type), col(RecordVersion.record_id)))
    )
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record_type, change, data in await session.execute(latest):
        if change != "withdrawn":
            grouped.setdefault(record_type, []).append(data)
    return grouped
