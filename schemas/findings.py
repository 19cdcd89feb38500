"""Findings and barring decisions."""

import datetime as dt
import uuid
from typing import Self

from pydantic import Field, model_validator

from register.findings.models import FindingStatus, FindingType
from register.findings.service import FindingEntry
from schemas.common import PartRead, Request, Response


class FindingCreate(Request):
    """A finding about a director."""

    finding_type: FindingType
    status: FindingStatus = FindingStatus.REPORTED
    summary: str = Field(min_length=10, max_length=2000, description="What the matter is, in plain words.")
    reported_on: dt.date = Field(description="When the concern was first reported.")
    decided_on: dt.date | None = Field(default=None, description="Date of the decision, for an upheld finding.")
    decision_reference: str | None = Field(default=None, max_length=100, description="The decision's reference.")
    bar_start: dt.date | None = Field(default=None, description="Barring decisions: the first day of the bar.")
    bar_end: dt.date | None = Field(default=None, description="Barring decisions: the last day; empty = indefinite.")

    @model_validator(mode="after")
    def _bar_dates(self) -> Self:
        barring = self.finding_type is FindingType.BARRING_DECISION
        if barring and self.bar_start is None:
            raise ValueError("a barring decision needs bar_start")
        if not barring and (self.bar_start is not None or self.bar_end is not None):
            raise ValueError("bar_start and bar_end belong to barring decisions only")
        if self.bar_start and self.bar_end and self.bar_end < self.bar_start:
            raise ValueError("bar_end must not be before bar_start")
        if self.decided_on is not None and self.decided_on < self.reported_on:
            raise ValueError("decided_on must not be before reported_on")
        return self

    def to_domain(self) -> FindingEntry:
        return FindingEntry(**self.model_dump())


class FindingTransition(Request):
    """The next step in a finding's life."""

    status: FindingStatus
    on: dt.date = Field(description="When the step happened.")
    note: str | None = Field(default=None, max_length=500, description="Appended to the summary.")


class FindingRead(PartRead):
    """A finding."""

    finding_type: FindingType
    status: FindingStatus
    recorded_by_role: str
    recording_org: str | None = None
    summary: str
    decision_reference: str | None = None
    reported_on: dt.date
    investigation_started_on: dt.date | None = None
    decided_on: dt.date | None = None
    appealed_on: dt.date | None = None
    appeal_decided_on: dt.date | None = None
    bar_start: dt.date | None = None
    bar_end: dt.date | None = None


class BarredDirector(Response):
    """A director with a barring decision in force."""

    director_id: uuid.UUID
    given_name: str
    family_name: str
    date_of_birth: dt.date
    finding_id: uuid.UUID
    bar_start: dt.date
    bar_end: dt.date | None = Field(default=None, description="Empty for an indefinite bar.")
    decision_reference: str | None = None
