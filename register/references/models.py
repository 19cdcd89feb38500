import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from register.base import created_at, enum_column, updated_at, uuid_pk, version_column


class RequestStatus(StrEnum):
    """Where a reference request stands. ``expired`` is an open request past its answer-by date."""

    OPEN = "open"
    ANSWERED = "answered"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class ReferenceKind(StrEnum):
    """Why the reference was written: asked for by an appointing trust, or owed when a director leaves."""

    REQUESTED = "requested"
    LEAVER = "leaver"


# The yes/no questions of the Board Member Reference (NHS England FPPT Framework, BMR template).
BMR_QUESTIONS = (
    "upheld_disciplinary_findings",
    "ongoing_disciplinary_processes",
    "grievances_against_them",
    "whistleblowing_concerns_about_conduct",
    "serious_misconduct_or_mismanagement",
    "schedule_4_matters",
    "settlement_agreements",
)


class ReferenceRequest(SQLModel, table=True):
    """A trust's request to a previous employer for a BMR about one board appointment."""

    __tablename__ = "reference_requests"
    __table_args__ = (
        sa.Index("ix_reference_requests_providing_org_status", "providing_org", "status"),
        sa.Index("ix_reference_requests_requesting_org_status", "requesting_org", "status"),
        # One open request per appointment per asking trust.
        sa.Index(
            "uq_reference_requests_open",
            "requesting_org",
            "employment_id",
            unique=True,
            postgresql_where=sa.text("status = 'open'"),
        ),
    )

    id: uuid.UUID | None = Field(default=None, sa_column=uuid_pk())
    director_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("directors.id"), nullable=False))
    employment_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("employment_records.id"), nullable=False)
    )
    requesting_org: str = Field(
        sa_column=sa.Column(sa.String(5), sa.ForeignKey("organisations.ods_code"), nullable=False)
    )
    providing_org: str = Field(
        sa_column=sa.Column(sa.String(5), sa.ForeignKey("organisations.ods_code"), nullable=False)
    )
    candidate_check_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("candidate_checks.id"), nullable=True)
    )
    status: RequestStatus = Field(sa_column=enum_column(RequestStatus, "request_status"))
    note: str | None = Field(default=None, sa_column=sa.Column(sa.String(1000)))
    requested_by: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    answer_by: dt.date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    closed_reason: str | None = Field(default=None, sa_column=sa.Column(sa.String(1000)))
    reference_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    version: int = Field(default=1, sa_column=version_column())
    created_at: dt.datetime | None = Field(default=None, sa_column=created_at())
    updated_at: dt.datetime | None = Field(default=None, sa_column=updated_at())


class BoardMemberReference(SQLModel, table=True):
    """A signed BMR. Signed content is never edited in place: a correction is a new version with a reason."""

    __tablename__ = "board_member_references"
    __table_args__ = (sa.Index("ix_board_member_references_employment_id", "employment_id"),)

    id: uuid.UUID | None = Field(default=None, sa_column=uuid_pk())
    director_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("directors.id"), nullable=False, index=True)
    )
    employment_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("employment_records.id"), nullable=False)
    )
    providing_org: str = Field(
        sa_column=sa.Column(sa.String(5), sa.ForeignKey("organisations.ods_code"), nullable=False)
    )
    kind: ReferenceKind = Field(sa_column=enum_column(ReferenceKind, "reference_kind"))
    request_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    role_title: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    start_date: dt.date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    end_date: dt.date | None = Field(default=None, sa_column=sa.Column(sa.Date))
    # {question: {"answer": bool, "detail": str | None}} for every question in BMR_QUESTIONS
    answers: dict[str, Any] = Field(sa_column=sa.Column(JSONB, nullable=False))
    # {lcf_domain: {"rating": LcfRating, "comment": str | None}} for the six LCF domains
    competence: dict[str, Any] = Field(sa_column=sa.Column(JSONB, nullable=False))
    signatory_name: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    signatory_role: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    signed_on: dt.date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    correction_reason: str | None = Field(default=None, sa_column=sa.Column(sa.String(1000)))
    version: int = Field(default=1, sa_column=version_column())
    created_at: dt.datetime | None = Field(default=None, sa_column=created_at())
    updated_at: dt.datetime | None = Field(default=None, sa_column=updated_at())
    withdrawn_at: dt.datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True)))
    withdrawn_reason: str | None = Field(default=None, sa_column=sa.Column(sa.String(500)))
