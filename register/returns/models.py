import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from register.base import created_at, uuid_pk


class AnnualReturn(SQLModel, table=True):
    """One submission of an organisation's annual FPPT return; frozen once written (a resubmission is a new row)."""

    __tablename__ = "annual_returns"
    __table_args__ = (sa.UniqueConstraint("ods_code", "year", "version"),)

    id: uuid.UUID | None = Field(default=None, sa_column=uuid_pk())
    ods_code: str = Field(sa_column=sa.Column(sa.String(5), sa.ForeignKey("organisations.ods_code"), nullable=False))
    year: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    version: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    declaration: str = Field(sa_column=sa.Column(sa.String(4000), nullable=False))
    submitted_by: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    submitted_by_director_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("directors.id"), nullable=False)
    )
    submitted_at: dt.datetime | None = Field(default=None, sa_column=created_at())
    # The return as submitted: every board member with their assessment status, outcome and missing items.
    contents: dict[str, Any] = Field(sa_column=sa.Column(JSONB, nullable=False))
    members: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    signed_off: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    fit_and_proper: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    not_fit_and_proper: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    pending_investigation: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
