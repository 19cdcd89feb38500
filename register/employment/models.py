import datetime as dt
import uuid
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from register.base import created_at, enum_column, updated_at, uuid_pk, version_column


class EmploymentKind(StrEnum):
    """`role` for any job, NHS or not; `board_appointment` for a seat on an NHS board."""

    ROLE = "role"
    BOARD_APPOINTMENT = "board_appointment"


class BoardRole(StrEnum):
    """Seats on an NHS board."""

    CHAIR = "chair"
    CHIEF_EXECUTIVE = "chief_executive"
    EXECUTIVE_DIRECTOR = "executive_director"
    NON_VOTING_EXECUTIVE = "non_voting_executive"
    NON_EXECUTIVE_DIRECTOR = "non_executive_director"
    ASSOCIATE_NED = "associate_non_executive_director"


class AppointmentType(StrEnum):
    """How a board seat is held."""

    PERMANENT = "permanent"
    INTERIM = "interim"
    JOINT = "joint"
    SHARED = "shared"
    COVER = "cover"


class EmploymentRecord(SQLModel, table=True):
    """One role in a director's history; board appointments carry the board fields."""

    __tablename__ = "employment_records"
    __table_args__ = (
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="end_not_before_start"),
        sa.CheckConstraint(
            "(kind = 'board_appointment') = (board_role IS NOT NULL AND appointment_type IS NOT NULL)",
            name="board_fields_on_board_appointments",
        ),
        sa.Index("ix_employment_records_ods_code_end_date", "ods_code", "end_date"),
    )

    id: uuid.UUID | None = Field(default=None, sa_column=uuid_pk())
    director_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("directors.id"), nullable=False, index=True)
    )
    kind: EmploymentKind = Field(sa_column=enum_column(EmploymentKind, "employment_kind"))
    employer_name: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    ods_code: str | None = Field(
        default=None,
        sa_column=sa.Column(sa.String(5), sa.ForeignKey("organisations.ods_code"), nullable=True),
    )
    role_title: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    start_date: dt.date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    end_date: dt.date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    reason_for_leaving: str | None = Field(default=None, sa_column=sa.Column(sa.String(500)))
    board_role: BoardRole | None = Field(default=None, sa_column=enum_column(BoardRole, "board_role", nullable=True))
    portfolio: str | None = Field(default=None, sa_column=sa.Column(sa.String(100)))
    appointment_type: AppointmentType | None = Field(
        default=None, sa_column=enum_column(AppointmentType, "appointment_type", nullable=True)
    )
    senior_independent_director: bool = Field(
        default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false())
    )
    deputy_chair: bool = Field(
        default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false())
    )
    voting: bool = Field(default=True, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.true()))
    version: int = Field(default=1, sa_column=version_column())
    created_at: dt.datetime | None = Field(default=None, sa_column=created_at())
    updated_at: dt.datetime | None = Field(default=None, sa_column=updated_at())
    withdrawn_at: dt.datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True)))
    withdrawn_reason: str | None = Field(default=None, sa_column=sa.Column(sa.String(500)))


class GapExplanation(SQLModel, table=True):
    """Why a director was not in employment for a period (FPPT: every gap in six years explained)."""

    __tablename__ = "employment_gap_explanations"
    __table_args__ = (sa.CheckConstraint("end_date >= start_date", name="end_not_before_start"),)

    id: uuid.UUID | None = Field(default=None, sa_column=uuid_pk())
    director_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("directors.id"), nullable=False, index=True)
    )
    start_date: dt.date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    end_date: dt.date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    reason: str = Field(sa_column=sa.Column(sa.String(1000), nullable=False))
    version: int = Field(default=1, sa_column=version_column())
    created_at: dt.datetime | None = Field(default=None, sa_column=created_at())
    updated_at: dt.datetime | None = Field(default=None, sa_column=updated_at())
    withdrawn_at: dt.datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True)))
    withdrawn_reason: str | None = Field(default=None, sa_column=sa.Column(sa.String(500)))
