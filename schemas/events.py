"""The change feed: significant changes to directors' records, oldest first."""

import datetime as dt
import uuid
from typing import Any

from pydantic import Field

from schemas.common import Response


class EventRead(Response):
    """One significant change; a webhook delivers the same document as its body."""

    id: int = Field(description="The event's id: increasing, and the key receivers de-duplicate on.")
    type: str = Field(
        description="What happened, e.g. `finding.recorded`, `appointment.ended`.", examples=["finding.recorded"]
    )
    occurred_at: dt.datetime = Field(description="When the change was made.")
    director_id: uuid.UUID = Field(description="The director the change is about.")
    record_type: str = Field(description="The kind of record changed, e.g. `finding`.")
    record_id: str = Field(description="The changed record's id; read it through its own path.")
    payload: dict[str, Any] = Field(description="A few facts about the change (never check evidence or health data).")


class EventPage(Response):
    """A page of the feed. Keep `cursor` and pass it as `after` next time to read only what is new."""

    items: list[EventRead] = Field(description="Events after your cursor that you may see, oldest first.")
    cursor: str = Field(description="Your position after this page: send it as `after` to resume, now or later.")
    next: str | None = Field(
        default=None, description="URL of the next page when more events can be read at once; absent when caught up."
    )
