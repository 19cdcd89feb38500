"""Role rules: the roles a route admits are declared on the route as ``opt={"roles": ...}``."""

from typing import Any

from litestar.handlers.base import BaseRouteHandler

from register.access import policy
from register.access.principal import Principal, Role
from register.errors import Forbidden

ALL_ROLES = frozenset(Role)


def authorize(principal: Principal, handler: BaseRouteHandler) -> None:
    """403 unless the caller's role is one the route declares (routes without a declaration admit none)."""
    allowed: frozenset[Role] = handler.opt.get("roles", frozenset())
    if not policy.can_call(principal, allowed):
        refused: str | None = handler.opt.get("refused")
        if refused:
            raise Forbidden(refused)
        names = ", ".join(sorted(r.value for r in allowed)) or "no role"
        raise Forbidden(f"This operation is for {names}.")


def roles(*allowed: Role, refused: str | None = None) -> dict[str, Any]:
    """Route options declaring who may call it: ``@get(..., opt=roles(Role.REGULATOR))``; ``refused`` is the
    403's text for everyone else when the role's name alone would not tell them who does it and how."""
    return {"roles": frozenset(allowed), **({"refused": refused} if refused else {})}
