"""Organisations."""

import datetime as dt
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from register.identifiers import ODS_CODE_PATTERN, OrganisationKind, Region, check_ods_code
from schemas.common import Request, Response

# The contract shows the rule (3 to 5 letters or digits); check_ods_code enforces it, in its own words.
# An optional field repeats ODS_CODE_SCHEMA in its own Field: the OpenAPI document does not see it through `| None`.
ODS_CODE_SCHEMA: dict[str, Any] = {"minLength": 3, "maxLength": 5, "pattern": ODS_CODE_PATTERN}
OdsCode = Annotated[
    str,
    Field(
        description="NHS ODS code: 3 to 5 letters or digits, e.g. RJ1 (trust), QWE (ICB), X24.",
        # Examples go in json_schema_extra: Litestar would add Field(examples=...) to it again on every app built.
        json_schema_extra={**ODS_CODE_SCHEMA, "examples": ["RJ1"]},
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
