"""Bearer-token authentication and the route's role check, one ASGI middleware in front of every API route.

The token becomes a ``Principal`` on ``request.user`` (401 otherwise), and the caller's role must be one the
route declares (403 otherwise; api/guards.py). Both run before anything else of the request, and as plain ASGI:
Litestar's authentication middleware and route guards cost a hot read about a tenth of its time (measured,
docs/benchmarks.md).
"""

import re
from typing import Any

import anyio
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from api.guards import authorize
from register.access.principal import Principal
from register.errors import Unauthenticated
from register.tokens import TokenError, TokenVerifier

# Open to anyone: routes declared with ``exclude_from_auth`` (health probes, problem types) and the API docs.
DOCS_PATH = re.compile(r"^/docs(?:/|$)")


def auth_middleware(verifier: TokenVerifier) -> Any:
    """ASGI middleware factory: authenticate the bearer token with ``verifier``, then check the route's roles."""

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            handler = scope["route_handler"]
            public = handler.opt.get("exclude_from_auth") or DOCS_PATH.match(scope["path"])
            if scope["type"] == ScopeType.HTTP and not public:
                principal, claims = await authenticate(verifier, _authorization(scope))
                scope["user"] = principal
                scope["auth"] = claims
                authorize(principal, handler)
            await app(scope, receive, send)

        return middleware

    return factory


async def authenticate(verifier: TokenVerifier, header: str) -> tuple[Principal, dict[str, Any]]:
    """The principal and claims of a valid ``Authorization: Bearer`` header; 401 for anything else."""
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("Send a bearer token: `Authorization: Bearer <token>`.")
    try:
        claims = verifier.cached(token)
        if claims is None:
            # Keys from a JWKS URL may need fetching, which blocks: off the event loop.
            claims = (
                await anyio.to_thread.run_sync(verifier.verify, token)
                if verifier.uses_network
                else verifier.verify(token)
            )
        return Principal.from_claims(claims), claims
    except (TokenError, ValueError) as exc:
        raise Unauthenticated(f"The bearer token was refused: {exc}.") from None


def _authorization(scope: Scope) -> str:
    for key, value in scope["headers"]:
        if key == b"authorization":
            return str(value.decode("latin-1"))
    return ""
