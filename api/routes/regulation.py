"""Findings and barring (regulators and trusts), the barred list, and the director's statements."""

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.types import ControllerRouterHandler
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import etag
from api.guards import roles
from api.openapi import problems
from api.pagination import Cursor, Limit, page_response
from api.parts import part_router
from register.access.principal import Actor, Role
from register.findings import service as findings
from register.statements import service as statements
from schemas.common import Page
from schemas.findings import BarredDirector, FindingCreate, FindingRead, FindingTransition
from schemas.statements import StatementCreate, StatementFull, StatementRevision

finding_routes = part_router(
    segment="findings",
    kind=findings.FINDINGS,
    create=FindingCreate,
    update=None,
    read=FindingRead,
    writers=(Role.TRUST_HR, Role.REGULATOR),
)
statement_routes = part_router(
    segment="statements",
    kind=statements.STATEMENTS,
    create=StatementCreate,
    update=StatementRevision,
    read=StatementFull,
    writers=(Role.DIRECTOR,),
)


class FindingTransitionController(Controller):
    path = "/v1/directors/{director_id:uuid}/findings/{finding_id:uuid}"
    tags = ["findings and barring"]

    @post(
        "/transitions",
        opt=roles(Role.TRUST_HR, Role.REGULATOR),
        status_code=200,
        responses=problems(400, 401, 403, 404, 409, 412, 415, 422, 428),
    )
    async def move_finding(
        self,
        director_id: FromPath[uuid.UUID],
        finding_id: FromPath[uuid.UUID],
        data: JSONBody[FindingTransition],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        expected_version: NamedDependency[int],
    ) -> Response[FindingRead]:
        """Move a finding to its next status (reported → under investigation → upheld / not upheld → ...)."""
        finding = await findings.move_finding(
            session,
            actor,
            director_id,
            finding_id,
            expected_version=expected_version,
            to=data.status,
            on=data.on,
            note=data.note,
        )
        return Response(FindingRead.model_validate(finding), headers={"ETag": etag(finding.version)})


class BarredController(Controller):
    path = "/v1/barred"
    tags = ["findings and barring"]

    @get("/", opt=roles(Role.TRUST_HR, Role.REGULATOR, Role.AUDITOR), responses=problems(400, 401, 403))
    async def list_barred(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> Response[Page[BarredDirector]]:
        """Directors with a barring decision in force today."""
        rows, next_cursor = await findings.list_active_bars(session, actor, limit=limit, cursor=cursor)
        items = [
            BarredDirector(
                director_id=d.id,
                given_name=d.given_name,
                family_name=d.family_name,
                date_of_birth=d.date_of_birth,
                finding_id=f.id,
                bar_start=f.bar_start,
                bar_end=f.bar_end,
                decision_reference=f.decision_reference,
            )
            for f, d in rows
        ]
        return page_response(request, items, next_cursor)


REGULATION_ROUTES: list[ControllerRouterHandler] = [
    finding_routes,
    FindingTransitionController,
    BarredController,
    statement_routes,
]
