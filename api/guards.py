"""Route guards: the roles a route admits are declared on the route as ``opt={"roles": ...}``."""

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from register.access.principal import Principal, Role
from register.errors import Forbidden

ALL_ROLES = frozenset(Role)


async def requires_role(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """403 unless the caller's role is one the route declares (routes without a declaration admit none).

    Public routes (health, problem types, the API docs) skip authentication, so they have no user: they are
    open by design and need no role.
    """
    if handler.opt.get("exclude_from_auth") or "user" not in connection.scope:
        return
    roles: frozenset[Role] = handler.opt.get("roles", frozenset())
    principal = connection.user
    if not isinstance(principal, Principal) or principal.role not in roles:
        allowed = ", ".join(sorted(r.value for r in roles)) or "no role"
        raise Forbidden(f"This operation is for {allowed}.")


def roles(*allowed: Role) -> dict[str, Any]:
    """Route options declaring who may call it: ``@get(..., opt=roles(Role.REGULATOR))``."""
    return {"roles": frozenset(allowed)}
