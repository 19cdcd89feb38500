"""Monitoring: the change feed, trusts' webhook subscriptions, and the fan-out and delivery of events to them.

Events are written by ``register.events.service.emit`` in the transaction of the change they report (an
outbox). The feed reads them in id order; the worker fans each one out to the subscriptions that may see it
and delivers it, signed, until the receiver answers 2xx. Delivery is at least once: receivers de-duplicate
by the event id.
"""

import asyncio
import datetime as dt
import json
import logging
import random
import secrets
import time
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from register.access import policy
from register.access.monitoring import can_manage_subscriptions, events_visible_to, subscriber, visible_subscriptions
from register.access.principal import Actor
from register.audit.service import record_event, record_reads
from register.db import transaction
from register.errors import (
    Conflict,
    Forbidden,
    InvalidField,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    RuleViolation,
)
from register.events.models import OutboundEvent
from register.monitoring.addresses import ReceiverRefused, check_receiver_url
from register.monitoring.models import DeliveryStatus, Subscription, WebhookDelivery, WorkerCursor
from register.monitoring.signing import (
    DELIVERY_ID_HEADER,
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature_header,
)
from register.organisations.models import Organisation
from register.records.pages import NOT_OUR_CURSOR, Keyset, decode_cursor, encode_cursor, keyset_page, position

log = logging.getLogger(__name__)

RECORD_TYPE = "subscription"
FAN_OUT_CURSOR = "webhook_fan_out"
FEED_LIMIT_MAX = 500
SECRET_MIN_LENGTH = 32
MAX_ACTIVE_SUBSCRIPTIONS = 10  # per organisation: enough for live and test receivers, not a fan-out amplifier
DUE_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
# A claimed delivery is hidden from other workers this long; if its worker dies mid-POST it is tried again after.
CLAIM_LEASE = dt.timedelta(minutes=5)
BACKOFF_BASE_SECONDS = 10.0
BACKOFF_CAP_SECONDS = 3600.0
LOCK_NOT_AVAILABLE = "55P03"
USER_AGENT = "fpp-register-webhooks/1"

_jitter = random.SystemRandom()


def utcnow() -> dt.datetime:
    """The worker's clock (Python's, so that tests can move it)."""
    return dt.datetime.now(dt.UTC)


# --- The outbox: reading it safely. ---


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


# --- The change feed. ---


@dataclass(frozen=True)
class FeedPage:
    """Events after a position, and where to resume."""

    events: list[OutboundEvent]
    cursor: str  # pass as ``after`` to continue from here, now or later
    more: bool  # the page is full: more events can be read at once


def encode_feed_cursor(position: int) -> str:
    return encode_cursor({"after": position})


def _feed_position(after: str | None) -> int:
    if not after:
        return 0
    try:
        return position(decode_cursor(after, ("after",))["after"])
    except ValueError:
        raise InvalidInput(NOT_OUR_CURSOR) from None


async def list_events(session: AsyncSession, actor: Actor, *, after: str | None, limit: int) -> FeedPage:
    """The events the caller may see after ``after``, oldest first; reading them is audited per director."""
    if not policy.can_see_personal_data(actor.principal):
        raise Forbidden("The change feed holds personal data; administrators do not see it.")
    position = _feed_position(after)
    limit = max(1, min(limit, FEED_LIMIT_MAX))
    if not await settle_outbox(session):
        return FeedPage([], encode_feed_cursor(position), more=False)
    rows = list(
        (
            await session.execute(
                sa.select(OutboundEvent)
                .where(col(OutboundEvent.id) > position, events_visible_to(actor.principal))
                .order_by(col(OutboundEvent.id))
                .limit(limit + 1)
            )
        ).scalars()
    )
    more = len(rows) > limit
    rows = rows[:limit]
    if more:
        resume = rows[-1].id or position
    else:
        # Nothing more the caller may see up to the highest settled id: resume after it, so the next poll
        # does not walk again over other trusts' events.
        highest = (await session.execute(sa.select(sa.func.max(col(OutboundEvent.id))))).scalar_one_or_none()
        resume = max(position, highest or 0)
    await record_reads(session, actor, "event.list", list(dict.fromkeys(r.director_id for r in rows)))
    return FeedPage(rows, encode_feed_cursor(resume), more=more)


# --- Subscriptions. ---


def check_webhook_url(url: str) -> str:
    """A receiver URL must be an absolute http(s) URL; where it may point is checked with the settings
    (``check_receiver_url``, at subscription and at every delivery)."""
    if len(url) > 2000:
        raise ValueError("must be at most 2000 characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError:
        raise ValueError("is not a valid URL") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError("must be an absolute https:// URL")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not carry a user name or password; receivers check the signature instead")
    if parts.fragment:
        raise ValueError("must not have a #fragment")
    return url


def generate_secret() -> str:
    """A new signing secret (256 bits, URL-safe), for callers who do not bring their own."""
    return secrets.token_urlsafe(32)


async def create_subscription(
    session: AsyncSession,
    actor: Actor,
    *,
    url: str,
    secret: str | None,
    description: str | None,
    ods_code: str | None = None,
    private_hosts: Collection[str] = (),
) -> Subscription:
    """Register a trust's webhook; the secret (given, or generated) is returned once, here, and never again."""
    principal = actor.principal
    ods_code = (ods_code or principal.org or "").upper()
    if not can_manage_subscriptions(principal, ods_code):
        raise Forbidden("A trust's HR team subscribes for its own organisation only.")
    try:
        url = check_webhook_url(url)
    except ValueError as exc:
        raise InvalidInput(f"The webhook URL {exc}.") from None
    # Before any lock is taken: this may resolve the receiver's name (a few seconds at most).
    refusal = await check_receiver_url(url, private_hosts)
    if refusal:
        raise InvalidField("url", refusal)
    if secret is None:
        secret = generate_secret()
    elif len(secret) < SECRET_MIN_LENGTH:
        raise InvalidInput(f"The secret must be at least {SECRET_MIN_LENGTH} characters; or leave it out to get one.")
    # Lock the organisation so that two requests cannot both pass the limit below.
    org = await session.get(Organisation, ods_code, with_for_update=True)
    if org is None:
        raise RuleViolation(f"Your organisation {ods_code} is not on the register; ask an administrator to add it.")
    active = list(
        (
            await session.execute(
                sa.select(col(Subscription.url)).where(
                    col(Subscription.ods_code) == ods_code, col(Subscription.active).is_(True)
                )
            )
        ).scalars()
    )
    if url in active:
        raise Conflict("Your organisation already has an active subscription to this URL.")
    if len(active) >= MAX_ACTIVE_SUBSCRIPTIONS:
        raise RuleViolation(
            f"An organisation may have at most {MAX_ACTIVE_SUBSCRIPTIONS} active subscriptions; deactivate one first."
        )
    # Deliveries start after the newest event: a new receiver is not flooded with the past (the feed holds it).
    newest = (await session.execute(sa.select(sa.func.max(col(OutboundEvent.id))))).scalar_one_or_none()
    subscription = Subscription(
        ods_code=ods_code,
        url=url,
        secret=secret,
        description=description,
        starts_after_event_id=newest or 0,
        created_by=principal.sub,
        version=1,
    )
    session.add(subscription)
    await session.flush()
    await session.refresh(subscription)
    await record_event(
        session,
        actor,
        "subscription.create",
        record_type=RECORD_TYPE,
        record_id=str(subscription.id),
        detail={"ods_code": ods_code, "host": urlsplit(url).hostname},
    )
    return subscription


async def list_subscriptions(
    session: AsyncSession, actor: Actor, *, limit: int, cursor: str | None = None
) -> tuple[list[Subscription], str | None]:
    """The caller's organisation's subscriptions, oldest first."""
    query = sa.select(Subscription).where(visible_subscriptions(actor.principal))
    return await keyset_page(session, query, Keyset(col(Subscription.id)), limit=limit, cursor=cursor)


async def get_subscription(
    session: AsyncSession, actor: Actor, subscription_id: uuid.UUID, *, for_update: bool = False
) -> Subscription:
    """One of the caller's organisation's subscriptions; another organisation's is not found."""
    query = sa.select(Subscription).where(
        col(Subscription.id) == subscription_id, visible_subscriptions(actor.principal)
    )
    if for_update:
        query = query.with_for_update()
    found = (await session.execute(query)).scalar_one_or_none()
    if found is None:
        raise NotFound(f"Your organisation has no subscription {subscription_id}.")
    return found


async def deactivate_subscription(
    session: AsyncSession, actor: Actor, subscription_id: uuid.UUID, *, expected_version: int
) -> Subscription:
    """Stop a subscription: nothing more is fanned out to it and deliveries still owed are given up."""
    subscription = await get_subscription(session, actor, subscription_id, for_update=True)
    if subscription.version != expected_version:
        raise PreconditionFailed(
            f"The subscription is at version {subscription.version}, not {expected_version}; read it again.",
            current_version=subscription.version,
        )
    if not subscription.active:
        raise Conflict("The subscription is already deactivated.")
    result = await session.execute(
        sa.update(Subscription)
        .where(col(Subscription.id) == subscription_id, col(Subscription.version) == expected_version)
        .values(
            active=False,
            version=expected_version + 1,
            updated_at=sa.func.now(),
            deactivated_at=sa.func.now(),
            deactivated_by=actor.principal.sub,
        )
        .returning(Subscription)
        .execution_options(populate_existing=True)
    )
    updated = result.scalar_one()
    await session.execute(
        sa.update(WebhookDelivery)
        .where(
            col(WebhookDelivery.subscription_id) == subscription_id,
            col(WebhookDelivery.status).in_(DUE_STATUSES),
        )
        .values(status=DeliveryStatus.DEAD, last_error="subscription deactivated")
    )
    await record_event(
        session,
        actor,
        "subscription.deactivate",
        record_type=RECORD_TYPE,
        record_id=str(subscription_id),
        detail={"ods_code": updated.ods_code},
    )
    return updated


async def list_deliveries(
    session: AsyncSession,
    actor: Actor,
    subscription_id: uuid.UUID,
    *,
    limit: int,
    cursor: str | None = None,
    status: DeliveryStatus | None = None,
) -> tuple[list[WebhookDelivery], str | None]:
    """A subscription's deliveries, newest first, with every attempt's outcome."""
    await get_subscription(session, actor, subscription_id)
    query = sa.select(WebhookDelivery).where(col(WebhookDelivery.subscription_id) == subscription_id)
    if status is not None:
        query = query.where(col(WebhookDelivery.status) == status)
    return await keyset_page(
        session, query, Keyset(col(WebhookDelivery.id), descending=True), limit=limit, cursor=cursor
    )


# --- The worker's two steps: fan-out, then delivery. ---


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
