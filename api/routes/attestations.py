"""Self-attestations: the director signs their own; the trust, regulators and auditors read them."""

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import etag
from api.guards import roles
from api.openapi import problems
from api.pagination import Cursor, Limit, page_response
from api.params import READERS
from register.access.principal import Actor, Role
from register.attestations import service
from schemas.attestations import AttestationCreate, AttestationRead
from schemas.common import Page


class AttestationController(Controller):
    path = "/v1/directors/{director_id:uuid}/attestations"
    tags = ["attestations"]

    @get("/", opt=roles(*READERS), responses=problems(400, 401, 403, 404))
    async def list_attestations(
        self,
        request: Request[Any, Any, Any],
        director_id: FromPath[uuid.UUID],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> Response[Page[AttestationRead]]:
        """List a director's signed attestations, newest first."""
        items, next_cursor = await service.list_attestations(session, actor, director_id, limit=limit, cursor=cursor)
        return page_response(request, [AttestationRead.from_signed(i) for i in items], next_cursor)

    @post(
        "/",
        opt=roles(
            Role.DIRECTOR,
            refused="The self-attestation is signed by the director themselves, signed in with their own director "
            "token; nobody signs it for them.",
        ),
        responses=problems(400, 401, 403, 404, 409, 415, 422),
    )
    async def sign_attestation(
        self,
        director_id: FromPath[uuid.UUID],
        data: JSONBody[AttestationCreate],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> Response[AttestationRead]:
        """Sign your annual self-attestation (the director, own record only). It supersedes your previous one."""
        signed = await service.sign_attestation(
            session,
            actor,
            director_id,
            year=data.year,
            answers=data.answer_map(),
            no_change_since_last_year=data.no_change_since_last_year,
        )
        body = AttestationRead.from_signed(signed)
        return Response(
            body,
            status_code=201,
            headers={"ETag": etag(body.version), "Location": f"/v1/directors/{director_id}/attestations/{body.id}"},
        )

    @get("/{attestation_id:uuid}", opt=roles(*READERS), responses=problems(400, 401, 403, 404))
    async def get_attestation(
        self,
        director_id: FromPath[uuid.UUID],
        attestation_id: FromPath[uuid.UUID],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> Response[AttestationRead]:
        """Read one signed attestation."""
        signed = await service.get_attestation(session, actor, director_id, attestation_id)
        body = AttestationRead.from_signed(signed)
        return Response(body, headers={"ETag": etag(body.version)})
