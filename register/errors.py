"""The one family of domain errors; ``api/problems.py`` turns them into RFC 9457 responses."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar


class RegisterError(Exception):
    """Base of every error the register reports to a caller."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class InvalidInput(RegisterError):
    """A parameter or header that is malformed in a way the schema cannot express."""

    status = 400
    slug = "invalid-input"
    title = "Invalid input"


class InvalidField(RegisterError):
    """A request field the schema accepts but the register refuses on a rule the schema cannot see (settings)."""

    status = 400
    slug = "validation-error"
    title = "The request is not valid"

    def __init__(self, field: str, message: str, *, source: str = "body") -> None:
        super().__init__(
            f"The request is not valid: {field}: {message}.",
            errors=[{"field": field, "message": message, "source": source}],
        )


class MalformedRequest(RegisterError):
    """The request body could not be read: it is not valid JSON, or similar."""

    status = 400
    slug = "malformed-request"
    title = "The request could not be read"


class JsonTooDeep(MalformedRequest):
    """The request body nests arrays and objects deeper than the register accepts."""

    slug = "json-too-deep"
    title = "The JSON is nested too deeply"


class Unauthenticated(RegisterError):
    """No valid bearer token."""

    status = 401
    slug = "unauthenticated"
    title = "Authentication required"


class Forbidden(RegisterError):
    """Authenticated, but the caller's role may not use this operation."""

    status = 403
    slug = "forbidden"
    title = "Not allowed for your role"


class NotFound(RegisterError):
    """The record does not exist, or the caller may not see it (the two are never told apart)."""

    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(RegisterError):
    """The change clashes with the current state of the register."""

    status = 409
    slug = "conflict"
    title = "Conflict with the current state"


class DuplicateDirector(Conflict):
    """The person appears to be on the register already."""

    slug = "duplicate-director"
    title = "This person may already be on the register"


class PreconditionFailed(RegisterError):
    """The ``If-Match`` version is not the current one."""

    status = 412
    slug = "stale-version"
    title = "The record has changed since you read it"


class PreconditionRequired(RegisterError):
    """A change was sent without ``If-Match``."""

    status = 428
    slug = "if-match-required"
    title = "If-Match header required"


class RuleViolation(RegisterError):
    """Well-formed input that breaks a rule of the register or the FPPT framework."""

    status = 422
    slug = "rule-violation"
    title = "The change breaks a register rule"


class DirectorBarred(RuleViolation):
    """A barring decision in force forbids the appointment."""

    slug = "director-barred"
    title = "The director is barred from board appointments"


@dataclass(frozen=True)
class Breach:
    """One rule a proposed change breaks: its name, the sentence shown to the caller, ids for a client."""

    rule: str
    detail: str
    extensions: dict[str, Any] = field(default_factory=dict)
    error: type[RuleViolation] = RuleViolation


def refuse(breaches: Sequence[Breach]) -> None:
    """Raise for every rule broken at once: the first breach (the most serious, as the caller ordered them)
    gives the problem its type and detail, and ``violations`` lists them all, so a person fixes everything in
    one go instead of meeting each rule in turn."""
    if not breaches:
        return
    first, rest = breaches[0], breaches[1:]
    detail = first.detail if not rest else f"{first.detail} Also: " + " ".join(b.detail for b in rest)
    extensions: dict[str, Any] = {}
    for breach in reversed(breaches):  # the first breach's ids win where two share a name
        extensions.update(breach.extensions)
    violations = [{"rule": b.rule, "detail": b.detail, **b.extensions} for b in breaches]
    raise first.error(detail, **extensions, violations=violations)


class UnsupportedMediaType(RegisterError):
    """A request body in a format other than JSON."""

    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


class Unavailable(RegisterError):
    """The database cannot be reached."""

    status = 503
    slug = "unavailable"
    title = "Service temporarily unavailable"


class IdempotencyKeyReused(RuleViolation):
    """An ``Idempotency-Key`` sent again with a different request (method, path or body)."""

    slug = "idempotency-key-reused"
    title = "Idempotency-Key already used for another request"


class IdempotencyKeyInUse(Conflict):
    """A request with the same ``Idempotency-Key`` is still being processed."""

    slug = "idempotency-key-in-use"
    title = "A request with this Idempotency-Key is in progress"
