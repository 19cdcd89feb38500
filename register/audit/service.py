"""Writing the audit trail. Every function here runs inside the caller's transaction."""

import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from register.access.principal import Actor
from register.audit.models import AuditEvent

_table = AuditEvent.__table__  # type: ignore[attr-defined]


def _row(actor: Actor, action: str, **fields: Any) -> dict[str, Any]:
    p = actor.principal
    return {
        "actor_sub": p.sub,
        "actor_role": p.role.value,
        "actor_org": p.org,
        "action": action,
        "purpose": actor.purpose,
        "request_id": actor.request_id,
        "detail": fields.pop("detail", None) or {},
        **fields,
    }


async def record_event(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    record_type: str | None = None,
    record_id: str | None = None,
    director_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one event: who did what to which record, and why."""
    await session.execute(
        sa.insert(_table).values(
            _row(
                actor,
                action,
                record_type=record_type,
                record_id=record_id,
                director_id=director_id,
                detail=detail,
            )
        )
    )


async def record_reads(
    session: AsyncSession, actor: Actor, action: str, director_ids: Iterable[uuid.UUID], **detail: Any
) -> None:
    """Append one read event per director shown (a list shows each person's personal data)."""
    rows = [
        _row(actor, action, record_type="director", record_id=str(d), director_id=d, detail=detail)
        for d in director_ids
    ]
    if rows:
        await session.execute(sa.insert(_table), rows)
