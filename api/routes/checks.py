"""FPPT checks: trust HR records them; regulators, auditors, the director and their chair read them."""

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import etag
from api.guards import roles
from api.openapi import problems
from api.pagination import Cursor, Limit, page_response
from api.params import READERS, AsOf, OdsPath, aware
from register.access.principal import Actor, Role
from register.checks import service
from register.checks.models import CheckType
from register.errors import InvalidInput
from schemas.checks import (
    WITHIN_PATTERN,
    AnyCheckRead,
    CheckCreate,
    CheckRead,
    DueCheckRead,
    MitigationCreate,
    parse_within,
)
from schemas.common import Page


class CheckController(Controller):
    path = "/v1/directors/{director_id:uuid}/checks"
    tags = ["checks"]

    @get("/", opt=roles(*READERS), responses=problems(400, 401, 403, 404))
    async def list_checks(
        self,
        request: Request[Any, Any, Any],
        director_id: FromPath[uuid.UUID],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        limit: Limit = 50,
        cursor: Cursor = None,
        check_type: Annotated[CheckType | None, QueryParameter(description="Only this type of check.")] = None,
        current: Annotated[bool, QueryParameter(description="Only the current (newest) result of each type.")] = False,
    ) -> Response[Page[AnyCheckRead]]:
        """List a director's check results, newest first."""
        rows, next_cursor = await service.list_checks(
            session, actor, director_id, limit=limit, cursor=cursor, check_type=check_type, current_only=current
        )
        return page_response(request, [CheckRead.from_check(r) for r in rows], next_cursor)

    @post("/", opt=roles(Role.TRUST_HR), responses=problems(400, 401, 403, 404, 415, 422))
    async def record_check(
        self,
        director_id: FromPath[uuid.UUID],
        data: JSONBody[CheckCreate],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> Response[AnyCheckRead]:
        """Record the result of an FPPT check (trust HR). DBS and medical clearance: outcome and date only."""
        row = await service.record_check(session, actor, director_id, data.to_domain())
        return Response(
            CheckRead.from_check(row),
            status_code=201,
            headers={"ETag": etag(row.version), "Location": f"/v1/directors/{director_id}/checks/{row.id}"},
        )

    @get("/{check_id:uuid}", opt=roles(*READERS), responses=problems(400, 401, 403, 404))
    async def get_check(
        self,
        director_id: FromPath[uuid.UUID],
        check_id: FromPath[uuid.UUID],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        as_of: AsOf = None,
    ) -> Response[AnyCheckRead]:
        """Read one check result, now or as of a past time."""
        data = await service.get_check(session, actor, director_id, check_id, as_of=aware(as_of))
        return Response(CheckRead.from_check(data), headers={"ETag": etag(data["version"])})

    @post(
        "/{check_id:uuid}/mitigation",
        status_code=200,
        opt=roles(Role.TRUST_HR),
        responses=problems(400, 401, 403, 404, 412, 415, 422, 428),
    )
    async def record_mitigation(
        self,
        director_id: FromPath[uuid.UUID],
        check_id: FromPath[uuid.UUID],
        data: JSONBody[MitigationCreate],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        expected_version: NamedDependency[int],
    ) -> Response[AnyCheckRead]:
        """Record how a concern is mitigated, so that a sign-off may rely on the check (If-Match)."""
        row = await service.record_mitigation(
            session,
            actor,
            director_id,
            check_id,
            expected_version=expected_version,
            mitigation=data.mitigation,
            mitigated_on=data.mitigated_on,
        )
        return Response(CheckRead.from_check(row), headers={"ETag": etag(row.version)})


class DueChecksController(Controller):
    path = "/v1/organisations/{ods_code:str}/checks"
    tags = ["checks"]

    @get("/due", opt=roles(*READERS), responses=problems(400, 401, 403, 404))
    async def due_checks(
        self,
        request: Request[Any, Any, Any],
        ods_code: OdsPath,
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        within: Annotated[
            str,
            QueryParameter(
                pattern=WITHIN_PATTERN, description="How far ahead to look, in days or weeks: 30d (default), 4w."
            ),
        ] = "30d",
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> Response[Page[DueCheckRead]]:
        """Overdue, soon-due, not-done and missing checks of the organisation's current board."""
        try:
            days = parse_within(within)
        except ValueError as exc:
            raise InvalidInput(f"{exc}.") from None
        items, next_cursor = await service.due_checks(
            session, actor, ods_code, within_days=days, limit=limit, cursor=cursor
        )
        return page_response(request, [DueCheckRead.from_due_item(i) for i in items], next_cursor)
