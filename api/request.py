"""Reading JSON request bodies: a parse error says where it is, and nesting depth is bounded."""

from typing import Any

import msgspec
from litestar import Request
from litestar.types import Empty

from register.errors import JsonTooDeep, MalformedRequest

# The deepest body the API takes is a few levels (a reference's answers); anything far deeper is an attack
# on the decoder, which would otherwise exhaust Python's recursion limit.
MAX_JSON_DEPTH = 32


class RegisterRequest(Request[Any, Any, Any]):
    """Litestar's request, with the register's JSON decoding."""

    async def json(self) -> Any:
        state = self._connection_state
        if state.json is Empty:
            state.json = parse_json(await self.body())
        return state.json


def parse_json(body: bytes) -> Any:
    """The decoded body, or a 400 problem saying what failed and where (line, column and byte offset)."""
    try:
        value = msgspec.json.decode(body or b"null")
    except msgspec.DecodeError as exc:
        raise _parse_error(body, str(exc)) from None
    except RecursionError:
        raise _too_deep() from None
    # Cheap test first: a body with fewer brackets than the limit cannot be nested deeper than it.
    if body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH and _deeper_than(value, MAX_JSON_DEPTH):
        raise _too_deep()
    return value


def _too_deep() -> JsonTooDeep:
    return JsonTooDeep(
        f"The request body nests arrays and objects more than {MAX_JSON_DEPTH} levels deep; "
        "no request of this API needs more than a few.",
        max_depth=MAX_JSON_DEPTH,
    )


def _parse_error(body: bytes, message: str) -> MalformedRequest:
    reason, _, offset = message.removeprefix("JSON is malformed: ").partition(" (byte ")
    if reason == "Input data was truncated":
        at = len(body)
        reason = "it ends before the JSON is complete (is a closing quote, bracket or brace missing?)"
    else:
        at = int(offset.rstrip(")")) if offset.rstrip(")").isdigit() else 0
    line_start = body.rfind(b"\n", 0, at) + 1
    line = body.count(b"\n", 0, at) + 1
    column = len(body[line_start:at].decode("utf-8", "replace")) + 1
    return MalformedRequest(
        f"The request body could not be parsed as JSON: {reason}, at line {line}, column {column} (byte {at}).",
        line=line,
        column=column,
        byte=at,
    )


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays and objects in ``value`` nest more than ``limit`` levels (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False
