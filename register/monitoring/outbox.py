"""The outbox: events written by ``register.events.service.emit`` in the transaction of the change they report,
read in id order once every transaction that could still add an earlier id has settled."""

import datetime as dt
import json
import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from register.events.models import OutboundEvent

log = logging.getLogger(__name__)

LOCK_NOT_AVAILABLE = "55P03"


async def settle_outbox(session: AsyncSession) -> bool:
    """Wait until no transaction that is still running can add an event below the highest id now visible.

    Event ids are handed out in insert order, but transactions commit in any order: a reader could see event
    11, move its cursor past it, and never see event 10 committed a moment later. A SHARE lock on the table
    waits for the transactions writing to it (they hold ROW EXCLUSIVE) and keeps new writers out until this
    transaction ends, so every id up to the highest one visible afterwards is final. Writers are held up for
    the length of one short read at most; if a writer keeps the table longer than a second this gives up and
    returns False, and the caller tries again later.
    """
    try:
        async with session.begin_nested():
            await session.execute(sa.text("SET LOCAL lock_timeout = '1s'"))
            await session.execute(sa.text("LOCK TABLE outbound_events IN SHARE MODE"))
    except DBAPIError as exc:
        if _sqlstate(exc) != LOCK_NOT_AVAILABLE:
            raise
        log.info("outbound events are busy; reading them again shortly")
        return False
    await session.execute(sa.text("SET LOCAL lock_timeout TO DEFAULT"))
    return True


def _sqlstate(exc: DBAPIError) -> str | None:
    orig: Any = exc.orig
    state = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "__cause__", None), "sqlstate", None)
    return state if isinstance(state, str) else None


def event_document(event: OutboundEvent) -> dict[str, Any]:
    """An event as the feed shows it and a webhook delivers it."""
    return {
        "id": event.id,
        "type": event.type,
        # UTC with a Z, as the API writes every time.
        "occurred_at": event.occurred_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
        if event.occurred_at
        else None,
        "director_id": str(event.director_id),
        "record_type": event.record_type,
        "record_id": event.record_id,
        "payload": event.payload,
    }


def event_body(event: OutboundEvent) -> bytes:
    """The exact bytes POSTed (and signed) for one event."""
    return json.dumps(event_document(event), separators=(",", ":"), sort_keys=True, default=str).encode()
