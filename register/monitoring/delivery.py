"""The worker's two steps: fan each settled event out to the subscriptions that may see it, then deliver it,
signed, until the receiver answers 2xx (at least once: receivers de-duplicate by the event id)."""

import asyncio
import datetime as dt
import logging
import random
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from register.access.monitoring import events_visible_to, subscriber
from register.db import transaction
from register.events.models import OutboundEvent
from register.monitoring.addresses import ReceiverRefused
from register.monitoring.models import DeliveryStatus, Subscription, WebhookDelivery, WorkerCursor
from register.monitoring.outbox import event_body, settle_outbox
from register.monitoring.signing import (
    DELIVERY_ID_HEADER,
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature_header,
)

log = logging.getLogger(__name__)

FAN_OUT_CURSOR = "webhook_fan_out"
DUE_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
# A claimed delivery is hidden from other workers this long; if its worker dies mid-POST it is tried again after.
CLAIM_LEASE = dt.timedelta(minutes=5)
BACKOFF_BASE_SECONDS = 10.0
BACKOFF_CAP_SECONDS = 3600.0
USER_AGENT = "fpp-register-webhooks/1"
_jitter = random.SystemRandom()


def utcnow() -> dt.datetime:
    """The worker's clock (Python's, so that tests can move it)."""
    return dt.datetime.now(dt.UTC)


async def fan_out(session: AsyncSession, batch: int = 100) -> int:
    """Owe the next events to every active subscription whose trust may see them; returns events read.

    Runs in the caller's transaction: the deliveries and the advanced cursor commit together, so a worker that
    stops half-way leaves the cursor where it was and the next run fans the same events out again (the unique
    (subscription, event) key keeps that from delivering twice).
    """
    await session.execute(pg_insert(WorkerCursor).values(name=FAN_OUT_CURSOR, last_event_id=0).on_conflict_do_nothing())
    position = (
        await session.execute(
            sa.select(col(WorkerCursor.last_event_id)).where(col(WorkerCursor.name) == FAN_OUT_CURSOR).with_for_update()
        )
    ).scalar_one()
    if not await settle_outbox(session):
        return 0
    ids = list(
        (
            await session.execute(
                sa.select(col(OutboundEvent.id))
                .where(col(OutboundEvent.id) > position)
                .order_by(col(OutboundEvent.id))
                .limit(batch)
            )
        ).scalars()
    )
    if not ids:
        return 0
    last = ids[-1]
    subscriptions = (
        await session.execute(
            sa.select(col(Subscription.id), col(Subscription.ods_code), col(Subscription.starts_after_event_id)).where(
                col(Subscription.active).is_(True)
            )
        )
    ).all()
    now = utcnow()
    for subscription_id, ods_code, starts_after in subscriptions:
        owed = sa.select(
            sa.literal(subscription_id, sa.Uuid),
            col(OutboundEvent.id),
            sa.literal(now, sa.DateTime(timezone=True)),
        ).where(
            col(OutboundEvent.id) > max(position, starts_after),
            col(OutboundEvent.id) <= last,
            events_visible_to(subscriber(ods_code)),
        )
        await session.execute(
            pg_insert(WebhookDelivery)
            .from_select(["subscription_id", "event_id", "next_attempt_at"], owed)
            .on_conflict_do_nothing(index_elements=["subscription_id", "event_id"])
        )
    await session.execute(
        sa.update(WorkerCursor)
        .where(col(WorkerCursor.name) == FAN_OUT_CURSOR)
        .values(last_event_id=last, updated_at=sa.func.now())
    )
    return len(ids)


@dataclass(frozen=True)
class _Claim:
    delivery_id: uuid.UUID
    attempts: int
    url: str
    secret: str
    event: OutboundEvent


@dataclass(frozen=True)
class _Outcome:
    at: dt.datetime
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next try after ``attempts`` failures: 10 s doubling to 1 h, less up to a quarter (jitter).

    The jitter keeps many deliveries that failed together (a receiver's outage) from all retrying together.
    """
    seconds = min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS)
    return dt.timedelta(seconds=seconds * _jitter.uniform(0.75, 1.0))


async def deliver_due(
    session_factory: async_sessionmaker[AsyncSession],
    http_client: httpx.AsyncClient,
    batch: int = 20,
    *,
    max_attempts: int = 12,
    request_timeout: float = 5.0,
) -> int:
    """Try every due delivery once (up to ``batch``), concurrently; returns how many were tried.

    Claims them with ``FOR UPDATE SKIP LOCKED`` and a lease committed before any POST, so several workers share
    the work without sending an event twice at once and no database connection waits on a receiver; a worker
    that dies mid-POST leaves the lease to expire and the delivery is tried again (at least once).
    """
    now = utcnow()
    async with transaction(session_factory) as session:
        rows = (
            await session.execute(
                sa.select(
                    col(WebhookDelivery.id),
                    col(WebhookDelivery.attempts),
                    col(Subscription.url),
                    col(Subscription.secret),
                    OutboundEvent,
                )
                .join(Subscription, col(Subscription.id) == col(WebhookDelivery.subscription_id))
                .join(OutboundEvent, col(OutboundEvent.id) == col(WebhookDelivery.event_id))
                .where(
                    col(WebhookDelivery.status).in_(DUE_STATUSES),
                    col(WebhookDelivery.next_attempt_at) <= now,
                    col(Subscription.active).is_(True),
                )
                .order_by(col(WebhookDelivery.next_attempt_at))
                .limit(batch)
                .with_for_update(of=WebhookDelivery, skip_locked=True)
            )
        ).all()
        claims = [
            _Claim(d_id, attempts, url, secret, event)
            for d_id, attempts, url, secret, event in rows
            if d_id is not None
        ]
        if not claims:
            return 0
        await session.execute(
            sa.update(WebhookDelivery)
            .where(col(WebhookDelivery.id).in_([c.delivery_id for c in claims]))
            .values(next_attempt_at=now + CLAIM_LEASE)
        )
    outcomes = await asyncio.gather(*(_attempt(http_client, claim, request_timeout) for claim in claims))
    async with transaction(session_factory) as session:
        for claim, outcome in zip(claims, outcomes, strict=True):
            await _record_attempt(session, claim, outcome, max_attempts)
    return len(claims)


async def _attempt(http_client: httpx.AsyncClient, claim: _Claim, request_timeout: float) -> _Outcome:
    """POST one signed event; never raises (every failure is an outcome to record)."""
    body = event_body(claim.event)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_ID_HEADER: str(claim.event.id),
        DELIVERY_ID_HEADER: str(claim.delivery_id),
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature_header(claim.secret, timestamp, body),
    }
    at = utcnow()
    started = time.monotonic()
    status_code: int | None = None
    error: str | None = None
    try:
        async with asyncio.timeout(request_timeout + 1):
            # Streamed and never read: a receiver's answer is its status code, whatever the size of its body.
            async with http_client.stream(
                "POST", claim.url, content=body, headers=headers, timeout=request_timeout, follow_redirects=False
            ) as response:
                status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except ReceiverRefused as exc:
        error = str(exc)  # where the register will not send, and why (the address, never the URL)
    except (TimeoutError, httpx.TimeoutException):
        error = "timed out"
    except httpx.HTTPError as exc:
        # The class name only: messages can quote the URL, which may hold a token of the receiver's.
        error = f"could not deliver ({type(exc).__name__})"
    except Exception as exc:  # a receiver must never stop the worker
        log.warning("webhook delivery %s failed unexpectedly: %s", claim.delivery_id, type(exc).__name__)
        error = f"could not deliver ({type(exc).__name__})"
    return _Outcome(at, status_code, error[:200] if error else None, int((time.monotonic() - started) * 1000))


async def _record_attempt(session: AsyncSession, claim: _Claim, outcome: _Outcome, max_attempts: int) -> None:
    attempts = claim.attempts + 1
    entry = {
        "at": outcome.at.isoformat(),
        "status_code": outcome.status_code,
        "error": outcome.error,
        "duration_ms": outcome.duration_ms,
    }
    values: dict[str, Any] = {
        "attempts": attempts,
        "last_attempt_at": outcome.at,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error,
        "attempt_log": col(WebhookDelivery.attempt_log).op("||")(sa.literal([entry], JSONB)),
    }
    if outcome.delivered:
        values |= {"status": DeliveryStatus.DELIVERED, "delivered_at": outcome.at, "next_attempt_at": outcome.at}
    elif attempts >= max_attempts:
        values |= {"status": DeliveryStatus.DEAD, "next_attempt_at": outcome.at}
        log.warning("webhook delivery %s given up after %d attempts", claim.delivery_id, attempts)
    else:
        values |= {"status": DeliveryStatus.FAILED, "next_attempt_at": outcome.at + backoff(attempts)}
    # A deactivation while the POST was in flight has already settled the delivery (dead): leave it so.
    await session.execute(
        sa.update(WebhookDelivery)
        .where(col(WebhookDelivery.id) == claim.delivery_id, col(WebhookDelivery.status).in_(DUE_STATUSES))
        .values(**values)
    )
