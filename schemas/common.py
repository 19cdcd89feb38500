"""Shared schema pieces: the base config, the wording of input errors, pages and problem details."""

import calendar
import datetime as dt
import re
import uuid
from collections.abc import Iterator
from typing import Any, Generic, Self, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    create_model,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from register.text import control_character_problem, shown

T = TypeVar("T")

DATE_RULE = "a date is written YYYY-MM-DD, e.g. 2024-04-01"
DATETIME_RULE = (
    "a time is written in ISO 8601 form YYYY-MM-DDTHH:MM:SS with its zone, e.g. 2024-04-01T09:30:00Z "
    "or 2024-04-01T10:30:00+01:00"
)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_UK_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[T ].*)?$")
_DATE_ERRORS = frozenset({"date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"})
_DATETIME_ERRORS = frozenset({"datetime_type", "datetime_parsing", "datetime_from_date_parsing"})


def json_kind(value: Any) -> str:
    """How a decoded JSON value is called in messages: "a JSON array", "null", ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    kinds = ((dict, "a JSON object"), (list, "a JSON array"), (str, "a string"), (int | float, "a number"))
    return next((name for kind, name in kinds if isinstance(value, kind)), "a value that is not JSON")


def date_problem(value: Any, *, with_time: bool = False) -> str:
    """The rule for dates (or times) and what is wrong with ``value``."""
    rule = DATETIME_RULE if with_time else DATE_RULE
    if not isinstance(value, str):
        return f"{rule}; got {json_kind(value)}"
    if iso := _ISO_DATE.match(value):
        year, month, day = (int(g) for g in iso.groups())
        if not 1 <= month <= 12:
            return f"{rule}; {shown(value)} has month {month}, which is not between 1 and 12"
        days = calendar.monthrange(year, month)[1]
        if not 1 <= day <= days:
            return f"{rule}; {shown(value)} has day {day}, but {calendar.month_name[month]} {year} has {days} days"
    elif uk := _UK_DATE.match(value):
        day, month, year = (int(g) for g in uk.groups())
        try:
            meant = dt.date(year, month, day)
        except ValueError:
            return f"{rule}; {shown(value)} is not in that form, and is not a day/month/year date either"
        written = f"{meant.isoformat()}T00:00:00Z" if with_time else meant.isoformat()
        return f"{rule}; {shown(value)} is day/month/year: for {meant:%-d %B %Y} write {written}"
    return f"{rule}; {shown(value)} is not in that form"


def describe_object(model: type[BaseModel]) -> str:
    """The JSON object ``model`` expects, in words: its required fields, then the optional ones."""
    required = [name for name, f in model.model_fields.items() if f.is_required()]
    optional = [name for name, f in model.model_fields.items() if not f.is_required()]
    if not required:
        return f"a JSON object with any of the fields {', '.join(optional)}"
    text = f"a JSON object with the fields {', '.join(required)}"
    return text + (f" (required) and {', '.join(optional)} (optional)" if optional else "")


def _control_characters(value: Any, loc: tuple[str | int, ...] = ()) -> Iterator[InitErrorDetails]:
    """An error for every string (or object key) in ``value`` that holds a refused control character."""
    if isinstance(value, str):
        if problem := control_character_problem(value):
            yield {"type": PydanticCustomError("control_character", problem), "loc": loc, "input": value}
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _control_characters(key, (*loc, str(key)))
            yield from _control_characters(item, (*loc, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _control_characters(item, (*loc, index))


def _reworded(error: Any) -> InitErrorDetails:
    """Pydantic's error, or one in our words for dates and times."""
    if error["type"] in _DATE_ERRORS | _DATETIME_ERRORS:
        message = date_problem(error["input"], with_time=error["type"] in _DATETIME_ERRORS)
        return {"type": PydanticCustomError("date_format", message), "loc": error["loc"], "input": error["input"]}
    details: InitErrorDetails = {"type": error["type"], "loc": error["loc"], "input": error["input"]}
    if "ctx" in error:
        details["ctx"] = error["ctx"]
    return details


class Request(BaseModel):
    """Base of request bodies: unknown fields are refused, surrounding spaces trimmed, control characters refused,
    and errors worded for people (a JSON object is expected, dates are YYYY-MM-DD)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="wrap")
    @classmethod
    def _checked_input(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        if not isinstance(data, dict | BaseModel):
            problem = f"expected {describe_object(cls)}; got {json_kind(data)}"
            raise ValidationError.from_exception_data(
                cls.__name__, [{"type": PydanticCustomError("object_expected", problem), "loc": (), "input": data}]
            )
        if isinstance(data, dict) and (errors := list(_control_characters(data))):
            raise ValidationError.from_exception_data(cls.__name__, errors)
        try:
            return handler(data)
        except ValidationError as exc:
            raised = exc.errors()
            if not any(e["type"] in _DATE_ERRORS | _DATETIME_ERRORS for e in raised):
                raise
            raise ValidationError.from_exception_data(exc.title, [_reworded(e) for e in raised]) from None


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
    line: int | None = Field(default=None, description="JSON that does not parse: the line of the error.")
    column: int | None = Field(default=None, description="JSON that does not parse: the column (in characters).")
    byte: int | None = Field(default=None, description="JSON that does not parse: the offset in bytes.")
    max_depth: int | None = Field(default=None, description="JSON nested too deeply: the most levels accepted.")
    max_body_bytes: int | None = Field(default=None, description="Body too large: the most bytes accepted.")


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
