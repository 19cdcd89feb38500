import datetime as dt
import uuid

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from register.base import created_at, updated_at, uuid_pk, version_column


class Qualification(SQLModel, table=True):
    """A qualification; the evidence stays in the trust's own file, the register keeps a pointer to it."""

    __tablename__ = "qualifications"

    id: uuid.UUID | None = Field(default=None, sa_column=uuid_pk())
    director_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("directors.id"), nullable=False, index=True)
    )
    title: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    awarding_body: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    level: str | None = Field(default=None, sa_column=sa.Column(sa.String(40)))
    awarded_on: dt.date | None = Field(default=None, sa_column=sa.Column(sa.Date))
    verified: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false()))
    verified_by: str | None = Field(default=None, sa_column=sa.Column(sa.String(200)))
    verified_on: dt.date | None = Field(default=None, sa_column=sa.Column(sa.Date))
    evidence_reference: str | None = Field(default=None, sa_column=sa.Column(sa.String(200)))
    version: int = Field(default=1, sa_column=version_column())
    created_at: dt.datetime | None = Field(default=None, sa_column=created_at())
    updated_at: dt.datetime | None = Field(default=None, sa_column=updated_at())
    withdrawn_at: dt.datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True)))
    withdrawn_reason: str | None = Field(default=None, sa_column=sa.Column(sa.String(500)))
