"""Cursor pagination on the wire: ``?cursor=&limit=``, a ``next`` URL in the body and a ``Link`` header."""

from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.params import QueryParameter

from schemas.common import Page

T = TypeVar("T")

Limit = Annotated[int, QueryParameter(ge=1, le=200, description="Items per page (at most 200).")]
Cursor = Annotated[str | None, QueryParameter(max_length=500, description="The `next` cursor from the previous page.")]


def page_response(request: Request[Any, Any, Any], items: list[T], next_cursor: str | None) -> Response[Page[T]]:
    """A page with its ``next`` link; the link keeps the caller's filters and limit."""
    next_url = None
    headers: dict[str, str] = {}
    if next_cursor is not None:
        params = {k: v for k, v in request.query_params.items() if k != "cursor"}
        params["cursor"] = next_cursor
        next_url = str(request.url.with_replacements(query=urlencode(params)))
        headers["Link"] = f'<{next_url}>; rel="next"'
    return Response(Page[T](items=items, next=next_url), headers=headers)
