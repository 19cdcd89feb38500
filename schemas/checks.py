"""FPPT checks. DBS and medical clearance carry the outcome and date only, in requests and in responses."""

import datetime as dt
import re
import uuid
from typing import Any, Literal, Self

from pydantic import Field, model_validator

from register.checks.models import OUTCOME_ONLY_TYPES, CheckResult, CheckType
from register.checks.service import CheckGap, DueItem, NewCheck
from schemas.common import Request, Response, StatementRead

_WITHIN = re.compile(r"^(\d{1,3})([dw])$")
WITHIN_PATTERN = _WITHIN.pattern


def parse_within(text: str) -> int:
    """``30d`` or ``4w`` as a number of days (1 to 366)."""
    match = _WITHIN.match(text)
    if match is None:
        raise ValueError("within is a number of days or weeks, e.g. 30d or 4w")
    days = int(match.group(1)) * (7 if match.group(2) == "w" else 1)
    if not 1 <= days <= 366:
        raise ValueError("within is between 1 and 366 days")
    return days


class CheckCreate(Request):
    """The result of one FPPT check. For `dbs` and `medical_clearance` send the outcome and date only."""

    check_type: CheckType = Field(
        description="Which FPPT check. `appraisal` is the appraisal check (that the annual appraisal took place), "
        "not the LCF appraisal (competency appraisal record), which is recorded at /v1/directors/{id}/appraisals."
    )
    result: CheckResult
    performed_on: dt.date | None = Field(default=None, description="When it was done; required unless not_done.")
    performed_by: str | None = Field(
        default=None, min_length=1, max_length=200, description="Who did it; required unless not_done."
    )
    evidence_reference: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Where the evidence is in the trust's own file (never the document itself). "
        "Refused for dbs and medical_clearance.",
    )
    notes: str | None = Field(
        default=None, min_length=1, max_length=2000, description="Notes. Refused for dbs and medical_clearance."
    )
    next_due: dt.date | None = Field(
        default=None,
        description="When it is due again; defaults to performed_on plus the type's interval (a year unless "
        "configured), or today for a check not done.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.check_type in OUTCOME_ONLY_TYPES:
            # UK GDPR Art. 10 (criminal offence data) and Art. 9 (health): the register holds no detail.
            detail = sorted({"evidence_reference", "notes"} & self.model_fields_set)
            if detail:
                raise ValueError(
                    f"{self.check_type.value} checks hold the outcome and date only; leave out {', '.join(detail)}"
                )
        if self.result is not CheckResult.NOT_DONE and (self.performed_on is None or self.performed_by is None):
            raise ValueError("a check with a result needs performed_on and performed_by")
        return self

    def to_domain(self) -> NewCheck:
        return NewCheck(**self.model_dump())


class MitigationCreate(Request):
    """How a concern found by a check is mitigated. For dbs and medical_clearance, only that it is, and when."""

    mitigation: str | None = Field(
        default=None,
        min_length=3,
        max_length=2000,
        description="The mitigation, or where the risk assessment is in the trust's file. Refused for dbs and "
        "medical_clearance.",
    )
    mitigated_on: dt.date | None = Field(default=None, description="When it was agreed; defaults to today.")


class OutcomeOnlyCheckRead(Response):
    """A DBS or medical clearance check: the register holds the outcome and date, nothing else."""

    id: uuid.UUID
    director_id: uuid.UUID
    ods_code: str | None = Field(description="Organisation that recorded it; none when written by the attestation.")
    # Only the outcome-only types, so that a check matches exactly one of the two read schemas (oneOf).
    check_type: Literal[CheckType.DBS, CheckType.MEDICAL_CLEARANCE]
    result: CheckResult
    performed_on: dt.date | None
    performed_by: str | None
    next_due: dt.date | None
    mitigated_on: dt.date | None = Field(description="When a concern's mitigation was recorded.")
    mitigated_by: str | None
    recorded_by: str
    version: int = Field(description="Current version; also the ETag.")
    created_at: dt.datetime
    updated_at: dt.datetime
    statements: list[StatementRead] = Field(
        default_factory=list, description="The director's statements in reply to this check."
    )


class CheckRead(OutcomeOnlyCheckRead):
    """An FPPT check result with its evidence pointer, notes and any mitigation."""

    check_type: CheckType  # type: ignore[assignment]  # every type; detail fields tell the schemas apart
    evidence_reference: str | None
    notes: str | None
    mitigation: str | None

    @classmethod
    def from_check(cls, data: Any) -> "CheckRead | OutcomeOnlyCheckRead":
        """The response shape for a check: DBS and medical clearance never show detail fields."""
        check_type = data["check_type"] if isinstance(data, dict) else data.check_type
        if CheckType(check_type) in OUTCOME_ONLY_TYPES:
            return OutcomeOnlyCheckRead.model_validate(data)
        return cls.model_validate(data)


AnyCheckRead = CheckRead | OutcomeOnlyCheckRead


class CheckGapRead(Response):
    """A check that stops a sign-off: missing, not_done, overdue or unmitigated_concern."""

    check_type: CheckType
    problem: Literal["missing", "not_done", "overdue", "unmitigated_concern"]
    check_id: uuid.UUID | None = None
    next_due: dt.date | None = None

    @classmethod
    def from_gap(cls, gap: CheckGap) -> "CheckGapRead":
        return cls.model_validate(gap.as_dict())


class DueCheckRead(Response):
    """A board member's check that is overdue, due soon, not done or missing."""

    director_id: uuid.UUID
    given_name: str
    family_name: str
    check_type: CheckType
    status: Literal["overdue", "due_soon", "not_done", "missing"]
    next_due: dt.date | None = Field(description="Absent when the check has never been recorded.")
    check_id: uuid.UUID | None
    performed_on: dt.date | None

    @classmethod
    def from_due_item(cls, item: DueItem) -> "DueCheckRead":
        return cls.model_validate(item)
