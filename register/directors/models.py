import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from register.base import created_at, enum_column, jsonb_list, updated_at, uuid_pk, version_column
from register.identifiers import RegistrationBody


class RegistrationStatus(StrEnum):
    """Standing on a professional register."""

    REGISTERED = "registered"
    WITH_CONDITIONS = "with_conditions"
    SUSPENDED = "suspended"
    ERASED = "erased"
    LAPSED = "lapsed"


class Director(SQLModel, table=True):
    """A person who is, was or may become an NHS board member."""

    __tablename__ = "directors"

    id: uuid.UUID | None = Field(default=None, sa_column=uuid_pk())
    given_name: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))
    family_name: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))
    # Former names as [{"given_name": ..., "family_name": ...}]: FPPT identity checks look for them too.
    former_names: list[dict[str, Any]] = Field(default_factory=list, sa_column=jsonb_list())
    date_of_birth: dt.date = Field(sa_column=sa.Column(sa.Date, nullable=False, index=True))
    synthetic: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false()))
    version: int = Field(default=1, sa_column=version_column())
    created_at: dt.datetime | None = Field(default=None, sa_column=created_at())
    updated_at: dt.datetime | None = Field(default=None, sa_column=updated_at())


class ProfessionalRegistration(SQLModel, table=True):
    """A director's entry on a professional register (GMC, NMC, HCPC, ...)."""

    __tablename__ = "professional_registrations"
    __table_args__ = (
        # A registration number belongs to one person; withdrawn (recorded in error) entries do not count.
        sa.Index(
            "uq_professional_registrations_body_number",
            "body",
            "number",
            unique=True,
            postgresql_where=sa.text("withdrawn_at IS NULL"),
        ),
    )

    id: uuid.UUID | None = Field(default=None, sa_column=uuid_pk())
    director_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("directors.id"), nullable=False, index=True)
    )
    body: RegistrationBody = Field(sa_column=enum_column(RegistrationBody, "registration_body"))
    number: str = Field(sa_column=sa.Column(sa.String(30), nullable=False))
    status: RegistrationStatus = Field(
        default=RegistrationStatus.REGISTERED,
        sa_column=enum_column(RegistrationStatus, "registration_status", server_default="registered"),
    )
    verified: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false()))
    verified_by: str | None = Field(default=None, sa_column=sa.Column(sa.String(200), nullable=True))
    verified_on: dt.date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    version: int = Field(default=1, sa_column=version_column())
    created_at: dt.datetime | None = Field(default=None, sa_column=created_at())
    updated_at: dt.datetime | None = Field(default=None, sa_column=updated_at())
    withdrawn_at: dt.datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True)))
    withdrawn_reason: str | None = Field(default=None, sa_column=sa.Column(sa.String(500)))
