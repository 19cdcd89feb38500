"""``Idempotency-Key`` on POST: a retry is answered from the first response and changes nothing.

An ASGI middleware (after authentication) owns the request's transaction when the header is sent:

1. it reads the body (within the body limit), takes a transaction-scoped advisory lock on (caller, key) so that
   concurrent retries run one after the other, and looks the key up;
2. a live record for the same request by the same principal (sub, role, organisation, director id) is replayed;
   one for a different request, or made for another principal of the same ``sub``, is a 422 problem;
3. otherwise the handler runs inside that same transaction (``provide_db`` gives the request's database that
   session instead of opening its own), the response is held back, and a 2xx response is stored with the request's own
   changes in one commit before it is sent. Anything else is rolled back and sent as it is, so a failed
   request can be retried with the same key.

See docs/reliability.md for why the transaction is opened here rather than in a hook.
"""

from dataclasses import dataclass, field
from typing import Any, cast

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.exceptions import ClientException
from litestar.openapi.spec import Operation, Parameter, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import IDEMPOTENCY_SESSION
from register.access.principal import Principal
from register.idempotency import service
from register.idempotency.models import IdempotencyRecord

HEADER = "Idempotency-Key"
# The response headers a replay repeats (the request id and the like are the retry's own).
REPLAYED_HEADERS = {"content-type": "Content-Type", "location": "Location", "etag": "ETag"}
REPLAY_MARKER = (b"idempotent-replayed", b"true")


def idempotency_middleware(app: ASGIApp) -> ASGIApp:
    """Make a POST with ``Idempotency-Key`` safe to retry (see the module docstring)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        principal = scope.get("user")
        raw_key = _header(scope, b"idempotency-key") if scope["type"] == ScopeType.HTTP else None
        if scope.get("method") != "POST" or raw_key is None or not isinstance(principal, Principal):
            await app(scope, receive, send)
            return
        key = service.validate_key(raw_key)
        litestar_app: Litestar = scope["litestar_app"]
        body = await _read_body(scope, receive, litestar_app.state.settings.request_max_body_bytes)
        path = scope["path"] + (f"?{scope['query_string'].decode('latin-1')}" if scope.get("query_string") else "")
        request = service.fingerprint("POST", path, body)
        response = _HeldResponse()
        async with litestar_app.state.session_factory() as session:
            try:
                await service.lock_key(session, principal.sub, key)
                stored = await service.find_response(session, principal, key, request)
                if stored is not None:
                    session.expunge(stored)  # keep its loaded values through the rollback
                    await session.rollback()
                    await _replay(stored, send)
                    return
                await _run_in(session, app, scope, _receive_again(body, receive), response.send)
                if response.succeeded:
                    await service.record_response(
                        session,
                        principal,
                        key,
                        request,
                        status=response.status,
                        headers=response.replayable_headers(),
                        body=response.body,
                    )
                    await session.commit()
                else:
                    await session.rollback()
            except BaseException:
                await session.rollback()
                raise
        # Sent only after the commit, as without the header: the caller never sees a response that was not kept.
        await response.send_to(send)

    return middleware


async def _run_in(session: AsyncSession, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    state = scope.setdefault("state", {})
    state[IDEMPOTENCY_SESSION] = session
    try:
        await app(scope, receive, send)
    finally:
        state.pop(IDEMPOTENCY_SESSION, None)


@dataclass
class _HeldResponse:
    """The handler's response, held until the transaction is committed."""

    messages: list[Message] = field(default_factory=list)
    status: int = 0
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")
        self.messages.append(message)

    @property
    def succeeded(self) -> bool:
        return 200 <= self.status < 300

    def replayable_headers(self) -> dict[str, str]:
        wanted: dict[str, str] = {}
        for name, value in self.headers:
            canonical = REPLAYED_HEADERS.get(name.decode("latin-1").lower())
            if canonical:
                wanted[canonical] = value.decode("latin-1")
        return wanted

    async def send_to(self, send: Send) -> None:
        for message in self.messages:
            await send(message)


async def _replay(record: IdempotencyRecord, send: Send) -> None:
    """Send the stored response again, marked ``Idempotent-Replayed: true``."""
    headers = [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in record.response_headers.items()
    ]
    headers += [(b"content-length", str(len(record.response_body)).encode()), REPLAY_MARKER]
    await send({"type": "http.response.start", "status": record.response_status, "headers": headers})
    await send({"type": "http.response.body", "body": record.response_body, "more_body": False})


async def _read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The whole request body, refused with 413 past ``limit`` bytes (the app's own limit, checked early)."""
    declared = _header(scope, b"content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ClientException(status_code=413, detail="Request body too large.")
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientException(status_code=400, detail="The client disconnected before sending the body.")
        chunk = cast("bytes", message.get("body", b""))
        size += len(chunk)
        if size > limit:
            raise ClientException(status_code=413, detail="Request body too large.")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _receive_again(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the already-read body to the app, then defers to the real one (disconnects)."""
    sent = False

    async def replaying() -> Any:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replaying


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


IDEMPOTENCY_KEY_PARAMETER = Parameter(
    name=HEADER,
    param_in="header",
    required=False,
    description=(
        "Makes the request safe to retry: a retry with the same key and body within 24 hours gets the first "
        "response again (marked `Idempotent-Replayed: true`) and changes nothing; the same key with a different "
        "request, or with a token of the same user for another role or organisation, is a 422. 1 to 255 printable "
        "ASCII characters, e.g. a UUID; keys are scoped to the caller."
    ),
    schema=Schema(type=OpenAPIType.STRING, min_length=1, max_length=255, pattern="^[ -~]{1,255}$"),
)


@dataclass
class IdempotentOperation(Operation):
    """An OpenAPI operation that also documents the ``Idempotency-Key`` header."""

    def __post_init__(self) -> None:
        self.parameters = [*(self.parameters or []), IDEMPOTENCY_KEY_PARAMETER]


def document_idempotency_key(app: Litestar) -> None:
    """Declare ``Idempotency-Key`` in the OpenAPI document of every POST route (the middleware serves them all)."""
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                if "POST" in handler.http_methods and handler.resolve_include_in_schema():
                    handler.operation_class = IdempotentOperation
