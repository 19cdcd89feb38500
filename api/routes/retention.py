"""Recorded erasure: a regulator erases a director's record, by the same path as the retention rule."""

import datetime as dt
import uuid

from litestar import Controller, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from api.guards import roles
from api.openapi import problems
from register.access.principal import Actor, Role
from register.retention.models import ErasureBasis
from register.retention.service import erase_director
from schemas.common import Request
from schemas.common import Response as ResponseModel


class ErasureCreate(Request):
    """Why the record is erased (kept on the tombstone; never in the audit trail)."""

    reason: str = Field(
        min_length=3,
        max_length=500,
        description="The decision behind the erasure, e.g. a reference to a granted erasure request. No names.",
    )


class ErasureRead(ResponseModel):
    """The tombstone: all the register keeps about an erased director."""

    director_id: uuid.UUID
    erased_on: dt.date
    basis: ErasureBasis
    reason: str
    erased_by: str = Field(description="Subject of the user (or system job) that erased the record.")


class ErasureController(Controller):
    path = "/v1/directors/{director_id:uuid}/erasure"
    tags = ["retention"]

    @post("/", opt=roles(Role.REGULATOR), responses=problems(400, 401, 403, 404, 409, 415))
    async def record_erasure(
        self,
        director_id: FromPath[uuid.UUID],
        data: JSONBody[ErasureCreate],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> Response[ErasureRead]:
        """Erase a director's whole record now (regulators); refused while a finding about them is open."""
        tombstone = await erase_director(
            session, actor, director_id, basis=ErasureBasis.RECORDED_ERASURE, reason=data.reason
        )
        return Response(ErasureRead.model_validate(tombstone), status_code=201)
