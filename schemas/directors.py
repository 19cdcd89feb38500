"""Directors and the parts of their record shown with them."""

import datetime as dt
import uuid
from typing import Annotated, Any, Self

from pydantic import AfterValidator, Field, model_validator

from register.directors.service import CreatedDirector, DirectorFile, NewAppointment, NewRegistration
from register.employment.models import AppointmentType, BoardRole
from register.search.service import SearchHit
from schemas.common import Request, Response, StatementRead
from schemas.registrations import RegistrationIn, RegistrationRead


def _no_control_characters(value: str) -> str:
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError("must not contain control characters")
    return value


def _plausible_birth_date(value: dt.date) -> dt.date:
    today = dt.date.today()
    try:
        adult = today.replace(year=today.year - 18)
    except ValueError:  # 29 February
        adult = today.replace(year=today.year - 18, day=28)
    if value < dt.date(1900, 1, 1):
        raise ValueError("must be after 1900-01-01")
    if value > adult:
        raise ValueError("a board director must be at least 18 years old")
    return value


PersonName = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_no_control_characters)]
BirthDate = Annotated[dt.date, AfterValidator(_plausible_birth_date)]


class FormerName(Request):
    """A name the director was known by before."""

    given_name: PersonName
    family_name: PersonName


class AppointmentIn(Request):
    """A board appointment at the caller's own organisation."""

    board_role: BoardRole
    appointment_type: AppointmentType = AppointmentType.PERMANENT
    start_date: dt.date
    end_date: dt.date | None = Field(default=None, description="Planned end, if known.")
    role_title: str | None = Field(default=None, max_length=200, description="Defaults from the board role.")
    portfolio: str | None = Field(
        default=None,
        max_length=100,
        description="For executive directors: finance, medical, nursing, people, ...",
    )
    senior_independent_director: bool = False
    deputy_chair: bool = False
    voting: bool | None = Field(default=None, description="Defaults to false for non-voting roles, else true.")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        if self.senior_independent_director and self.board_role is not BoardRole.NON_EXECUTIVE_DIRECTOR:
            raise ValueError("only a non-executive director can be the senior independent director")
        return self

    def to_domain(self) -> NewAppointment:
        return NewAppointment(**self.model_dump())


class DirectorCreate(Request):
    """A person joining the register, with their appointment at the caller's trust."""

    given_name: PersonName
    family_name: PersonName
    date_of_birth: BirthDate
    former_names: list[FormerName] = Field(default_factory=list, max_length=20)
    registrations: list[RegistrationIn] = Field(default_factory=list, max_length=10)

    def registrations_domain(self) -> list[NewRegistration]:
        return [NewRegistration(body=r.body, number=r.number) for r in self.registrations]

    appointment: AppointmentIn

    @model_validator(mode="after")
    def _registrations_distinct(self) -> Self:
        keys = [(r.body, r.number) for r in self.registrations]
        if len(keys) != len(set(keys)):
            raise ValueError("the same registration is listed twice")
        return self


class DirectorUpdate(Request):
    """Corrections to a director's identity details; send only what changes."""

    given_name: PersonName | None = None
    family_name: PersonName | None = None
    date_of_birth: BirthDate | None = None
    former_names: list[FormerName] | None = Field(default=None, max_length=20)

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be cleared")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class BarRead(Response):
    """A barring decision in force."""

    finding_id: uuid.UUID
    bar_start: dt.date
    bar_end: dt.date | None = Field(default=None, description="Empty for an indefinite bar.")
    decision_reference: str | None = None


class AppointmentRead(Response):
    """A board appointment."""

    id: uuid.UUID
    ods_code: str | None
    employer_name: str
    role_title: str
    board_role: BoardRole
    portfolio: str | None = None
    appointment_type: AppointmentType
    start_date: dt.date
    end_date: dt.date | None = None
    senior_independent_director: bool
    deputy_chair: bool
    voting: bool
    version: int
    statements: list[StatementRead] = Field(default_factory=list)


class DirectorSummary(Response):
    """A director in a list."""

    id: uuid.UUID
    given_name: str
    family_name: str
    date_of_birth: dt.date
    synthetic: bool = Field(description="True for demonstration records that describe no real person.")
    version: int
    score: float | None = Field(default=None, description="Name-match score (0 to 1) when searching with q.")


class CurrentAppointment(Response):
    """A board appointment that has not ended (one recorded ahead of its start counts)."""

    ods_code: str | None = None
    organisation_name: str | None = None
    board_role: str | None = None
    role_title: str


class DirectorHit(DirectorSummary):
    """A director in a list or search, with what tells one from another without opening each file."""

    current_appointments: list[CurrentAppointment] = Field(
        description="Current board appointments: organisation and board role."
    )
    barred: bool = Field(description="A barring decision is in force (public to every reader, as /v1/barred).")
    has_upheld_finding: bool = Field(description="The director's file holds an upheld finding.")
    overdue_checks: bool = Field(description="An FPPT check of the director is past its next-due date.")

    @classmethod
    def from_hit(cls, hit: SearchHit) -> "DirectorHit":
        return cls.model_validate(
            {
                **DirectorSummary.model_validate(hit.director).model_dump(),
                "score": hit.score,
                "current_appointments": hit.current_appointments,
                "barred": hit.barred,
                "has_upheld_finding": hit.has_upheld_finding,
                "overdue_checks": hit.overdue_checks,
            }
        )


class DirectorRead(DirectorSummary):
    """A director's record with registrations and board appointments."""

    former_names: list[FormerName]
    registrations: list[RegistrationRead]
    appointments: list[AppointmentRead]
    barred: bool = Field(description="A barring decision is in force: the director may not be appointed.")
    bar: BarRead | None = Field(default=None, description="The barring decision in force, if any.")
    statements: list[StatementRead] = Field(description="The director's statements about the file as a whole.")
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def from_file(cls, file: DirectorFile) -> "DirectorRead":
        return cls.model_validate(
            {
                **file.director,
                "registrations": file.registrations,
                "appointments": file.appointments,
                "statements": file.statements,
                "barred": file.bar is not None,
                "bar": file.bar,
            }
        )


class NearMatch(Response):
    """A person already on the register whom you may see, with a name one typo away and the same date of birth."""

    id: uuid.UUID
    given_name: str
    family_name: str
    href: str = Field(description="Their record.")


class CreationWarning(Response):
    """Something to look at before relying on the new record; the record was created."""

    code: str = Field(description="`possible-duplicate`: people with the same date of birth and a name one typo away.")
    detail: str
    near_matches: list[NearMatch] = Field(description="Those of them you may see.")
    other_matches: int = Field(description="How many more there are that you may not see (their names stay hidden).")


class DirectorCreated(DirectorRead):
    """The new director's record, with any warnings about people it may duplicate."""

    warnings: list[CreationWarning] = Field(default_factory=list)

    @classmethod
    def from_created(cls, created: CreatedDirector) -> "DirectorCreated":
        body = cls.model_validate(DirectorRead.from_file(created.file).model_dump())
        near = created.near_matches
        if near is not None:
            total = len(near.visible) + near.hidden
            people = "person" if total == 1 else "people"
            body.warnings = [
                CreationWarning(
                    code="possible-duplicate",
                    detail=(
                        f"{total} {people} on the register with the same date of birth "
                        f"{'has' if total == 1 else 'have'} a name one letter different from this one. "
                        "Make sure this is not the same person: if it is, run a candidate check on the existing "
                        "record, record your appointment there, and ask a regulator to erase this one."
                    ),
                    near_matches=[
                        NearMatch(id=i, given_name=g, family_name=f, href=f"/v1/directors/{i}")
                        for i, g, f in near.visible
                    ],
                    other_matches=near.hidden,
                )
            ]
        return body
