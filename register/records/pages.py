"""Keyset pages: every list of the register answers one page at a time, after an opaque cursor.

:func:`keyset_page` runs a list's query for one page and makes the next page's cursor; a cursor this service did
not make is a 400 with one message, whichever list it was sent to.
"""

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from register.errors import InvalidInput

NOT_OUR_CURSOR = "the cursor is not one this service issued; start again without it"


def encode_cursor(values: dict[str, Any]) -> str:
    """An opaque token for the position after the last item of a page."""
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, keys: tuple[str, ...]) -> dict[str, Any]:
    """The values a cursor stands for; a cursor not made by this service is a 400."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput(NOT_OUR_CURSOR) from None
    if not isinstance(values, dict) or set(values) != set(keys):
        raise InvalidInput(NOT_OUR_CURSOR)
    return values


def _uuid(value: Any) -> uuid.UUID:
    return uuid.UUID(str(value))


def position(value: Any) -> int:
    """A cursor's position in an append-only sequence (audit events, versions, the change feed)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError("not a position")
    return value


def cursor_uuid(cursor: str, key: str = "id") -> uuid.UUID:
    """The record id a cursor points after; a cursor not made by this service is a 400."""
    try:
        return uuid.UUID(str(decode_cursor(cursor, (key,))[key]))
    except ValueError:
        raise InvalidInput(NOT_OUR_CURSOR) from None


@dataclass(frozen=True)
class Keyset:
    """How a list pages: the column it is ordered by (unique), which way, and the cursor's one key."""

    column: Any
    descending: bool = False
    cursor_key: str = "id"
    parse: Callable[[Any], Any] = _uuid


async def keyset_page(
    session: AsyncSession,
    query: "sa.Select[*tuple[Any, ...]]",
    keyset: Keyset,
    *,
    limit: int,
    cursor: str | None,
    scalars: bool = True,
) -> tuple[list[Any], str | None]:
    """One page of ``query`` after ``cursor``, in the keyset's order, and the cursor of the next page (None on the
    last). ``scalars``: the rows are the query's first entity, else whole rows (tuples) whose first item carries
    the key."""
    column = keyset.column
    query = query.order_by(column.desc() if keyset.descending else column).limit(limit + 1)
    if cursor:
        after = _after(cursor, keyset)
        query = query.where(column < after if keyset.descending else column > after)
    result = await session.execute(query)
    rows = list(result.scalars()) if scalars else list(result.all())
    more = len(rows) > limit
    rows = rows[:limit]
    if not more or not rows:
        return rows, None
    last = rows[-1] if scalars else rows[-1][0]
    value = getattr(last, column.key) if not isinstance(last, int | str | uuid.UUID) else last
    return rows, encode_cursor({keyset.cursor_key: value})


def _after(cursor: str, keyset: Keyset) -> Any:
    try:
        return keyset.parse(decode_cursor(cursor, (keyset.cursor_key,))[keyset.cursor_key])
    except (ValueError, TypeError):
        raise InvalidInput(NOT_OUR_CURSOR) from None
