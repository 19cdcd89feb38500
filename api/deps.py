"""Dependency providers: the request's database, the acting principal, conditional-request headers."""

import re
import uuid
from collections.abc import AsyncGenerator
from typing import Annotated, Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import HeaderParameter
from sqlalchemy.ext.asyncio import AsyncSession

from register.access.principal import Actor, Principal
from register.db import Database
from register.errors import InvalidInput, PreconditionFailed, PreconditionRequired, Unauthenticated
from register.settings import Settings

# Where api/idempotency.py leaves the transaction it opened, in the ASGI scope's state.
IDEMPOTENCY_SESSION = "idempotency_session"
_PURPOSE = re.compile(r"^[^\x00-\x1f\x7f]{1,200}$")
_ETAG = re.compile(r'^(?:W/)?"?(\d{1,9})"?$')

PurposeHeader = Annotated[
    str | None,
    HeaderParameter(
        name="X-Purpose",
        required=False,
        max_length=200,
        description="Why you are reading or changing this record; kept in the audit trail.",
    ),
]
IfMatchHeader = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        required=False,
        max_length=40,
        description="The ETag from your last read of the record.",
    ),
]


# The providers a handler takes beside ``actor`` take it as a parameter although they do not use it: Litestar
# resolves the dependencies of one depth concurrently, in a task group, which costs a hot request more than these
# providers do (about 80 µs, measured; docs/benchmarks.md). Depending on ``actor`` orders them after it.


async def provide_db(
    state: State, request: Request[Any, Any, Any], actor: NamedDependency[Actor]
) -> AsyncGenerator[Database, None]:
    """The request's database: its session opens on first use, one transaction per request, committed after the
    handler and rolled back if anything raised; a one-statement request runs on the app's connections with no
    transaction block. For a POST with ``Idempotency-Key`` both use the transaction api/idempotency.py opened,
    which commits it together with the stored response (or rolls it back when the response is not a success)."""
    db = Database(state.session_factory, state.connections, _idempotency_session(request))
    try:
        yield db
    except BaseException:
        await db.finish(failed=True)
        raise
    else:
        await db.finish(failed=False)


async def provide_session(db: NamedDependency[Database]) -> AsyncSession:
    """The request's session (see :func:`provide_db`): for the handlers that work through the ORM."""
    return await db.session()


def _idempotency_session(request: Request[Any, Any, Any]) -> AsyncSession | None:
    """The transaction api/idempotency.py opened for a POST with ``Idempotency-Key``, if any."""
    session: AsyncSession | None = request.scope.get("state", {}).get(IDEMPOTENCY_SESSION)
    return session


def provide_settings(state: State, actor: NamedDependency[Actor]) -> Settings:
    """The settings the app was built with."""
    settings: Settings = state.settings
    return settings


async def provide_actor(request: Request[Any, Any, Any], purpose: PurposeHeader = None) -> Actor:
    """The authenticated caller with this request's id and stated purpose."""
    principal = request.user
    if not isinstance(principal, Principal):
        raise Unauthenticated("Send a bearer token: `Authorization: Bearer <token>`.")
    if purpose is not None and not _PURPOSE.match(purpose):
        raise InvalidInput("X-Purpose must be 1 to 200 printable characters.")
    return Actor(principal=principal, request_id=request.scope["state"].get("request_id"), purpose=purpose)


async def provide_expected_version(actor: NamedDependency[Actor], if_match: IfMatchHeader = None) -> int:
    """The version named by ``If-Match``: 428 when it is missing, 412 when it is not a version of ours."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(
            "Changes need an If-Match header with the ETag of your last read, so that nobody's change is lost."
        )
    match = _ETAG.match(if_match.strip())
    if match is None:
        raise PreconditionFailed("If-Match does not name a version of this record; read it again and use its ETag.")
    return int(match.group(1))


def etag(version: int) -> str:
    """The ETag of a record at ``version``."""
    return f'"{version}"'


def new_request_id() -> str:
    return uuid.uuid4().hex
