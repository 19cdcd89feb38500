"""Qualifications."""

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, Field

from register.qualifications.service import QualificationEntry
from schemas.common import PartRead, Verification


def _not_future(value: dt.date | None) -> dt.date | None:
    if value is not None and value > dt.date.today():
        raise ValueError("cannot be in the future")
    return value


PastDate = Annotated[dt.date | None, AfterValidator(_not_future)]
EvidenceReference = Annotated[
    str | None,
    Field(
        default=None,
        max_length=200,
        pattern=r"^[^\r\n]*$",
        description="A pointer to the trust's own file (e.g. `HR/FPPT/2025/0042`), never the document itself.",
    ),
]


class QualificationCreate(Verification):
    """A qualification to add to a director's file."""

    title: str = Field(min_length=2, max_length=200, description="E.g. MBA, MSc Healthcare Leadership.")
    awarding_body: str = Field(min_length=2, max_length=200, description="The university or institute.")
    level: str | None = Field(default=None, max_length=40, description="E.g. RQF level 7, Masters.")
    awarded_on: PastDate = None
    evidence_reference: EvidenceReference = None

    def to_domain(self) -> QualificationEntry:
        return QualificationEntry(**self.model_dump())


class QualificationUpdate(Verification):
    """Corrections to a qualification; send only what changes."""

    title: str | None = Field(default=None, min_length=2, max_length=200)
    awarding_body: str | None = Field(default=None, min_length=2, max_length=200)
    level: str | None = Field(default=None, max_length=40)
    awarded_on: PastDate = None
    evidence_reference: EvidenceReference = None
    verified: bool | None = None  # type: ignore[assignment]


class QualificationRead(PartRead):
    """A qualification."""

    title: str
    awarding_body: str
    level: str | None = None
    awarded_on: dt.date | None = None
    verified: bool
    verified_by: str | None = None
    verified_on: dt.date | None = None
    evidence_reference: str | None = None
