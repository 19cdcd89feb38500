"""Professional registrations."""

import datetime as dt
from typing import Self

from pydantic import Field, model_validator

from register.directors.models import RegistrationStatus
from register.directors.registrations import RegistrationEntry
from register.identifiers import RegistrationBody, check_registration_number
from schemas.common import PartRead, Request, Verification


class RegistrationIn(Request):
    """A professional registration, its number in the regulator's format."""

    body: RegistrationBody
    number: str = Field(min_length=1, max_length=30, description="E.g. GMC 1234567, NMC 01A2345N.")

    @model_validator(mode="after")
    def _number_fits_body(self) -> Self:
        self.number = check_registration_number(self.body, self.number)
        return self


class RegistrationCreate(Verification, RegistrationIn):
    """A registration to add to a director's file."""

    status: RegistrationStatus = RegistrationStatus.REGISTERED

    def to_domain(self) -> RegistrationEntry:
        return RegistrationEntry(**self.model_dump())


class RegistrationUpdate(Verification):
    """Changes to a registration's standing or verification; a wrong number is withdrawn and re-added."""

    status: RegistrationStatus | None = None
    verified: bool | None = None  # type: ignore[assignment]


class RegistrationRead(PartRead):
    """A professional registration."""

    body: RegistrationBody
    number: str
    status: RegistrationStatus
    verified: bool
    verified_by: str | None = None
    verified_on: dt.date | None = None
