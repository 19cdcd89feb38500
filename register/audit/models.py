import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class AuditEvent(SQLModel, table=True):
    """One read of personal data or one change, written in the same transaction as the work itself."""

    __tablename__ = "audit_events"
    __table_args__ = (
        sa.Index("ix_audit_events_director_id_occurred_at", "director_id", "occurred_at"),
        sa.Index("ix_audit_events_actor_sub_occurred_at", "actor_sub", "occurred_at"),
    )

    id: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True))
    occurred_at: dt.datetime | None = Field(
        default=None,
        sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    actor_sub: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    actor_role: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    actor_org: str | None = Field(default=None, sa_column=sa.Column(sa.String(5), nullable=True))
    action: str = Field(sa_column=sa.Column(sa.String(60), nullable=False))
    record_type: str | None = Field(default=None, sa_column=sa.Column(sa.String(40), nullable=True))
    record_id: str | None = Field(default=None, sa_column=sa.Column(sa.String(64), nullable=True))
    director_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    purpose: str | None = Field(default=None, sa_column=sa.Column(sa.String(200), nullable=True))
    request_id: str | None = Field(default=None, sa_column=sa.Column(sa.String(64), nullable=True))
    detail: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=sa.Column(JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    )
