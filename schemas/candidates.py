"""Candidate checks and the summary view."""

import datetime as dt
import uuid
from typing import Any, Self

from pydantic import BaseModel, Field, model_validator

from register.candidates.models import IdentifiedBy
from register.candidates.service import CandidateIdentifier
from register.employment.models import BoardRole
from schemas.common import Request, Response
from schemas.directors import BirthDate, PersonName
from schemas.registrations import RegistrationIn


class Vacancy(Request):
    """The board role the candidate is being considered for."""

    board_role: BoardRole
    title: str | None = Field(default=None, max_length=200, description="E.g. Chief Nurse.")


class CandidateCheckCreate(Request):
    """Name the candidate one way (register id, a registration, or full name with date of birth) and say why."""

    director_id: uuid.UUID | None = Field(default=None, description="The candidate's register id, if known.")
    registration: RegistrationIn | None = Field(default=None, description="A professional registration.")
    given_name: PersonName | None = None
    family_name: PersonName | None = None
    date_of_birth: BirthDate | None = None
    purpose: str = Field(
        min_length=3,
        max_length=200,
        description="Why you are checking, e.g. shortlisting. The check's purpose in the audit trail and in the "
        "director's access log; it wins over an X-Purpose header.",
    )
    vacancy: Vacancy

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        by_name = (self.given_name, self.family_name, self.date_of_birth)
        ways = [self.director_id is not None, self.registration is not None, any(v is not None for v in by_name)]
        if sum(ways) != 1:
            raise ValueError("name the candidate one way: director_id, registration, or name and date of birth")
        if ways[2] and not all(v is not None for v in by_name):
            raise ValueError("a name search needs given_name, family_name and date_of_birth")
        return self

    def identifier(self) -> CandidateIdentifier:
        return CandidateIdentifier(
            director_id=self.director_id,
            registration_body=self.registration.body if self.registration else None,
            registration_number=self.registration.number if self.registration else None,
            given_name=self.given_name,
            family_name=self.family_name,
            date_of_birth=self.date_of_birth,
        )


class Flag(BaseModel):
    """Something a panel must look at before appointing."""

    code: str = Field(
        description="barred, open_investigation, unexplained_gap, stale_annual_assessment, "
        "board_role_without_reference or registration_not_in_good_standing."
    )
    explanation: str


class SummaryRegistration(BaseModel):
    id: uuid.UUID
    body: str
    number: str
    status: str
    verified: bool
    verified_on: dt.date | None = None


class SummaryIdentity(BaseModel):
    id: uuid.UUID
    given_name: str
    family_name: str
    former_names: list[dict[str, str]]
    date_of_birth: dt.date
    synthetic: bool
    registrations: list[SummaryRegistration]


class SummaryEmployment(BaseModel):
    id: uuid.UUID
    kind: str
    employer_name: str
    ods_code: str | None = None
    role_title: str
    start_date: dt.date
    end_date: dt.date | None = None
    reason_for_leaving: str | None = None
    board_role: str | None = None
    portfolio: str | None = None
    appointment_type: str | None = None
    senior_independent_director: bool
    deputy_chair: bool
    voting: bool


class SummaryGap(BaseModel):
    start: dt.date
    end: dt.date
    days: int
    explained: bool


class SummaryCoverage(BaseModel):
    window_start: dt.date
    window_end: dt.date
    gaps: list[SummaryGap]


class SummaryQualification(BaseModel):
    id: uuid.UUID
    title: str
    awarding_body: str
    level: str | None = None
    awarded_on: dt.date | None = None
    verified: bool
    verified_on: dt.date | None = None


class SummaryAssessment(BaseModel):
    id: uuid.UUID
    kind: str
    year: int
    ods_code: str
    outcome: str | None = None
    signed_off_on: dt.date | None = None


class SummaryFinding(BaseModel):
    id: uuid.UUID
    finding_type: str
    status: str
    recording_org: str | None = None
    summary: str
    decision_reference: str | None = None
    reported_on: dt.date
    decided_on: dt.date | None = None
    appeal_decided_on: dt.date | None = None
    bar_start: dt.date | None = None
    bar_end: dt.date | None = None


class SummaryInvestigation(BaseModel):
    opened_on: dt.date = Field(description="Only the existence and date of an open matter are shown.")


class SummaryBar(BaseModel):
    id: uuid.UUID
    bar_start: dt.date
    bar_end: dt.date | None = None
    decision_reference: str | None = None


class SummaryReference(BaseModel):
    id: uuid.UUID
    providing_org: str
    kind: str
    role_title: str
    start_date: dt.date
    end_date: dt.date | None = None
    answers: dict[str, Any]
    competence: dict[str, Any]
    signatory_name: str
    signatory_role: str
    signed_on: dt.date
    correction_reason: str | None = None
    version: int


class SummaryStatement(BaseModel):
    id: uuid.UUID
    about_record_type: str | None = None
    about_record_id: str | None = None
    text: str
    created_at: dt.datetime
    updated_at: dt.datetime


class CandidateSummary(BaseModel):
    """The summary view (DESIGN.md §4): never check evidence, DBS or health detail, drafts or notes."""

    flags: list[Flag]
    identity: SummaryIdentity
    employment: list[SummaryEmployment]
    coverage: SummaryCoverage
    qualifications: list[SummaryQualification]
    assessments: list[SummaryAssessment] = Field(description="Signed-off FPPT assessments: outcome and date.")
    upheld_findings: list[SummaryFinding]
    open_investigations: list[SummaryInvestigation]
    bar: SummaryBar | None = None
    references: list[SummaryReference] = Field(description="Board Member References on file.")
    statements: list[SummaryStatement]


class CandidateCheckRead(Response):
    """A recorded candidate check."""

    id: uuid.UUID
    director_id: uuid.UUID
    checking_org: str
    checked_by: str
    purpose: str
    vacancy_board_role: BoardRole
    vacancy_title: str | None = None
    identified_by: IdentifiedBy
    checked_at: dt.datetime
    access_until: dt.datetime = Field(description="Summary access for your organisation ends at this time.")


class Link(BaseModel):
    """Where to go next, and how."""

    href: str
    method: str = Field(description="The HTTP method to use.")


class ReferenceLink(Link):
    """How to ask for a Board Member Reference about one board appointment in the candidate's history."""

    employment_id: uuid.UUID = Field(description="The employment entry (a board appointment) of the summary.")
    providing_org: str = Field(description="The organisation that will be asked.")
    role_title: str
    body: dict[str, Any] = Field(description="The request body to send (add a `note` if you wish).")


class CandidateCheckLinks(BaseModel):
    """The check itself, the summary view, and a BMR request for each previous board appointment elsewhere."""

    self: Link = Field(description="GET the recorded check (also the `Location` header).")
    summary: Link = Field(description="GET the summary view again while the check's window is open.")
    request_reference: list[ReferenceLink] = Field(
        description="One per board appointment in the summary's employment at another organisation: POST the body "
        "to ask that organisation for a BMR."
    )


class CandidateCheckResult(BaseModel):
    """The check as recorded, what it shows, and where to go next."""

    check: CandidateCheckRead
    summary: CandidateSummary
    links: CandidateCheckLinks
