"""Record history."""

import datetime as dt
from typing import Any

from pydantic import Field

from schemas.common import Response


class VersionRead(Response):
    """One version of one record in a director's file."""

    record_type: str = Field(description="director, registration, qualification, employment, gap_explanation, ...")
    record_id: str
    version: int
    change: str = Field(description="created, updated or withdrawn.")
    changed_by: str = Field(description="Subject of the user who made the change.")
    changed_at: dt.datetime
    data: dict[str, Any] = Field(description="The record as it stood after this change.")
