"""Route parameters and role sets that several route modules share, so that no route imports another; the ODS
code of a path or query is checked by the register's one rule."""

import datetime as dt
from typing import Annotated, Any

from litestar.openapi.spec import OpenAPIType, Schema
from litestar.params import PathParameter, QueryParameter
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition

from register.access.principal import Role
from register.identifiers import ODS_CODE_PATTERN, check_ods_code

READERS = (Role.TRUST_HR, Role.REGULATOR, Role.AUDITOR, Role.DIRECTOR)

AsOf = Annotated[
    dt.datetime | None,
    QueryParameter(description="Read the record as it stood at this time (ISO 8601; UTC when no zone is given)."),
]
PartAsOf = Annotated[
    dt.datetime | None,
    QueryParameter(description="Read the part as it stood at this time (ISO 8601; UTC when no zone is given)."),
]
DirectorAsOf = Annotated[
    dt.datetime | None,
    QueryParameter(description="Read the record as it stood at this time (ISO 8601 with a time zone)."),
]

ODS_CODE_DESCRIPTION = "NHS ODS code: 3 to 5 letters or digits, e.g. RJ1 (trust), QWE (ICB), X24."


class OdsCodeParam(str):
    """An ODS code given in a path or query parameter, normalised (upper case, no spaces)."""

    __slots__ = ()


def _decode_ods_code(_: type, value: Any) -> OdsCodeParam:
    # A ValueError here becomes a 400 validation problem naming the parameter, worded like the body's.
    return OdsCodeParam(check_ods_code(value if isinstance(value, str) else ""))


TYPE_DECODERS: list[Any] = [(lambda t: t is OdsCodeParam, _decode_ods_code)]


class OdsCodeSchemaPlugin(OpenAPISchemaPlugin):
    """Documents ``OdsCodeParam`` as the same string the request bodies take."""

    @staticmethod
    def is_plugin_supported_type(value: Any) -> bool:
        return value is OdsCodeParam

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        return Schema(type=OpenAPIType.STRING, min_length=3, max_length=5, pattern=ODS_CODE_PATTERN, examples=["RJ1"])


OdsPath = Annotated[OdsCodeParam, PathParameter(description=ODS_CODE_DESCRIPTION)]


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """A time without a zone is read as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value
