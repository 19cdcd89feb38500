"""Monitoring: a trust's webhook subscriptions, their deliveries, and the fan-out worker's position."""

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from register.base import created_at, enum_column, jsonb_list, updated_at, uuid_pk, version_column


class DeliveryStatus(StrEnum):
    """Where one event's delivery to one subscription stands."""

    PENDING = "pending"  # not tried yet
    DELIVERED = "delivered"  # the receiver answered 2xx
    FAILED = "failed"  # the last try failed; another is scheduled at next_attempt_at
    DEAD = "dead"  # given up: too many failures, or the subscription was deactivated


class Subscription(SQLModel, table=True):
    """A trust's webhook: where to POST the events about its directors, and the secret to sign them with."""

    __tablename__ = "subscriptions"

    id: uuid.UUID | None = Field(default=None, sa_column=uuid_pk())
    ods_code: str = Field(
        sa_column=sa.Column(sa.String(5), sa.ForeignKey("organisations.ods_code"), nullable=False, index=True)
    )
    url: str = Field(sa_column=sa.Column(sa.String(2000), nullable=False))
    # Kept as given: the worker needs it to sign every delivery (HMAC), so it cannot be hashed. It is shown
    # once, in the response that creates the subscription, and never again.
    secret: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    description: str | None = Field(default=None, sa_column=sa.Column(sa.String(200), nullable=True))
    active: bool = Field(default=True, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.true()))
    # Events after this id are delivered: the newest event when the subscription was made (the feed has the past).
    starts_after_event_id: int = Field(
        default=0, sa_column=sa.Column(sa.BigInteger, nullable=False, server_default=sa.text("0"))
    )
    created_by: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    version: int = Field(default=1, sa_column=version_column())
    created_at: dt.datetime | None = Field(default=None, sa_column=created_at())
    updated_at: dt.datetime | None = Field(default=None, sa_column=updated_at())
    deactivated_at: dt.datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True)))
    deactivated_by: str | None = Field(default=None, sa_column=sa.Column(sa.String(200)))


class WebhookDelivery(SQLModel, table=True):
    """One event owed to one subscription, and every attempt made to deliver it."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("subscription_id", "event_id"),
        # The worker's claim query: due deliveries in time order, ignoring finished ones.
        sa.Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=sa.text("status IN ('pending', 'failed')"),
        ),
        sa.Index("ix_webhook_deliveries_event_id", "event_id"),
    )

    id: uuid.UUID | None = Field(default=None, sa_column=uuid_pk())
    subscription_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("subscriptions.id"), nullable=False))
    event_id: int = Field(sa_column=sa.Column(sa.BigInteger, sa.ForeignKey("outbound_events.id"), nullable=False))
    status: DeliveryStatus = Field(
        default=DeliveryStatus.PENDING,
        sa_column=enum_column(DeliveryStatus, "delivery_status", server_default="pending"),
    )
    attempts: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False, server_default=sa.text("0")))
    next_attempt_at: dt.datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    last_attempt_at: dt.datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True)))
    last_status_code: int | None = Field(default=None, sa_column=sa.Column(sa.Integer))
    last_error: str | None = Field(default=None, sa_column=sa.Column(sa.String(200)))
    delivered_at: dt.datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True)))
    # Every attempt's outcome, oldest first: [{"at", "status_code", "error", "duration_ms"}].
    attempt_log: list[dict[str, Any]] = Field(default_factory=list, sa_column=jsonb_list())
    created_at: dt.datetime | None = Field(default=None, sa_column=created_at())


class WorkerCursor(SQLModel, table=True):
    """How far a background worker has read the outbound event log (the fan-out's position)."""

    __tablename__ = "worker_cursors"

    name: str = Field(sa_column=sa.Column(sa.String(60), primary_key=True))
    last_event_id: int = Field(
        default=0, sa_column=sa.Column(sa.BigInteger, nullable=False, server_default=sa.text("0"))
    )
    updated_at: dt.datetime | None = Field(default=None, sa_column=updated_at())
