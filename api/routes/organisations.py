"""Organisations: every register user reads them; administrators add and change them."""

from typing import Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import etag
from api.guards import ALL_ROLES, roles
from api.openapi import problems
from api.pagination import Cursor, Limit, page_response
from api.params import OdsPath
from register.access.principal import Actor, Role
from register.identifiers import OrganisationKind, Region
from register.organisations import service
from schemas.common import Page
from schemas.organisations import OrganisationCreate, OrganisationRead, OrganisationUpdate


class OrganisationController(Controller):
    path = "/v1/organisations"
    tags = ["organisations"]

    @get("/", opt=roles(*ALL_ROLES), responses=problems(400, 401, 403))
    async def list_organisations(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        limit: Limit = 50,
        cursor: Cursor = None,
        region: FromQuery[Region | None] = None,
        kind: FromQuery[OrganisationKind | None] = None,
    ) -> Response[Page[OrganisationRead]]:
        """List organisations in ODS-code order, optionally by region or kind."""
        rows, next_cursor = await service.list_organisations(
            session, limit=limit, cursor=cursor, region=region, kind=kind
        )
        return page_response(request, [OrganisationRead.model_validate(r) for r in rows], next_cursor)

    @post("/", opt=roles(Role.ADMIN), responses=problems(400, 401, 403, 409, 415, 422))
    async def create_organisation(
        self,
        data: JSONBody[OrganisationCreate],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> Response[OrganisationRead]:
        """Add an organisation (administrators)."""
        org = await service.create_organisation(session, actor, **data.model_dump())
        return Response(OrganisationRead.model_validate(org), status_code=201, headers={"ETag": etag(org.version)})

    @get("/{ods_code:str}", opt=roles(*ALL_ROLES), responses=problems(400, 401, 403, 404))
    async def get_organisation(
        self, ods_code: OdsPath, session: NamedDependency[AsyncSession]
    ) -> Response[OrganisationRead]:
        """Read one organisation."""
        org = await service.get_organisation(session, ods_code)
        return Response(OrganisationRead.model_validate(org), headers={"ETag": etag(org.version)})

    @patch("/{ods_code:str}", opt=roles(Role.ADMIN), responses=problems(400, 401, 403, 404, 412, 415, 422, 428))
    async def update_organisation(
        self,
        ods_code: OdsPath,
        data: JSONBody[OrganisationUpdate],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        expected_version: NamedDependency[int],
    ) -> Response[OrganisationRead]:
        """Change an organisation's name, kind or region (administrators; needs If-Match)."""
        org = await service.update_organisation(
            session,
            actor,
            ods_code,
            expected_version=expected_version,
            changes=data.model_dump(exclude_unset=True),
        )
        return Response(OrganisationRead.model_validate(org), headers={"ETag": etag(org.version)})
