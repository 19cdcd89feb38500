import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from register.base import created_at, enum_column, jsonb_list, updated_at, uuid_pk, version_column


class LcfDomain(StrEnum):
    """The six domains of NHS England's Leadership Competency Framework (February 2024)."""

    HIGH_QUALITY_OUTCOMES = "high_quality_outcomes"  # (1) driving high quality and sustainable outcomes
    STRATEGY_AND_TRANSFORMATION = "strategy_and_transformation"  # (2) strategy and long-term transformation
    EQUALITY_AND_INCLUSION = "equality_and_inclusion"  # (3) equality, inclusion, health/workforce inequalities
    GOVERNANCE_AND_ASSURANCE = "governance_and_assurance"  # (4) robust governance and assurance
    COMPASSIONATE_CULTURE = "compassionate_culture"  # (5) a compassionate, just and positive culture
    PARTNERS_AND_COMMUNITIES = "partners_and_communities"  # (6) trusted relationships with partners, communities


class LcfRating(StrEnum):
    """The four-point scale an appraisal rates each domain on, lowest first."""

    NOT_MET = "not_met"
    PARTIALLY_MET = "partially_met"
    MET = "met"
    EXCEEDED = "exceeded"


def _rating(domain: LcfDomain) -> Any:
    return Field(sa_column=enum_column(LcfRating, f"rating_{domain.value}"))


class Appraisal(SQLModel, table=True):
    """One year's LCF appraisal of a board member at one organisation."""

    __tablename__ = "lcf_appraisals"
    __table_args__ = (
        sa.UniqueConstraint("director_id", "ods_code", "year"),
        sa.CheckConstraint("jsonb_array_length(objectives) >= 1", name="has_objectives"),
    )

    id: uuid.UUID | None = Field(default=None, sa_column=uuid_pk())
    director_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("directors.id"), nullable=False))
    ods_code: str = Field(sa_column=sa.Column(sa.String(5), sa.ForeignKey("organisations.ods_code"), nullable=False))
    year: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    appraiser_name: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    appraiser_role: str | None = Field(default=None, sa_column=sa.Column(sa.String(200), nullable=True))
    rating_high_quality_outcomes: LcfRating = _rating(LcfDomain.HIGH_QUALITY_OUTCOMES)
    rating_strategy_and_transformation: LcfRating = _rating(LcfDomain.STRATEGY_AND_TRANSFORMATION)
    rating_equality_and_inclusion: LcfRating = _rating(LcfDomain.EQUALITY_AND_INCLUSION)
    rating_governance_and_assurance: LcfRating = _rating(LcfDomain.GOVERNANCE_AND_ASSURANCE)
    rating_compassionate_culture: LcfRating = _rating(LcfDomain.COMPASSIONATE_CULTURE)
    rating_partners_and_communities: LcfRating = _rating(LcfDomain.PARTNERS_AND_COMMUNITIES)
    # [{"description": str, "domain": LcfDomain | None, "equality_diversity_inclusion": bool}]
    objectives: list[Any] = Field(default_factory=list, sa_column=jsonb_list())
    multi_source_feedback: bool = Field(sa_column=sa.Column(sa.Boolean, nullable=False))
    submitted_to_nhse_on: dt.date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    recorded_by: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    version: int = Field(default=1, sa_column=version_column())
    created_at: dt.datetime | None = Field(default=None, sa_column=created_at())
    updated_at: dt.datetime | None = Field(default=None, sa_column=updated_at())
