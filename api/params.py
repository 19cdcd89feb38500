"""Parameter types shared by the routes: the ODS code of a path or query, checked by the register's one rule."""

from typing import Annotated, Any

from litestar.openapi.spec import OpenAPIType, Schema
from litestar.params import PathParameter
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition

from register.identifiers import ODS_CODE_PATTERN, check_ods_code

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
