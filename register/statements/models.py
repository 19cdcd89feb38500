import datetime as dt
import uuid

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from register.base import created_at, updated_at, uuid_pk, version_column


class Statement(SQLModel, table=True):
    """A director's statement; only the director writes or changes it."""

    __tablename__ = "statements"
    __table_args__ = (
        sa.CheckConstraint(
            "(about_record_type IS NULL) = (about_record_id IS NULL)", name="about_type_and_id_together"
        ),
        sa.Index("ix_statements_director_id_about", "director_id", "about_record_type", "about_record_id"),
    )

    id: uuid.UUID | None = Field(default=None, sa_column=uuid_pk())
    director_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("directors.id"), nullable=False))
    about_record_type: str | None = Field(default=None, sa_column=sa.Column(sa.String(40)))
    about_record_id: str | None = Field(default=None, sa_column=sa.Column(sa.String(64)))
    text: str = Field(sa_column=sa.Column(sa.String(5000), nullable=False))
    version: int = Field(default=1, sa_column=version_column())
    created_at: dt.datetime | None = Field(default=None, sa_column=created_at())
    updated_at: dt.datetime | None = Field(default=None, sa_column=updated_at())
    withdrawn_at: dt.datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True)))
    withdrawn_reason: str | None = Field(default=None, sa_column=sa.Column(sa.String(500)))
