"""OpenAPI pieces: the document's configuration and the problem responses routes declare."""

from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from schemas.common import Problem

BEARER = "BearerToken"

_DESCRIPTIONS = {
    400: "The request is malformed or a field is not valid.",
    401: "No valid bearer token.",
    403: "Your role may not use this operation.",
    404: "Not found, or not visible to you.",
    409: "Conflicts with the current state of the register.",
    412: "The If-Match version is not the current one.",
    413: "The request body is too large.",
    415: "The request body is not JSON.",
    422: "Well-formed, but breaks a register rule.",
    428: "If-Match is required.",
    503: "The database is unavailable.",
}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """Problem-detail responses for the given statuses, for a route's ``responses=``."""
    return {
        s: ResponseSpec(
            data_container=Problem,
            description=_DESCRIPTIONS[s],
            media_type="application/problem+json",
            generate_examples=False,
        )
        for s in statuses
    }


def openapi_config(version: str) -> OpenAPIConfig:
    return OpenAPIConfig(
        title="NHS Directors' Fit-and-Proper Register",
        version=version,
        description=(
            "The national register of NHS board directors behind the fit and proper person test (FPPT). "
            "Every call needs a bearer token; lists are cursor-paginated; errors are RFC 9457 problem details."
        ),
        path="/docs",
        render_plugins=[SwaggerRenderPlugin(path="/")],
        components=Components(
            security_schemes={
                BEARER: SecurityScheme(type="http", scheme="bearer", bearer_format="JWT"),
            }
        ),
        use_handler_docstrings=True,
    )
