"""Reference requests and Board Member References."""

import datetime as dt
import uuid
from typing import Any, Self

from pydantic import BaseModel, Field, model_validator

from register.appraisals.models import LcfRating
from register.references.models import ReferenceKind, RequestStatus
from schemas.common import PartRead, Request, Response


class BmrAnswer(Request):
    """A yes/no answer; a yes needs the detail."""

    answer: bool
    detail: str | None = Field(default=None, max_length=4000)

    @model_validator(mode="after")
    def _detail_for_yes(self) -> Self:
        if self.answer and not (self.detail and self.detail.strip()):
            raise ValueError("a yes answer needs detail")
        return self


class BmrAnswers(Request):
    """The BMR's questions. A settlement agreement never suppresses the other answers (Kark, recommendation 3)."""

    upheld_disciplinary_findings: BmrAnswer
    ongoing_disciplinary_processes: BmrAnswer
    grievances_against_them: BmrAnswer
    whistleblowing_concerns_about_conduct: BmrAnswer
    serious_misconduct_or_mismanagement: BmrAnswer
    schedule_4_matters: BmrAnswer
    settlement_agreements: BmrAnswer


class CompetenceView(Request):
    """The employer's view against one LCF domain."""

    rating: LcfRating
    comment: str | None = Field(default=None, max_length=2000)


class BmrCompetence(Request):
    """The employer's view of competence against the six domains of the Leadership Competency Framework."""

    high_quality_outcomes: CompetenceView
    strategy_and_transformation: CompetenceView
    equality_and_inclusion: CompetenceView
    governance_and_assurance: CompetenceView
    compassionate_culture: CompetenceView
    partners_and_communities: CompetenceView


class BmrContent(Request):
    """A Board Member Reference, signed."""

    answers: BmrAnswers
    competence: BmrCompetence
    signatory_name: str = Field(min_length=2, max_length=200)
    signatory_role: str = Field(min_length=2, max_length=200, description="E.g. Chair, Chief People Officer.")
    signed_on: dt.date

    @model_validator(mode="after")
    def _not_future(self) -> Self:
        if self.signed_on > dt.date.today():
            raise ValueError("signed_on cannot be in the future")
        return self

    def stored(self) -> dict[str, Any]:
        return self.model_dump(mode="json") | {"signed_on": self.signed_on}


class ReferenceRequestCreate(Request):
    """Ask a previous employer for a BMR about one board appointment of a candidate you have checked."""

    director_id: uuid.UUID
    employment_id: uuid.UUID = Field(description="The board appointment, from the candidate's employment history.")
    note: str | None = Field(default=None, max_length=1000, description="Anything the other trust should know.")


class Reason(Request):
    reason: str = Field(min_length=3, max_length=1000)


class RequestDirector(BaseModel):
    """Who the reference is about."""

    given_name: str
    family_name: str


class RequestAppointment(BaseModel):
    """The board appointment (employment entry) the reference is asked about."""

    role_title: str
    board_role: str | None = None
    ods_code: str | None = None
    employer_name: str
    start_date: dt.date
    end_date: dt.date | None = None


class ReferenceRequestRead(Response):
    """A reference request; `status` shows `expired` for an open request past its answer-by date."""

    id: uuid.UUID
    director_id: uuid.UUID
    director: RequestDirector | None = Field(
        default=None, description="The director's name, so that the organisation asked need not look them up."
    )
    employment_id: uuid.UUID
    appointment: RequestAppointment | None = Field(
        default=None, description="The board appointment asked about: role, organisation and dates."
    )
    requesting_org: str
    providing_org: str
    status: RequestStatus
    note: str | None = None
    answer_by: dt.date
    closed_reason: str | None = None
    reference_id: uuid.UUID | None = None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class LeaverReferenceCreate(BmrContent):
    """The BMR a former employer owes when a board appointment ends."""

    employment_id: uuid.UUID


class ReferenceCorrection(BmrContent):
    """A corrected BMR; the earlier version stays in the history."""

    reason: str = Field(min_length=3, max_length=1000, description="Why the reference is corrected.")


class ReferenceRead(PartRead):
    """A Board Member Reference."""

    director_id: uuid.UUID
    employment_id: uuid.UUID
    providing_org: str
    kind: ReferenceKind
    request_id: uuid.UUID | None = None
    role_title: str
    start_date: dt.date
    end_date: dt.date | None = None
    answers: dict[str, Any]
    competence: dict[str, Any]
    signatory_name: str
    signatory_role: str
    signed_on: dt.date
    correction_reason: str | None = None


class ReferenceDue(BaseModel):
    """A board appointment that has ended with no BMR on file."""

    employment_id: uuid.UUID
    director_id: uuid.UUID
    role_title: str
    start_date: dt.date
    end_date: dt.date
