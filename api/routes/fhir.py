"""A director's record as a FHIR R4 Bundle, for systems that speak FHIR (e.g. an ESR or a workforce system)."""

import uuid
from typing import Any

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from api.guards import roles
from api.openapi import problems
from register.access.principal import Actor, Role
from register.fhir import director_bundle

FHIR_JSON = "application/fhir+json"


class FhirController(Controller):
    path = "/v1/directors/{director_id:uuid}/fhir"
    tags = ["directors"]

    @get(
        "/",
        opt=roles(Role.TRUST_HR, Role.REGULATOR, Role.AUDITOR, Role.DIRECTOR),
        media_type=FHIR_JSON,
        responses=problems(400, 401, 403, 404),
    )
    async def director_fhir(
        self, director_id: FromPath[uuid.UUID], session: NamedDependency[AsyncSession], actor: NamedDependency[Actor]
    ) -> Response[dict[str, Any]]:
        """The director's current record as a FHIR R4 Bundle: Practitioner, PractitionerRoles, Organizations."""
        return Response(await director_bundle(session, actor, director_id), media_type=FHIR_JSON)
