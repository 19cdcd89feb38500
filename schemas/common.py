"""Shared schema pieces: the base config, pages and problem details."""

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Request(BaseModel):
    """Base of request bodies: unknown fields are refused, surrounding spaces trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Response(BaseModel):
    """Base of response bodies."""

    model_config = ConfigDict(from_attributes=True)


class Page(Response, Generic[T]):
    """One page of a list; follow ``next`` (also sent as a ``Link: rel="next"`` header) for the rest."""

    items: list[T] = Field(description="The records on this page.")
    next: str | None = Field(default=None, description="URL of the next page, absent on the last page.")


class FieldError(BaseModel):
    """One invalid field of a request."""

    field: str | None = Field(default=None, description="Where the problem is, e.g. `appointment.start_date`.")
    message: str = Field(description="What is wrong with it.")
    source: str | None = Field(default=None, description="body, query, path or header.")


class Problem(BaseModel):
    """An RFC 9457 problem detail, sent as `application/problem+json`."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="Stable URI of the problem type, e.g. `/problems/not-found`.")
    title: str = Field(description="Short summary of the problem type.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong in this case and what to do about it.")
    instance: str | None = Field(default=None, description="The request path.")
    request_id: str | None = Field(default=None, description="Quote this when asking for help.")
    errors: list[FieldError] | None = Field(default=None, description="Invalid fields, for validation problems.")


def problem_example(**extra: Any) -> dict[str, Any]:
    return {"type": "/problems/not-found", "title": "Not found", "status": 404, "detail": "...", **extra}
