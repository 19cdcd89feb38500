import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from register.base import created_at, enum_column, jsonb_list, updated_at, uuid_pk, version_column


class AssessmentKind(StrEnum):
    """Why the assessment is made."""

    APPOINTMENT = "appointment"
    ANNUAL = "annual"
    TRIGGERED = "triggered"


class AssessmentStatus(StrEnum):
    """draft → awaiting_sign_off → signed_off (awaiting_sign_off may go back to draft)."""

    DRAFT = "draft"
    AWAITING_SIGN_OFF = "awaiting_sign_off"
    SIGNED_OFF = "signed_off"


class AssessmentOutcome(StrEnum):
    """The chair's conclusion at sign-off."""

    FIT_AND_PROPER = "fit_and_proper"
    NOT_FIT_AND_PROPER = "not_fit_and_proper"
    PENDING_INVESTIGATION = "pending_investigation"


class SignerOffice(StrEnum):
    """The board office a sign-off was made in."""

    CHAIR = "chair"
    SENIOR_INDEPENDENT_DIRECTOR = "senior_independent_director"


class Assessment(SQLModel, table=True):
    """An FPPT assessment of one director by one organisation. Immutable once signed off."""

    __tablename__ = "fppt_assessments"
    __table_args__ = (
        sa.CheckConstraint(
            "(status = 'signed_off') = (outcome IS NOT NULL AND signed_off_at IS NOT NULL)",
            name="outcome_at_sign_off",
        ),
        sa.CheckConstraint(
            "outcome IS DISTINCT FROM 'not_fit_and_proper' OR outcome_reason IS NOT NULL",
            name="reason_when_not_fit",
        ),
        sa.CheckConstraint("corrects_id IS NULL OR kind = 'triggered'", name="corrections_are_triggered"),
        # Nobody signs off their own assessment (FPPT framework; DESIGN.md §4).
        sa.CheckConstraint(
            "signed_off_by_director_id IS NULL OR signed_off_by_director_id <> director_id",
            name="nobody_signs_own",
        ),
        sa.Index("ix_fppt_assessments_director_id_year", "director_id", "year"),
        sa.Index("ix_fppt_assessments_ods_code_year", "ods_code", "year"),
        sa.Index(
            "uq_fppt_assessments_annual",
            "director_id",
            "ods_code",
            "year",
            unique=True,
            postgresql_where=sa.text("kind = 'annual'"),
        ),
    )

    id: uuid.UUID | None = Field(default=None, sa_column=uuid_pk())
    director_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("directors.id"), nullable=False))
    ods_code: str = Field(sa_column=sa.Column(sa.String(5), sa.ForeignKey("organisations.ods_code"), nullable=False))
    kind: AssessmentKind = Field(sa_column=enum_column(AssessmentKind, "assessment_kind"))
    status: AssessmentStatus = Field(
        default=AssessmentStatus.DRAFT,
        sa_column=enum_column(AssessmentStatus, "assessment_status", server_default="draft"),
    )
    # The FPPT year the assessment covers (the annual return of that year reports it).
    year: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    trigger_reason: str | None = Field(default=None, sa_column=sa.Column(sa.String(2000), nullable=True))
    summary: str | None = Field(default=None, sa_column=sa.Column(sa.String(4000), nullable=True))
    mitigations: str | None = Field(default=None, sa_column=sa.Column(sa.String(4000), nullable=True))
    corrects_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("fppt_assessments.id"), nullable=True)
    )
    # The checks the conclusion rests on, fixed when it is submitted and again at sign-off.
    relied_on_check_ids: list[Any] = Field(default_factory=list, sa_column=jsonb_list())
    outcome: AssessmentOutcome | None = Field(
        default=None, sa_column=enum_column(AssessmentOutcome, "assessment_outcome", nullable=True)
    )
    outcome_reason: str | None = Field(default=None, sa_column=sa.Column(sa.String(4000), nullable=True))
    prepared_by: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    submitted_at: dt.datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True)))
    submitted_by: str | None = Field(default=None, sa_column=sa.Column(sa.String(200), nullable=True))
    signed_off_at: dt.datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True)))
    signed_off_by: str | None = Field(default=None, sa_column=sa.Column(sa.String(200), nullable=True))
    signed_off_by_director_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("directors.id"), nullable=True)
    )
    signed_off_as: SignerOffice | None = Field(
        default=None, sa_column=enum_column(SignerOffice, "signer_office", nullable=True)
    )
    version: int = Field(default=1, sa_column=version_column())
    created_at: dt.datetime | None = Field(default=None, sa_column=created_at())
    updated_at: dt.datetime | None = Field(default=None, sa_column=updated_at())
