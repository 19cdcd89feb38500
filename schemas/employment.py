"""Employment history, gap explanations and six-year coverage."""

import datetime as dt
import uuid
from typing import Self

from pydantic import BaseModel, Field, model_validator

from register.employment.coverage import Coverage
from register.employment.models import AppointmentType, BoardRole, EmploymentKind
from register.employment.service import EmploymentEntry, GapEntry
from schemas.common import PartRead, Request
from schemas.organisations import ODS_CODE_SCHEMA, OdsCode

_BOARD_FIELDS = ("board_role", "appointment_type", "portfolio")


class EmploymentCreate(Request):
    """An entry in a director's employment history: any role, NHS or not, or a board appointment."""

    kind: EmploymentKind
    employer_name: str | None = Field(
        default=None, min_length=2, max_length=200, description="Defaults to the organisation's name for ODS codes."
    )
    ods_code: OdsCode | None = Field(
        default=None, description="ODS code when the employer is an NHS body.", json_schema_extra=ODS_CODE_SCHEMA
    )
    role_title: str | None = Field(
        default=None, min_length=2, max_length=200, description="Defaults from the board role for appointments."
    )
    start_date: dt.date
    end_date: dt.date | None = Field(default=None, description="Empty while the role is current.")
    reason_for_leaving: str | None = Field(default=None, max_length=500)
    board_role: BoardRole | None = Field(default=None, description="Board appointments only.")
    portfolio: str | None = Field(default=None, max_length=100, description="Executive directors: finance, ...")
    appointment_type: AppointmentType | None = Field(default=None, description="Board appointments only.")
    senior_independent_director: bool = False
    deputy_chair: bool = False
    voting: bool | None = Field(default=None, description="Defaults to false for non-voting roles, else true.")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        if self.kind is EmploymentKind.BOARD_APPOINTMENT:
            if self.board_role is None or self.ods_code is None:
                raise ValueError("a board appointment needs board_role and the organisation's ods_code")
            if self.appointment_type is None:
                self.appointment_type = AppointmentType.PERMANENT
            if self.senior_independent_director and self.board_role is not BoardRole.NON_EXECUTIVE_DIRECTOR:
                raise ValueError("only a non-executive director can be the senior independent director")
        else:
            given = [f for f in _BOARD_FIELDS if getattr(self, f) is not None]
            if given or self.senior_independent_director or self.deputy_chair or self.voting is not None:
                raise ValueError("board fields belong on board appointments only")
            if not self.role_title or not (self.employer_name or self.ods_code):
                raise ValueError("a role needs role_title and employer_name (or ods_code)")
        return self

    def to_domain(self) -> EmploymentEntry:
        return EmploymentEntry(**self.model_dump())


class EmploymentUpdate(Request):
    """Corrections to an entry, or its end; kind, organisation and board role are fixed (withdraw and re-add)."""

    employer_name: str | None = Field(default=None, min_length=2, max_length=200)
    role_title: str | None = Field(default=None, min_length=2, max_length=200)
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    reason_for_leaving: str | None = Field(default=None, max_length=500)
    portfolio: str | None = Field(default=None, max_length=100)
    appointment_type: AppointmentType | None = None
    senior_independent_director: bool | None = None
    deputy_chair: bool | None = None
    voting: bool | None = None

    @model_validator(mode="after")
    def _no_required_cleared(self) -> Self:
        for name in ("start_date", "employer_name", "role_title", "appointment_type"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be cleared")
        for name in ("senior_independent_director", "deputy_chair", "voting"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} must be true or false")
        if not self.model_fields_set:
            raise ValueError("the change names no field to update")
        return self


class EmploymentRead(PartRead):
    """An entry in a director's employment history."""

    kind: EmploymentKind
    employer_name: str
    ods_code: str | None = None
    role_title: str
    start_date: dt.date
    end_date: dt.date | None = None
    reason_for_leaving: str | None = None
    board_role: BoardRole | None = None
    portfolio: str | None = None
    appointment_type: AppointmentType | None = None
    senior_independent_director: bool
    deputy_chair: bool
    voting: bool


class GapExplanationCreate(Request):
    """Why the director was out of employment for a period."""

    start_date: dt.date
    end_date: dt.date
    reason: str = Field(min_length=3, max_length=1000, description="E.g. career break to care for a relative.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        return self

    def to_domain(self) -> GapEntry:
        return GapEntry(**self.model_dump())


class GapExplanationRead(PartRead):
    """A recorded explanation of a gap."""

    start_date: dt.date
    end_date: dt.date
    reason: str


class PeriodRead(BaseModel):
    start: dt.date
    end: dt.date = Field(description="Inclusive.")
    days: int


class GapRead(PeriodRead):
    explained: bool = Field(description="Wholly covered by recorded explanations.")
    explanation_ids: list[uuid.UUID]


class CoverageRead(BaseModel):
    """Employment coverage over the window; FPPT asks for six years with every gap explained."""

    window: PeriodRead
    years: int
    gap_threshold_days: int = Field(description="Gaps this long or shorter are not reported.")
    covered: list[PeriodRead]
    gaps: list[GapRead]
    unexplained_gaps: int
    complete: bool = Field(description="True when no reported gap is unexplained.")

    @classmethod
    def from_coverage(cls, coverage: Coverage, *, years: int, threshold_days: int) -> "CoverageRead":
        def period(p: object) -> PeriodRead:
            return PeriodRead(start=p.start, end=p.end, days=p.days)  # type: ignore[attr-defined]

        return cls(
            window=period(coverage.window),
            years=years,
            gap_threshold_days=threshold_days,
            covered=[period(p) for p in coverage.covered],
            gaps=[
                GapRead(
                    start=g.start,
                    end=g.end,
                    days=g.days,
                    explained=g.explained,
                    explanation_ids=list(g.explanation_ids),
                )
                for g in coverage.gaps
            ],
            unexplained_gaps=len(coverage.unexplained_gaps),
            complete=not coverage.unexplained_gaps,
        )
