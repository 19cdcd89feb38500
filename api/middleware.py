"""Plain ASGI middleware: request ids and the headers every response carries, refusing request bodies that are not
JSON, and control characters in query and path parameters."""

import re
from typing import Any
from urllib.parse import parse_qsl

from litestar.enums import ScopeType
from litestar.exceptions import ValidationException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import new_request_id
from register.errors import UnsupportedMediaType
from register.text import control_character_problem

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_JSON = re.compile(r"^application/(?:[\w.+-]+\+)?json\s*(?:;.*)?$", re.IGNORECASE)
_BODY_METHODS = {"POST", "PUT", "PATCH"}


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    """Give every request an id: the caller's ``X-Request-ID`` when well-formed, else a new one."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            given = _header(scope, b"x-request-id")
            request_id = given if given and _REQUEST_ID.match(given) else new_request_id()
            scope.setdefault("state", {})["request_id"] = request_id
        await app(scope, receive, send)

    return middleware


# On every response: browsers must not guess a content type (a JSON or CSV body is never run as HTML or script),
# and a link followed from a page of ours sends no URL (they hold director ids) to the next site.
_ALWAYS = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"))
# Every /v1 response may carry personal data (or, for a problem, say whether a record exists): no cache, shared or
# private, may keep it. Health probes, problem pages and the API docs are public and stay cacheable.
_PERSONAL_PREFIX = "/v1/"
_NO_STORE = (b"cache-control", b"no-store")
# Served over https (directly, or behind a proxy that reports the scheme): browsers keep to https for a year.
_HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


async def add_response_headers(message: Message, scope: Scope) -> None:
    """``before_send`` hook: every response, problems, replays and streams included, carries the request id and
    the security headers (docs/reliability.md, "Probes from outside")."""
    if message["type"] != "http.response.start":
        return
    headers = list(message.get("headers", []))
    request_id = scope.get("state", {}).get("request_id")
    if request_id:
        headers.append((b"x-request-id", request_id.encode()))
    headers.extend(_ALWAYS)
    if scope.get("path", "").startswith(_PERSONAL_PREFIX):
        # ``no-store`` wins over whatever a handler set: one rule for every personal-data response.
        headers = [h for h in headers if h[0].lower() != b"cache-control"]
        headers.append(_NO_STORE)
    if scope.get("scheme") == "https":
        headers.append(_HSTS)
    message["headers"] = headers


def json_body_middleware(app: ASGIApp) -> ASGIApp:
    """415 for a request body that is not declared as JSON (the API takes nothing else)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and scope.get("method") in _BODY_METHODS:
            length = _header(scope, b"content-length")
            has_body = (length not in (None, "0")) or _header(scope, b"transfer-encoding") is not None
            content_type = _header(scope, b"content-type")
            if has_body and not (content_type and _JSON.match(content_type)):
                raise UnsupportedMediaType("Send the request body as JSON with `Content-Type: application/json`.")
        await app(scope, receive, send)

    return middleware


def parameter_text_middleware(app: ASGIApp) -> ASGIApp:
    """400 naming the parameter when a query or path parameter holds a control character (PostgreSQL refuses
    NUL, and no parameter is multi-line); runs after routing, so path parameters are known by name. Only the
    API proper (``/v1``) is checked: the health probes and problem pages never pass text on to the database."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and scope["path"].startswith("/v1/"):
            errors = [
                {"key": name, "message": problem, "source": source}
                for name, value, source in _parameters(scope)
                if (problem := control_character_problem(value, multi_line=False))
            ]
            if errors:
                raise ValidationException(detail="Control characters in parameters", extra=errors)
        await app(scope, receive, send)

    return middleware


def _parameters(scope: Scope) -> list[tuple[str, str, str]]:
    found = [(str(k), v, "path") for k, v in (scope.get("path_params") or {}).items() if isinstance(v, str)]
    query = scope.get("query_string") or b""
    if query:
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True, encoding="utf-8"):
            found += [(name, name, "query"), (name, value, "query")]
    return found


def _header(scope: Scope, name: bytes) -> str | None:
    headers: Any = scope.get("headers", [])
    for key, value in headers:
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None
