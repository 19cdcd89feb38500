"""LCF appraisals (competency appraisal records): trust HR records and corrects them; the director, regulators and
auditors read them. The FPPT `appraisal` check is a check (api/routes/checks.py)."""

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import etag
from api.guards import roles
from api.openapi import problems
from api.pagination import Cursor, Limit, page_response
from api.params import READERS, AsOf, aware
from register.access.principal import Actor, Role
from register.appraisals import service
from schemas.appraisals import AppraisalCreate, AppraisalRead, AppraisalUpdate
from schemas.common import Page


class AppraisalController(Controller):
    path = "/v1/directors/{director_id:uuid}/appraisals"
    tags = ["appraisals"]

    @get("/", opt=roles(*READERS), responses=problems(400, 401, 403, 404))
    async def list_appraisals(
        self,
        request: Request[Any, Any, Any],
        director_id: FromPath[uuid.UUID],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> Response[Page[AppraisalRead]]:
        """List a director's LCF appraisals (competency appraisal records), newest first."""
        rows, next_cursor = await service.list_appraisals(session, actor, director_id, limit=limit, cursor=cursor)
        return page_response(request, [AppraisalRead.from_appraisal(r) for r in rows], next_cursor)

    @post("/", opt=roles(Role.TRUST_HR), responses=problems(400, 401, 403, 404, 409, 415, 422))
    async def record_appraisal(
        self,
        director_id: FromPath[uuid.UUID],
        data: JSONBody[AppraisalCreate],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> Response[AppraisalRead]:
        """Record a board member's LCF appraisal for a year (trust HR); one per year and organisation."""
        row = await service.record_appraisal(session, actor, director_id, fields=data.to_fields())
        return Response(
            AppraisalRead.from_appraisal(row),
            status_code=201,
            headers={"ETag": etag(row.version), "Location": f"/v1/directors/{director_id}/appraisals/{row.id}"},
        )

    @get("/{appraisal_id:uuid}", opt=roles(*READERS), responses=problems(400, 401, 403, 404))
    async def get_appraisal(
        self,
        director_id: FromPath[uuid.UUID],
        appraisal_id: FromPath[uuid.UUID],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        as_of: AsOf = None,
    ) -> Response[AppraisalRead]:
        """Read one LCF appraisal, now or as of a past time."""
        data = await service.get_appraisal(session, actor, director_id, appraisal_id, as_of=aware(as_of))
        return Response(AppraisalRead.from_appraisal(data), headers={"ETag": etag(data["version"])})

    @patch("/{appraisal_id:uuid}", opt=roles(Role.TRUST_HR), responses=problems(400, 401, 403, 404, 412, 415, 422, 428))
    async def update_appraisal(
        self,
        director_id: FromPath[uuid.UUID],
        appraisal_id: FromPath[uuid.UUID],
        data: JSONBody[AppraisalUpdate],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        expected_version: NamedDependency[int],
    ) -> Response[AppraisalRead]:
        """Correct an LCF appraisal (trust HR of the appraising organisation, If-Match)."""
        row = await service.update_appraisal(
            session, actor, director_id, appraisal_id, expected_version=expected_version, changes=data.changes()
        )
        return Response(AppraisalRead.from_appraisal(row), headers={"ETag": etag(row.version)})
