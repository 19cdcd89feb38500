"""The annual self-attestation: one answer per Schedule 4 matter."""

import datetime as dt
import uuid
from typing import Any, Self

from pydantic import Field, model_validator

from register.attestations.models import Schedule4Item
from register.attestations.service import Answer, SignedAttestation
from schemas.common import Request, Response, StatementRead


class Schedule4Answer(Request):
    """Yes or no; a yes needs detail."""

    answer: bool = Field(description="True if the matter applies to you.")
    detail: str | None = Field(default=None, min_length=3, max_length=2000, description="Required for a yes.")

    @model_validator(mode="after")
    def _yes_needs_detail(self) -> Self:
        if self.answer and not self.detail:
            raise ValueError("a yes needs detail")
        return self


class Schedule4Answers(Request):
    """Schedule 4 to the Health and Social Care Act 2008 (Regulated Activities) Regulations 2014."""

    undischarged_bankruptcy: Schedule4Answer = Field(
        description="Part 1 para 1: an undischarged bankrupt, or a sequestration awarded and not discharged."
    )
    bankruptcy_restrictions: Schedule4Answer = Field(
        description="Part 1 para 2: subject to a bankruptcy restrictions order or interim order (or equivalent)."
    )
    debt_relief_order: Schedule4Answer = Field(
        description="Part 1 para 3: a moratorium period under a debt relief order applies."
    )
    arrangement_with_creditors: Schedule4Answer = Field(
        description="Part 1 para 4: a composition or arrangement with, or trust deed for, creditors not discharged."
    )
    barred_lists: Schedule4Answer = Field(
        description="Part 1 para 5: included in the children's or adults' barred list."
    )
    prohibited_from_office: Schedule4Answer = Field(
        description="Part 1 para 6: prohibited from holding the office by or under any enactment "
        "(e.g. a disqualified director)."
    )
    convictions: Schedule4Answer = Field(
        description="Part 2 para 1: convicted of any offence in the UK, or elsewhere of what would be one here."
    )
    struck_off: Schedule4Answer = Field(
        description="Part 2 para 2: erased, removed or struck off a register of health or social care professionals."
    )


class AttestationCreate(Request):
    """The director's signed annual self-attestation. It cannot be changed once signed; sign a new one."""

    year: int | None = Field(default=None, ge=2023, le=2100, description="The FPPT year; defaults to this year.")
    answers: Schedule4Answers
    no_change_since_last_year: bool = Field(
        default=False, description="Nothing has changed since your last attestation (your answers must match it)."
    )

    def answer_map(self) -> dict[Schedule4Item, Answer]:
        return {
            Schedule4Item(name): Answer(answer=a.answer, detail=a.detail)
            for name, a in ((n, getattr(self.answers, n)) for n in Schedule4Answers.model_fields)
        }


class AnswerRead(Response):
    """One answer as signed."""

    answer: bool
    detail: str | None = None


class AttestationRead(Response):
    """A signed self-attestation."""

    id: uuid.UUID
    director_id: uuid.UUID
    year: int
    answers: dict[Schedule4Item, AnswerRead]
    any_yes: bool = Field(description="At least one matter answered yes: the trust must consider it.")
    no_change_since_last_year: bool
    supersedes_id: uuid.UUID | None = Field(description="The attestation this one replaced.")
    superseded_by_id: uuid.UUID | None = Field(description="The attestation that replaced this one, if any.")
    current: bool = Field(description="Nothing supersedes it.")
    signed_by: str
    signed_at: dt.datetime
    version: int
    statements: list[StatementRead] = Field(
        default_factory=list, description="The director's statements in reply to this attestation."
    )

    @classmethod
    def from_signed(cls, signed: SignedAttestation) -> "AttestationRead":
        data: dict[str, Any] = signed.as_dict()
        return cls.model_validate({**data, "current": signed.superseded_by_id is None})
