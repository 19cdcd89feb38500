"""Shared schema pieces: the base config, pages and problem details."""

import datetime as dt
import uuid
from typing import Any, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

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


class Withdrawal(Request):
    """Withdraw a record entered in error; it leaves current views and stays in the history."""

    reason: str = Field(min_length=3, max_length=500, description="Why the record is withdrawn.")


_withdrawn_views: dict[type[BaseModel], type[BaseModel]] = {}


def withdrawn_view(read: type[BaseModel]) -> type[BaseModel]:
    """``read`` with the withdrawal shown: what a withdraw answers (the current views no longer list the record)."""
    if read not in _withdrawn_views:
        _withdrawn_views[read] = create_model(
            f"Withdrawn{read.__name__}",
            __base__=read,
            __doc__=f"{(read.__doc__ or read.__name__).strip()} Withdrawn: it has left the current views and stays "
            "in the history with its reason.",
            withdrawn=(bool, Field(default=True, description="Always true: the record is withdrawn.")),
            withdrawn_at=(dt.datetime, Field(description="When it was withdrawn.")),
            withdrawn_reason=(str, Field(description="Why it was withdrawn, as given.")),
        )
    return _withdrawn_views[read]


class Verification(Request):
    """Whether an item was checked against its source, by whom and when."""

    verified: bool = Field(default=False, description="Checked against the issuing body's own record.")
    verified_by: str | None = Field(default=None, max_length=200, description="Who checked it.")
    verified_on: dt.date | None = Field(default=None, description="When it was checked.")

    @model_validator(mode="after")
    def _verification_complete(self) -> Self:
        if self.verified and (not self.verified_by or self.verified_on is None):
            raise ValueError("a verified item needs verified_by and verified_on")
        if self.verified_on is not None and self.verified_on > dt.date.today():
            raise ValueError("verified_on cannot be in the future")
        return self


class StatementRead(Response):
    """The director's own statement, shown beside the record it answers."""

    id: uuid.UUID
    about_record_type: str | None = Field(default=None, description="Empty for a statement about the whole file.")
    about_record_id: str | None = None
    text: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class PartRead(Response):
    """Fields every part of a director's file has."""

    id: uuid.UUID
    version: int = Field(description="Current version; also the ETag.")
    created_at: dt.datetime
    updated_at: dt.datetime
    statements: list[StatementRead] = Field(
        default_factory=list, description="The director's statements in reply to this record."
    )
