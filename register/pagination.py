"""Opaque cursors for keyset pagination."""

import base64
import json
import uuid
from typing import Any

from register.errors import InvalidInput


def encode_cursor(values: dict[str, Any]) -> str:
    """An opaque token for the position after the last item of a page."""
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, keys: tuple[str, ...]) -> dict[str, Any]:
    """The position a cursor stands for; a cursor not made by this service is a 400."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("the cursor is not one this service issued; start again without it") from None
    if not isinstance(values, dict) or set(values) != set(keys):
        raise InvalidInput("the cursor is not one this service issued; start again without it")
    return values


def cursor_uuid(cursor: str, key: str = "id") -> uuid.UUID:
    """The record id a cursor points after; a cursor not made by this service is a 400."""
    try:
        return uuid.UUID(str(decode_cursor(cursor, (key,))[key]))
    except ValueError:
        raise InvalidInput("the cursor is not one this service issued; start again without it") from None
