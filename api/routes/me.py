"""Who am I: the caller as the register sees them."""

import uuid

from litestar import Controller, get
from litestar.di import NamedDependency
from pydantic import BaseModel, Field

from api.guards import ALL_ROLES, roles
from api.openapi import problems
from register.access.principal import Actor, Role


class Me(BaseModel):
    """The authenticated caller."""

    sub: str = Field(description="Subject of the token.")
    role: Role
    org: str | None = Field(default=None, description="ODS code of a trust HR user's organisation.")
    director_id: uuid.UUID | None = Field(default=None, description="A director's own register id.")


class MeController(Controller):
    path = "/v1/me"
    tags = ["me"]

    @get("/", opt=roles(*ALL_ROLES), responses=problems(401))
    async def me(self, actor: NamedDependency[Actor]) -> Me:
        """Who the register takes you to be."""
        p = actor.principal
        return Me(sub=p.sub, role=p.role, org=p.org, director_id=p.director_id)
