"""The director's statements."""

import uuid
from typing import Self

from pydantic import Field, model_validator

from register.statements.service import StatementEntry
from schemas.common import PartRead, Request


class StatementCreate(Request):
    """A statement by the director, about one record in their file or the file as a whole."""

    text: str = Field(min_length=1, max_length=5000, description="The director's own words.")
    about_record_type: str | None = Field(
        default=None,
        max_length=40,
        pattern=r"^[a-z_]+$",
        description="finding, assessment, check, reference, employment, ...; empty for the whole file.",
    )
    about_record_id: uuid.UUID | None = Field(default=None, description="The id of that record.")

    @model_validator(mode="after")
    def _both_or_neither(self) -> Self:
        if (self.about_record_type is None) != (self.about_record_id is None):
            raise ValueError("give both about_record_type and about_record_id, or neither for the whole file")
        return self

    def to_domain(self) -> StatementEntry:
        return StatementEntry(**self.model_dump())


class StatementRevision(Request):
    """New wording for a statement."""

    text: str = Field(min_length=1, max_length=5000)


class StatementFull(PartRead):
    """A statement."""

    about_record_type: str | None = None
    about_record_id: str | None = None
    text: str
