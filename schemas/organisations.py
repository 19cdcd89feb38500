"""Organisations."""

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, Field

from register.identifiers import OrganisationKind, Region, check_ods_code
from schemas.common import Request, Response

OdsCode = Annotated[
    str,
    Field(
        min_length=3,
        max_length=7,
        description="NHS ODS code, e.g. RJ1 (trust), QWE (ICB), X24.",
        examples=["RJ1"],
    ),
    AfterValidator(check_ods_code),
]
OrganisationName = Annotated[str, Field(min_length=2, max_length=200, description="Registered name.")]


class OrganisationCreate(Request):
    """A new organisation."""

    ods_code: OdsCode
    name: OrganisationName
    kind: OrganisationKind
    region: Region | None = Field(default=None, description="NHS England region; none for national bodies.")


class OrganisationUpdate(Request):
    """Changes to an organisation; send only what changes."""

    name: OrganisationName | None = None
    kind: OrganisationKind | None = None
    region: Region | None = None


class OrganisationRead(Response):
    """An organisation on the register."""

    ods_code: str
    name: str
    kind: OrganisationKind
    region: Region | None
    version: int = Field(description="Current version; also the ETag.")
    created_at: dt.datetime
    updated_at: dt.datetime
