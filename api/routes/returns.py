"""Annual FPPT returns: the trust and its chair see theirs, the chair submits it; regulators follow them all."""

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import etag
from api.guards import roles
from api.openapi import problems
from api.pagination import Cursor, Limit
from api.params import READERS, OdsPath
from register.access.principal import Actor, Role
from register.identifiers import Region
from register.returns import service
from schemas.returns import AnnualReturnRead, ReturnsOverview, ReturnSubmit


class OrganisationReturnController(Controller):
    path = "/v1/organisations/{ods_code:str}/returns"
    tags = ["returns"]

    @get("/{year:int}", opt=roles(*READERS), responses=problems(400, 401, 403, 404, 422))
    async def get_return(
        self,
        ods_code: OdsPath,
        year: FromPath[int],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        version: Annotated[
            int | None, QueryParameter(ge=1, description="An earlier submission; default the newest.")
        ] = None,
        live: Annotated[
            bool, QueryParameter(description="Build it from the register now, even after a submission.")
        ] = False,
    ) -> Response[AnnualReturnRead]:
        """The organisation's annual return: as submitted once it is, else as the register stands now.

        Every board member in post during the year, their assessment status and outcome, and what is missing.
        The ETag is the newest submission's version ("0" before the first): send it as If-Match to submit.
        """
        view = await service.get_return(session, actor, ods_code, year, version=version, live=live)
        return Response(AnnualReturnRead.from_view(view), headers={"ETag": etag(view.latest_version)})

    @post(
        "/{year:int}/submit",
        opt=roles(
            Role.DIRECTOR,
            refused="The annual return is submitted by the organisation's chair, signed in with their own director "
            "token.",
        ),
        responses=problems(400, 401, 403, 404, 412, 415, 422, 428),
    )
    async def submit_return(
        self,
        ods_code: OdsPath,
        year: FromPath[int],
        data: JSONBody[ReturnSubmit],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        expected_version: NamedDependency[int],
    ) -> Response[AnnualReturnRead]:
        """Submit the return with the chair's declaration (the chair, If-Match). It is then frozen."""
        view = await service.submit_return(
            session, actor, ods_code, year, expected_version=expected_version, declaration=data.declaration
        )
        return Response(
            AnnualReturnRead.from_view(view),
            status_code=201,
            headers={
                "ETag": etag(view.version),
                "Location": f"/v1/organisations/{view.ods_code}/returns/{year}?version={view.version}",
            },
        )


class ReturnsOverviewController(Controller):
    path = "/v1/returns"
    tags = ["returns"]

    @get("/", opt=roles(Role.REGULATOR, Role.AUDITOR), responses=problems(400, 401, 403, 422))
    async def returns_overview(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        year: Annotated[int, QueryParameter(description="The return year.")],
        region: Annotated[Region | None, QueryParameter(description="Only organisations in this region.")] = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> Response[ReturnsOverview]:
        """Returns across organisations: submitted or not, outcome counts, completion; national and regional totals."""
        overview = await service.returns_overview(session, actor, year=year, region=region, limit=limit, cursor=cursor)
        headers: dict[str, str] = {}
        next_url = None
        if overview.next_cursor is not None:
            params = {k: v for k, v in request.query_params.items() if k != "cursor"}
            params["cursor"] = overview.next_cursor
            next_url = str(request.url.with_replacements(query=urlencode(params)))
            headers["Link"] = f'<{next_url}>; rel="next"'
        return Response(ReturnsOverview.from_overview(overview, next_url), headers=headers)
