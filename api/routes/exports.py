"""Bulk exports: ``GET /v1/exports/{dataset}.{csv|ndjson|parquet}``, streamed and scoped to the caller."""

import datetime as dt
from collections.abc import AsyncIterator
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, QueryParameter
from litestar.response import Stream

from api.guards import roles
from api.openapi import problems
from api.params import OdsCodeParam
from register.access import policy
from register.access.principal import Actor, Role
from register.employment.models import BoardRole
from register.exports.datasets import MAX_LIMIT, ExportFilters
from register.exports.service import parse_name, plan_export, stream_export
from register.identifiers import Region
from register.settings import Settings

EXPORTERS = (Role.TRUST_HR, Role.REGULATOR, Role.AUDITOR, Role.DIRECTOR)

OdsFilter = Annotated[
    OdsCodeParam | None,
    QueryParameter(description="Only directors with a current board appointment at this organisation."),
]
RegionFilter = Annotated[Region | None, QueryParameter(description="Current board appointment in this region.")]
RoleFilter = Annotated[BoardRole | None, QueryParameter(description="Current board appointment in this role.")]
SinceFilter = Annotated[
    dt.datetime | None,
    QueryParameter(description="Only rows changed at or after this time (ISO 8601; without a zone, UTC)."),
]
LimitParam = Annotated[
    int | None, QueryParameter(ge=1, le=MAX_LIMIT, description="At most this many rows (in no particular order).")
]

_FILE = ResponseSpec(
    data_container=bytes,
    description=(
        "The export, streamed: text/csv (with a header row), application/x-ndjson (one JSON object a line) or "
        "application/vnd.apache.parquet. Content-Disposition names the file."
    ),
    media_type="application/octet-stream",
    generate_examples=False,
)


class ExportController(Controller):
    path = "/v1/exports"
    tags = ["exports"]

    @get(
        "/{name:str}",
        opt=roles(*EXPORTERS),
        responses={200: _FILE, **problems(400, 401, 403, 404, 503)},
    )
    async def export(
        self,
        request: Request[Any, Any, Any],
        name: FromPath[str],
        actor: NamedDependency[Actor],
        settings: NamedDependency[Settings],
        ods_code: OdsFilter = None,
        region: RegionFilter = None,
        board_role: RoleFilter = None,
        updated_since: SinceFilter = None,
        limit: LimitParam = None,
    ) -> Stream:
        """Export a dataset you may see (directors, employment, qualifications, checks, assessments, appraisals,
        findings, references, returns, audit-events) as CSV, NDJSON or Parquet; the export is audited."""
        dataset, fmt = parse_name(name)
        filters = ExportFilters(ods_code, region, board_role, updated_since, limit)
        plan = plan_export(actor, dataset, fmt, filters)
        body = await _started(stream_export(request.app.state.session_factory, plan, settings))
        return Stream(
            body,
            media_type=fmt.media_type,
            headers={"Content-Disposition": plan.content_disposition(policy.today()), "Cache-Control": "no-store"},
        )


async def _started(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Read the first chunk before answering, so that a database failure is a problem response, not a cut file."""
    first = await anext(chunks, b"")  # an NDJSON export of no rows is empty
    return _prepend(first, chunks)


async def _prepend(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    yield first
    async for chunk in rest:
        yield chunk
