"""Liveness and readiness probes (no authentication)."""

from typing import Any

import sqlalchemy as sa
from litestar import Controller, Request, get
from litestar.datastructures import State
from pydantic import BaseModel

from api.openapi import problems
from register.errors import Unavailable


class Health(BaseModel):
    status: str


class HealthController(Controller):
    path = "/health"
    tags = ["health"]

    @get("/live", exclude_from_auth=True, sync_to_thread=False)
    def live(self) -> Health:
        """The process is up (does not touch the database)."""
        return Health(status="ok")

    @get("/ready", exclude_from_auth=True, responses=problems(503))
    async def ready(self, state: State, request: Request[Any, Any, Any]) -> Health:
        """The service can reach its database."""
        try:
            async with state.engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
        except Exception:
            raise Unavailable("The register's database cannot be reached.") from None
        return Health(status="ready")
