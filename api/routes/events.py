"""The change feed: significant changes to the directors a caller may see, in order and resumable."""

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from api.guards import roles
from api.openapi import problems
from api.pagination import Limit
from api.params import READERS
from register.access.principal import Actor
from register.monitoring import feed
from register.monitoring.outbox import event_document
from schemas.events import EventPage, EventRead

After = Annotated[
    str | None,
    QueryParameter(
        max_length=200,
        description="The `cursor` of your last page: only events after it are returned (leave out to start).",
    ),
]


class EventController(Controller):
    path = "/v1/events"
    tags = ["monitoring"]

    @get("/", opt=roles(*READERS), responses=problems(400, 401, 403))
    async def list_events(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        after: After = None,
        limit: Limit = 100,
    ) -> Response[EventPage]:
        """Read the change feed: events about the directors you may see, oldest first, after your cursor."""
        page = await feed.list_events(session, actor, after=after, limit=limit)
        next_url = None
        headers: dict[str, str] = {}
        if page.more:
            params = {k: v for k, v in request.query_params.items() if k != "after"}
            params["after"] = page.cursor
            next_url = str(request.url.with_replacements(query=urlencode(params)))
            headers["Link"] = f'<{next_url}>; rel="next"'
        body = EventPage(
            items=[EventRead.model_validate(event_document(e)) for e in page.events],
            cursor=page.cursor,
            next=next_url,
        )
        return Response(body, headers=headers)
