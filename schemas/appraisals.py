"""LCF appraisals (competency appraisal records): a rating for each of the six domains, objectives and multi-source
feedback. Not the FPPT `appraisal` check, which only confirms that the appraisal took place."""

import datetime as dt
import uuid
from typing import Any, Self

from pydantic import Field, model_validator

from register.appraisals.models import LcfDomain, LcfRating
from register.appraisals.service import RATING_COLUMNS
from schemas.common import Request, Response, StatementRead


class LcfRatings(Request):
    """A rating on the four-point scale (not_met, partially_met, met, exceeded) for each LCF domain.

    (1) high_quality_outcomes: driving high quality and sustainable outcomes; (2) strategy_and_transformation:
    setting strategy and delivering long-term transformation; (3) equality_and_inclusion: promoting equality and
    inclusion, and reducing health and workforce inequalities; (4) governance_and_assurance: providing robust
    governance and assurance; (5) compassionate_culture: creating a compassionate, just and positive culture;
    (6) partners_and_communities: building a trusted relationship with partners and communities.
    """

    high_quality_outcomes: LcfRating
    strategy_and_transformation: LcfRating
    equality_and_inclusion: LcfRating
    governance_and_assurance: LcfRating
    compassionate_culture: LcfRating
    partners_and_communities: LcfRating


class Objective(Request):
    """An objective for the coming year."""

    description: str = Field(min_length=3, max_length=1000)
    domain: LcfDomain | None = None  # the LCF domain it develops, if one
    equality_diversity_inclusion: bool = Field(
        default=False, description="An equality, diversity and inclusion objective (at least one is required)."
    )


class AppraisalCreate(Request):
    """A board member's LCF appraisal (competency appraisal record) for a year; the FPPT `appraisal` check is
    recorded apart, at /v1/directors/{id}/checks."""

    year: int = Field(ge=2023, le=2100, description="The appraisal year.")
    appraiser_name: str = Field(min_length=1, max_length=200, description="Who appraised (e.g. the chair).")
    appraiser_role: str | None = Field(default=None, min_length=1, max_length=200, description="E.g. chair.")
    ratings: LcfRatings
    objectives: list[Objective] = Field(min_length=1, max_length=20)
    multi_source_feedback: bool = Field(description="Multi-source (360°) feedback informed the appraisal.")
    submitted_to_nhse_on: dt.date | None = Field(
        default=None, description="When it was sent to NHS England, where that applies (e.g. a chair's appraisal)."
    )

    def to_fields(self) -> dict[str, Any]:
        data = self.model_dump(mode="python", exclude={"ratings", "objectives"})
        data.update(_flatten_ratings(self.ratings))
        data["objectives"] = [o.model_dump(mode="json") for o in self.objectives]
        return data


class AppraisalUpdate(Request):
    """Corrections to an LCF appraisal (competency appraisal record); send only what changes."""

    appraiser_name: str | None = Field(default=None, min_length=1, max_length=200)
    appraiser_role: str | None = Field(default=None, min_length=1, max_length=200)
    ratings: LcfRatings | None = None
    objectives: list[Objective] | None = Field(default=None, min_length=1, max_length=20)
    multi_source_feedback: bool | None = None
    submitted_to_nhse_on: dt.date | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        for name in self.model_fields_set - {"appraiser_role", "submitted_to_nhse_on"}:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be cleared")
        return self

    def changes(self) -> dict[str, Any]:
        data = self.model_dump(mode="python", exclude_unset=True, exclude={"ratings", "objectives"})
        if self.ratings is not None:
            data.update(_flatten_ratings(self.ratings))
        if self.objectives is not None:
            data["objectives"] = [o.model_dump(mode="json") for o in self.objectives]
        return data


def _flatten_ratings(ratings: LcfRatings) -> dict[str, LcfRating]:
    return {RATING_COLUMNS[LcfDomain(name)]: getattr(ratings, name) for name in LcfRatings.model_fields}


class ObjectiveRead(Response):
    description: str
    domain: LcfDomain | None = None
    equality_diversity_inclusion: bool


class RatingsRead(Response):
    """The six LCF domain ratings."""

    high_quality_outcomes: LcfRating
    strategy_and_transformation: LcfRating
    equality_and_inclusion: LcfRating
    governance_and_assurance: LcfRating
    compassionate_culture: LcfRating
    partners_and_communities: LcfRating


class AppraisalRead(Response):
    """An LCF appraisal (competency appraisal record)."""

    id: uuid.UUID
    director_id: uuid.UUID
    ods_code: str
    year: int
    appraiser_name: str
    appraiser_role: str | None
    ratings: RatingsRead
    objectives: list[ObjectiveRead]
    multi_source_feedback: bool
    submitted_to_nhse_on: dt.date | None
    recorded_by: str
    version: int = Field(description="Current version; also the ETag.")
    created_at: dt.datetime
    updated_at: dt.datetime
    statements: list[StatementRead] = Field(
        default_factory=list, description="The director's statements in reply to this appraisal."
    )

    @classmethod
    def from_appraisal(cls, data: Any) -> "AppraisalRead":
        values = data if isinstance(data, dict) else {c: getattr(data, c) for c in type(data).model_fields}
        ratings = {d.value: values[column] for d, column in RATING_COLUMNS.items()}
        return cls.model_validate({**values, "ratings": ratings})
