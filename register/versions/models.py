import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class RecordVersion(SQLModel, table=True):
    """A snapshot of one record after one change; the record's ETag is its version number."""

    __tablename__ = "record_versions"
    __table_args__ = (
        sa.UniqueConstraint("record_type", "record_id", "version"),
        sa.Index("ix_record_versions_director_id_changed_at", "director_id", "changed_at"),
        sa.Index("ix_record_versions_record_type_record_id_changed_at", "record_type", "record_id", "changed_at"),
    )

    id: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True))
    record_type: str = Field(sa_column=sa.Column(sa.String(40), nullable=False))
    record_id: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    director_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    version: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    change: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    data: dict[str, Any] = Field(sa_column=sa.Column(JSONB, nullable=False))
    changed_by: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    changed_at: dt.datetime | None = Field(
        default=None,
        sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
