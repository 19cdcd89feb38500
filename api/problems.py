"""The one place where errors become RFC 9457 problem responses (``application/problem+json``)."""

import datetime as dt
import logging
from typing import Any

import asyncpg
from litestar import Request, Response
from litestar.background_tasks import BackgroundTask
from litestar.exceptions import (
    HTTPException,
    InternalServerException,
    MethodNotAllowedException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from register.access.principal import Actor, Principal
from register.audit.service import record_refused
from register.errors import NotFound, RegisterError
from schemas.common import date_problem, describe_object

log = logging.getLogger("register.api")

MEDIA_TYPE = "application/problem+json"
_STANDARD_MEMBERS = frozenset({"type", "title", "status", "detail", "instance", "request_id"})
TYPE_PREFIX = "/problems/"

# Every problem type the API sends, with its status and title: also served as documentation at /problems/{slug}.
PROBLEM_TYPES: dict[str, tuple[int, str, str]] = {}


def _register_types() -> None:
    def walk(cls: type[RegisterError]) -> None:
        PROBLEM_TYPES.setdefault(cls.slug, (cls.status, cls.title, (cls.__doc__ or "").strip()))
        for sub in cls.__subclasses__():
            walk(sub)

    walk(RegisterError)
    PROBLEM_TYPES.update(
        {
            "validation-error": (
                400,
                "The request is not valid",
                "A field, parameter or header failed validation.",
            ),
            "method-not-allowed": (405, "Method not allowed", "This path does not support that HTTP method."),
            "payload-too-large": (413, "Request body too large", "The request body exceeds the size limit."),
            "too-many-requests": (429, "Too many requests", "Slow down and retry after the time given."),
            "internal-error": (
                500,
                "Internal error",
                "An unexpected error; quote the request id when reporting it.",
            ),
        }
    )


_register_types()


def problem_response(
    request: Request[Any, Any, Any],
    *,
    status: int,
    slug: str,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
    background: BackgroundTask | None = None,
) -> Response[dict[str, Any]]:
    """Build the problem document; extension members carry ids and field errors (never the standard members)."""
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    request_id = request.scope.get("state", {}).get("request_id")
    if request_id:
        body["request_id"] = request_id
    body.update({k: v for k, v in (extensions or {}).items() if v is not None and k not in _STANDARD_MEMBERS})
    return Response(content=body, status_code=status, media_type=MEDIA_TYPE, headers=headers, background=background)


def handle_register_error(request: Request[Any, Any, Any], exc: RegisterError) -> Response[dict[str, Any]]:
    headers = {"WWW-Authenticate": 'Bearer realm="register"'} if exc.status == 401 else None
    extensions = {k: str(v) if not isinstance(v, int | str | list | dict) else v for k, v in exc.extensions.items()}
    return problem_response(
        request,
        status=exc.status,
        slug=exc.slug,
        title=exc.title,
        detail=exc.detail,
        headers=headers,
        extensions=extensions,
        background=_security_event(request) if isinstance(exc, NotFound) else None,
    )


def _security_event(request: Request[Any, Any, Any]) -> BackgroundTask | None:
    """Record a 404 to an authenticated caller as a security event, once the answer is sent (docs/audit.md)."""
    principal = request.scope.get("user")
    if not isinstance(principal, Principal):
        return None
    purpose = request.headers.get("x-purpose")
    actor = Actor(
        principal=principal,
        request_id=request.scope.get("state", {}).get("request_id"),
        purpose=purpose[:200] if purpose and purpose.isprintable() else None,
    )
    return BackgroundTask(
        record_refused, request.app.state.session_factory, actor, method=request.method, path=request.url.path
    )


def _field_errors(request: Request[Any, Any, Any], extra: Any) -> list[dict[str, Any]]:
    body_model = _body_model(request)
    errors: list[dict[str, Any]] = []
    for item in extra if isinstance(extra, list) else []:
        if isinstance(item, dict):
            key, source = item.get("key"), item.get("source")
            message = str(item.get("message", "is not valid")).removeprefix("Value error, ")
            if key == "data" and source == "body" and message == "'data'":
                # Litestar's way of saying that the handler takes a body and none was sent.
                wanted = describe_object(body_model) if body_model else "a JSON object"
                key, message = None, f"the request has no body; send {wanted}"
            elif source in ("query", "path") and isinstance(key, str):
                key, message = _parameter_error(request, key, source, message)
            elif source is None and body_model is not None:
                source = "body"  # errors of the body model name no source of their own
            errors.append({"field": key, "message": message, "source": source})
    return errors


def _body_model(request: Request[Any, Any, Any]) -> type[BaseModel] | None:
    """The schema of the handler's JSON body, if it takes one."""
    data = request.route_handler.parsed_fn_signature.parameters.get("data")
    model = data.annotation if data is not None else None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _parameter_error(request: Request[Any, Any, Any], key: str, source: str, message: str) -> tuple[str, str]:
    """The parameter's name as the caller sends it, and the date and time rules in the same words as for bodies."""
    parameter = request.route_handler.parsed_fn_signature.parameters.get(key)
    if parameter is None:
        return key, message
    kwarg = parameter.kwarg_definition
    name = getattr(kwarg, "query", None) or getattr(kwarg, "name", None) or key
    types = {t.annotation for t in parameter.inner_types} if parameter.is_union else {parameter.annotation}
    if types & {dt.date, dt.datetime}:
        raw = request.query_params.get(name) if source == "query" else request.path_params.get(name)
        message = date_problem(raw, with_time=dt.datetime in types)
    return name, message


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    status = exc.status_code
    if isinstance(exc, ValidationException):
        errors = _field_errors(request, exc.extra)
        summary = "; ".join(f"{e['field'] or e['source'] or 'request'}: {e['message']}" for e in errors[:5])
        detail = f"The request is not valid: {summary}." if summary else "The request is not valid."
        return problem_response(
            request,
            status=400,
            slug="validation-error",
            title="The request is not valid",
            detail=detail,
            extensions={"errors": errors or None},
        )
    if isinstance(exc, NotAuthorizedException):
        return problem_response(
            request,
            status=401,
            slug="unauthenticated",
            title="Authentication required",
            detail=exc.detail or "Send a valid bearer token in the Authorization header.",
            headers={"WWW-Authenticate": 'Bearer realm="register"'},
        )
    if isinstance(exc, PermissionDeniedException):
        return problem_response(
            request,
            status=403,
            slug="forbidden",
            title="Not allowed for your role",
            detail=exc.detail or "Your role may not use this operation.",
        )
    if isinstance(exc, NotFoundException):
        return problem_response(
            request, status=404, slug="not-found", title="Not found", detail="There is nothing at this path."
        )
    if isinstance(exc, MethodNotAllowedException):
        return problem_response(
            request,
            status=405,
            slug="method-not-allowed",
            title="Method not allowed",
            detail=f"{request.method} is not supported on this path.",
            headers=dict(exc.headers or {}),
        )
    if status == 413:
        limit = request.app.state.settings.request_max_body_bytes
        return problem_response(
            request,
            status=413,
            slug="payload-too-large",
            title="Request body too large",
            detail=f"The request body is larger than this service accepts: at most {limit:,} bytes ({_size(limit)}).",
            extensions={"max_body_bytes": limit},
        )
    if status == 429:
        return problem_response(
            request,
            status=429,
            slug="too-many-requests",
            title="Too many requests",
            detail=exc.detail or "Too many requests; retry later.",
            headers=dict(exc.headers or {}),
        )
    if isinstance(exc, InternalServerException) and "disconnected" in str(exc.detail or ""):
        # The client went away mid-body (e.g. a load generator stopping): nothing was done, nobody is listening.
        log.info("client disconnected before sending its whole request")
        return problem_response(
            request,
            status=400,
            slug="malformed-request",
            title="The request could not be read",
            detail="The client disconnected before sending the whole request.",
        )
    if 400 <= status < 500:
        return problem_response(
            request,
            status=status,
            slug="malformed-request",
            title="The request could not be read",
            detail=_client_detail(exc),
        )
    return handle_unexpected(request, exc)


def _size(n: int) -> str:
    return f"{n / 1_048_576:g} MiB" if n >= 1_048_576 else f"{n / 1024:g} KiB"


def _client_detail(exc: HTTPException) -> str:
    text = str(exc.detail or "")
    if "decod" in text.lower() or "json" in text.lower():
        return "The request body is not valid JSON."
    return text or "The request could not be read."


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    """Database outages become 503, integrity errors 409; anything else is a logged 500 with no internals."""
    if isinstance(exc, IntegrityError):
        return problem_response(
            request,
            status=409,
            slug="conflict",
            title="Conflict with the current state",
            detail="The change conflicts with a record already on the register; read the current state and retry.",
        )
    if _is_outage(exc):
        log.warning("database unavailable: %s", type(exc).__name__)
        return problem_response(
            request,
            status=503,
            slug="unavailable",
            title="Service temporarily unavailable",
            detail="The register's database cannot be reached just now; retry shortly.",
            headers={"Retry-After": "5"},
        )
    log.exception("unexpected error", extra={"request_id": request.scope.get("state", {}).get("request_id")})
    return problem_response(
        request,
        status=HTTP_500_INTERNAL_SERVER_ERROR,
        slug="internal-error",
        title="Internal error",
        detail="Something went wrong on our side; nothing was changed. Quote the request id if you report it.",
    )


# Driver errors that mean the database went away or is (re)starting, wherever they sit in the cause chain:
# SQLAlchemy wraps asyncpg's exception in its adapter's Error (``DBAPIError.orig``), whose ``__cause__`` it is.
_OUTAGE_CAUSES = (
    OSError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.InterfaceError,
    # A pooled connection whose server died mid-statement is left in a broken protocol state.
    asyncpg.exceptions.InternalClientError,
)


def _is_outage(exc: BaseException) -> bool:
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeoutError | ConnectionError | TimeoutError):
        return True
    cause: BaseException | None = exc
    for _ in range(5):
        if cause is None:
            return False
        if isinstance(cause, _OUTAGE_CAUSES):
            return True
        cause = getattr(cause, "orig", None) or cause.__cause__
    return False


EXCEPTION_HANDLERS: Any = {
    RegisterError: handle_register_error,
    HTTPException: handle_http_exception,
    Exception: handle_unexpected,
}
