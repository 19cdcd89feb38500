"""Webhook subscriptions: a trust is told of changes to its directors' records."""

import datetime as dt
import uuid
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from register.monitoring.models import DeliveryStatus
from register.monitoring.subscriptions import SECRET_MIN_LENGTH, check_webhook_url
from schemas.common import Request, Response
from schemas.organisations import ODS_CODE_SCHEMA, OdsCode

WebhookUrl = Annotated[
    str,
    Field(
        min_length=10,
        max_length=2000,
        description=(
            "Where events are POSTed: a public https receiver. Loopback, private, link-local, unique-local and "
            "metadata addresses are refused (in any spelling, and names resolving to them), here and again at "
            "every delivery; redirects are not followed."
        ),
        examples=["https://hr.example.nhs.uk/register-events"],
    ),
    AfterValidator(check_webhook_url),
]


class SubscriptionCreate(Request):
    """A new webhook subscription for your organisation."""

    url: WebhookUrl
    secret: str | None = Field(
        default=None,
        min_length=SECRET_MIN_LENGTH,
        max_length=200,
        description=(
            f"Shared secret for the HMAC-SHA256 signature, at least {SECRET_MIN_LENGTH} characters. "
            "Leave it out and the register generates one. Either way it is shown once, in this response."
        ),
    )
    description: str | None = Field(default=None, max_length=200, description="What the receiver is, for your records.")
    ods_code: OdsCode | None = Field(
        default=None,
        json_schema_extra=ODS_CODE_SCHEMA,
        description="Your organisation's ODS code; defaults to the one in your token (no other is accepted).",
    )


class SubscriptionRead(Response):
    """A webhook subscription (its secret is never shown after creation)."""

    id: uuid.UUID
    ods_code: str = Field(description="The subscribing organisation.")
    url: str = Field(description="Where events are POSTed.")
    description: str | None = None
    active: bool = Field(description="False once deactivated: nothing more is delivered.")
    starts_after_event_id: int = Field(
        description="Events with a higher id are delivered; read earlier ones from the feed (`/v1/events`)."
    )
    created_by: str = Field(description="Who created it.")
    version: int = Field(description="Current version; also the ETag.")
    created_at: dt.datetime
    updated_at: dt.datetime
    deactivated_at: dt.datetime | None = None
    deactivated_by: str | None = None


class SubscriptionCreated(SubscriptionRead):
    """The new subscription with its secret: store the secret now, it is never shown again."""

    secret: str = Field(description="The signing secret. Shown only in this response.")


class DeliveryAttempt(Response):
    """The outcome of one try."""

    at: dt.datetime = Field(description="When the try was made.")
    status_code: int | None = Field(default=None, description="Your endpoint's HTTP status, if it answered.")
    error: str | None = Field(default=None, description="Why the try failed, if it did.")
    duration_ms: int = Field(description="How long the try took.")


class DeliveryRead(Response):
    """One event owed to a subscription, and how its delivery went."""

    id: uuid.UUID
    subscription_id: uuid.UUID
    event_id: int = Field(description="The event delivered (its `id` in the body and X-Register-Event-Id).")
    status: DeliveryStatus = Field(description="pending, delivered, failed (will be retried) or dead (given up).")
    attempts: int = Field(description="Tries so far.")
    next_attempt_at: dt.datetime | None = Field(description="When the next try is due (pending or failed).")
    last_attempt_at: dt.datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    delivered_at: dt.datetime | None = None
    created_at: dt.datetime
    attempt_log: list[DeliveryAttempt] = Field(description="Every try, oldest first.")

    @classmethod
    def from_delivery(cls, delivery: Any) -> "DeliveryRead":
        """Hide the next-try time of a delivery that is finished."""
        read = cls.model_validate(delivery)
        if read.status in (DeliveryStatus.DELIVERED, DeliveryStatus.DEAD):
            read.next_attempt_at = None
        return read
