"""FPPT assessments and their sign-off."""

import datetime as dt
import uuid
from typing import Any, Self

from pydantic import Field, model_validator

from register.assessments.models import AssessmentKind, AssessmentOutcome, AssessmentStatus, SignerOffice
from register.assessments.service import AssessmentView
from schemas.checks import CheckGapRead
from schemas.common import Request, Response, StatementRead


class AssessmentCreate(Request):
    """A new draft assessment, prepared by the trust's HR team."""

    kind: AssessmentKind
    year: int | None = Field(
        default=None,
        ge=2023,
        le=2100,
        description="FPPT year it covers; defaults to this year (a correction's "
        "is that of the assessment it corrects).",
    )
    trigger_reason: str | None = Field(
        default=None, min_length=3, max_length=2000, description="What prompted a triggered assessment."
    )
    summary: str | None = Field(default=None, min_length=1, max_length=4000, description="The assessment's findings.")
    mitigations: str | None = Field(
        default=None, min_length=1, max_length=4000, description="Mitigations the conclusion relies on."
    )
    corrects_id: uuid.UUID | None = Field(
        default=None, description="For a correction: the signed-off assessment it corrects (kind triggered)."
    )


class AssessmentUpdate(Request):
    """Changes to a draft; send only what changes."""

    trigger_reason: str | None = Field(default=None, min_length=3, max_length=2000)
    summary: str | None = Field(default=None, min_length=1, max_length=4000)
    mitigations: str | None = Field(default=None, min_length=1, max_length=4000)

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class SignOff(Request):
    """The signer's conclusion."""

    outcome: AssessmentOutcome
    outcome_reason: str | None = Field(
        default=None, min_length=3, max_length=4000, description="Why; required for not_fit_and_proper."
    )

    @model_validator(mode="after")
    def _reason_when_not_fit(self) -> Self:
        if self.outcome is AssessmentOutcome.NOT_FIT_AND_PROPER and not self.outcome_reason:
            raise ValueError("a not_fit_and_proper outcome needs outcome_reason")
        return self


class AssessmentRead(Response):
    """An FPPT assessment."""

    id: uuid.UUID
    director_id: uuid.UUID
    ods_code: str = Field(description="The organisation making the assessment.")
    kind: AssessmentKind
    status: AssessmentStatus
    year: int
    trigger_reason: str | None
    summary: str | None
    mitigations: str | None
    corrects_id: uuid.UUID | None = Field(description="The signed-off assessment this one corrects.")
    corrected_by_ids: list[uuid.UUID] = Field(default_factory=list, description="Corrections of this assessment.")
    relied_on_check_ids: list[uuid.UUID] = Field(description="The checks the conclusion relies on.")
    blocking_checks: list[CheckGapRead] | None = Field(
        default=None, description="Until signed off: the checks that would stop a sign-off today."
    )
    outcome: AssessmentOutcome | None
    outcome_reason: str | None
    prepared_by: str
    submitted_at: dt.datetime | None
    submitted_by: str | None
    signed_off_at: dt.datetime | None
    signed_off_by: str | None
    signed_off_by_director_id: uuid.UUID | None
    signed_off_as: SignerOffice | None
    version: int = Field(description="Current version; also the ETag.")
    created_at: dt.datetime
    updated_at: dt.datetime
    statements: list[StatementRead] = Field(
        default_factory=list, description="The director's statements in reply to this assessment."
    )

    @classmethod
    def from_view(cls, view: AssessmentView) -> "AssessmentRead":
        return cls.model_validate(
            {**view.data, "corrected_by_ids": view.corrected_by_ids, "blocking_checks": view.blocking_checks}
        )
