"""Annual FPPT returns and the regulators' overview."""

import datetime as dt
import uuid
from typing import Literal

from pydantic import Field

from register.assessments.models import AssessmentKind, AssessmentOutcome
from register.identifiers import Region
from register.returns.service import Counts, OrganisationStatus, Overview, ReturnView
from schemas.common import Page, Request, Response


class ReturnSubmit(Request):
    """The chair's declaration that accompanies the return."""

    declaration: str = Field(
        min_length=20,
        max_length=4000,
        description="E.g. 'I confirm that the board members listed have been assessed under the FPPT framework ...'",
    )


class MemberRole(Response):
    role: str = Field(description="Board role, with '(senior independent director)' where it applies.")
    start_date: dt.date
    end_date: dt.date | None = None


class MemberAssessment(Response):
    """The assessment the return reports for a member: the newest signed off, else the one in progress."""

    status: Literal["not_started", "draft", "awaiting_sign_off", "signed_off"]
    assessment_id: uuid.UUID | None = None
    kind: AssessmentKind | None = None
    outcome: AssessmentOutcome | None = None
    signed_off_at: dt.datetime | None = None


class ReturnMember(Response):
    """A board member in post at some time in the year."""

    director_id: uuid.UUID
    given_name: str
    family_name: str
    roles: list[MemberRole]
    assessment: MemberAssessment
    attested: bool = Field(description="Signed a self-attestation for the year.")
    appraised: bool = Field(
        description="Has an LCF appraisal (competency appraisal record) for the year at this organisation; the "
        "FPPT `appraisal` check does not count here (it is among the checks)."
    )
    missing: list[str] = Field(description="What is missing or out of date, in words.")


class ReturnSummary(Response):
    members: int
    signed_off: int
    outcomes: dict[AssessmentOutcome, int]
    statuses: dict[str, int] = Field(description="Members by assessment status (not_started, draft, ...).")
    complete: int = Field(description="Members with nothing missing.")
    completion_rate: float | None = Field(description="Signed-off members / members.")


class AnnualReturnRead(Response):
    """An organisation's annual return: frozen once submitted (a resubmission is a new version)."""

    ods_code: str
    name: str
    region: Region | None
    year: int
    status: Literal["submitted", "not_submitted"]
    version: int = Field(description="The submission shown (0: none yet); also the ETag to submit against.")
    latest_version: int = Field(description="The newest submission (0: none yet).")
    live: bool = Field(description="True when built from the register now rather than read from a submission.")
    as_of: dt.date = Field(description="The date check gaps were judged at.")
    declaration: str | None = None
    submitted_at: dt.datetime | None = None
    submitted_by: str | None = None
    members: list[ReturnMember]
    summary: ReturnSummary

    @classmethod
    def from_view(cls, view: ReturnView) -> "AnnualReturnRead":
        return cls.model_validate(
            {
                "ods_code": view.ods_code,
                "name": view.name,
                "region": view.region,
                "year": view.year,
                "status": view.status,
                "version": view.version,
                "latest_version": view.latest_version,
                "live": view.submitted_at is None,
                "as_of": view.contents["as_of"],
                "declaration": view.declaration,
                "submitted_at": view.submitted_at,
                "submitted_by": view.submitted_by,
                "members": view.contents["members"],
                "summary": view.contents["summary"],
            }
        )


class CountsRead(Response):
    """Totals over a set of organisations."""

    organisations: int
    submitted: int = Field(description="Organisations that have submitted.")
    members: int
    signed_off: int
    outcomes: dict[AssessmentOutcome, int]
    completion_rate: float | None = Field(description="Signed-off members / members.")
    submission_rate: float | None = Field(description="Submitted organisations / organisations.")

    @classmethod
    def from_counts(cls, counts: Counts) -> "CountsRead":
        return cls(
            organisations=counts.organisations,
            submitted=counts.submitted,
            members=counts.members,
            signed_off=counts.signed_off,
            outcomes={AssessmentOutcome(k): v for k, v in counts.outcomes.items()},
            completion_rate=counts.completion_rate,
            submission_rate=counts.submission_rate,
        )


class OrganisationReturnStatus(Response):
    """One organisation's return for the year, as regulators follow it."""

    ods_code: str
    name: str
    region: Region | None
    submitted: bool
    version: int = Field(description="Newest submission (0: none).")
    submitted_at: dt.datetime | None
    members: int
    signed_off: int
    outcomes: dict[AssessmentOutcome, int] = Field(description="As submitted; live from the register if not.")
    completion_rate: float | None

    @classmethod
    def from_status(cls, s: OrganisationStatus) -> "OrganisationReturnStatus":
        return cls(
            ods_code=s.ods_code,
            name=s.name,
            region=s.region,
            submitted=s.submitted,
            version=s.version,
            submitted_at=s.submitted_at,
            members=s.counts.members,
            signed_off=s.counts.signed_off,
            outcomes={AssessmentOutcome(k): v for k, v in s.counts.outcomes.items()},
            completion_rate=s.counts.completion_rate,
        )


class ReturnsOverview(Page[OrganisationReturnStatus]):
    """Annual returns across organisations: a page of organisations, with national and per-region totals."""

    year: int
    national: CountsRead
    regions: dict[Region, CountsRead]

    @classmethod
    def from_overview(cls, overview: Overview, next_url: str | None) -> "ReturnsOverview":
        return cls(
            items=[OrganisationReturnStatus.from_status(s) for s in overview.items],
            next=next_url,
            year=overview.year,
            national=CountsRead.from_counts(overview.national),
            regions={Region(k): CountsRead.from_counts(v) for k, v in overview.regions.items()},
        )
