"""Bearer-token authentication: the token becomes a ``Principal`` on ``request.user`` (401 otherwise)."""

from typing import Any

import anyio
from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult, DefineMiddleware

from register.access.principal import Principal
from register.errors import Unauthenticated
from register.tokens import TokenError, TokenVerifier

# Paths that need no token: health probes, the API docs and the problem-type pages.
PUBLIC_PATHS = ["^/health/", "^/docs", "^/problems/"]


class BearerTokenMiddleware(AbstractAuthenticationMiddleware):
    """Verifies the bearer token against the trusted keys and reads the register claims."""

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("Send a bearer token: `Authorization: Bearer <token>`.")
        verifier: TokenVerifier = connection.app.state.token_verifier
        try:
            if verifier.uses_network:
                claims = await anyio.to_thread.run_sync(verifier.verify, token.strip())
            else:
                claims = verifier.verify(token.strip())
            principal = Principal.from_claims(claims)
        except (TokenError, ValueError) as exc:
            raise Unauthenticated(f"The bearer token was refused: {exc}.") from None
        return AuthenticationResult(user=principal, auth=claims)


def auth_middleware() -> DefineMiddleware:
    return DefineMiddleware(BearerTokenMiddleware, exclude=PUBLIC_PATHS)
