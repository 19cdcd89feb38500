import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class OutboundEvent(SQLModel, table=True):
    """A significant change to a director's record, for the change feed and webhook subscribers."""

    __tablename__ = "outbound_events"
    __table_args__ = (sa.Index("ix_outbound_events_director_id_id", "director_id", "id"),)

    id: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True))
    occurred_at: dt.datetime | None = Field(
        default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
    )
    type: str = Field(sa_column=sa.Column(sa.String(60), nullable=False))
    director_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    ods_code: str | None = Field(default=None, sa_column=sa.Column(sa.String(5), nullable=True))
    record_type: str = Field(sa_column=sa.Column(sa.String(40), nullable=False))
    record_id: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    payload: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(JSONB, nullable=False, server_default=sa.text("'{}'::jsonb"))
    )
