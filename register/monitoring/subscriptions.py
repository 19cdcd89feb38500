"""Trusts' webhook subscriptions: created for a public receiver with a shared secret, listed, deactivated, and
their deliveries shown."""

import logging
import secrets
import uuid
from collections.abc import Collection
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.access.monitoring import can_manage_subscriptions, visible_subscriptions
from register.access.principal import Actor
from register.audit.service import record_event
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
from register.monitoring.addresses import check_receiver_url
from register.monitoring.models import DeliveryStatus, Subscription, WebhookDelivery
from register.organisations.models import Organisation
from register.records.pages import Keyset, keyset_page

log = logging.getLogger(__name__)

RECORD_TYPE = "subscription"
SECRET_MIN_LENGTH = 32
MAX_ACTIVE_SUBSCRIPTIONS = 10  # per organisation: enough for live and test receivers, not a fan-out amplifier
DUE_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


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
