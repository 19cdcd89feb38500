"""Writing outbound events. Call ``emit`` inside the transaction of the change it reports."""

import uuid
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from register.events.models import OutboundEvent

_table = OutboundEvent.__table__  # type: ignore[attr-defined]


class EventType(StrEnum):
    """The changes subscribers are told about (DESIGN.md §6, monitoring)."""

    FINDING_RECORDED = "finding.recorded"
    FINDING_CHANGED = "finding.changed"
    BARRING_DECIDED = "barring.decided"
    ASSESSMENT_SIGNED_OFF = "assessment.signed_off"
    APPOINTMENT_STARTED = "appointment.started"
    APPOINTMENT_ENDED = "appointment.ended"
    STATEMENT_ADDED = "statement.added"


async def emit(
    session: AsyncSession,
    event_type: EventType,
    *,
    director_id: uuid.UUID,
    record_type: str,
    record_id: str,
    ods_code: str | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """Append an event; it commits or rolls back with the change, so none is lost and none is invented."""
    await session.execute(
        sa.insert(_table).values(
            type=event_type.value,
            director_id=director_id,
            ods_code=ods_code,
            record_type=record_type,
            record_id=record_id,
            payload=payload or {},
        )
    )
