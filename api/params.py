"""Route parameters and role sets that several route modules share, so that no route imports another."""

import datetime as dt
from typing import Annotated

from litestar.params import PathParameter, QueryParameter

from register.access.principal import Role

READERS = (Role.TRUST_HR, Role.REGULATOR, Role.AUDITOR, Role.DIRECTOR)

AsOf = Annotated[
    dt.datetime | None,
    QueryParameter(description="Read the record as it stood at this time (ISO 8601; UTC when no zone is given)."),
]
PartAsOf = Annotated[
    dt.datetime | None,
    QueryParameter(description="Read the part as it stood at this time (ISO 8601; UTC when no zone is given)."),
]
DirectorAsOf = Annotated[
    dt.datetime | None,
    QueryParameter(description="Read the record as it stood at this time (ISO 8601 with a time zone)."),
]
OdsPath = Annotated[
    str,
    PathParameter(min_length=3, max_length=5, pattern=r"^[A-Za-z0-9]{3,5}$", description="ODS code, e.g. RJ1."),
]


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """A time without a zone is read as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value
