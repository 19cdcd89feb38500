"""Webhook subscriptions: a trust's HR team registers receivers for changes to its directors' records."""

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import etag
from api.guards import roles
from api.openapi import problems
from api.pagination import Cursor, Limit, page_response
from register.access.principal import Actor, Role
from register.monitoring import subscriptions
from register.monitoring.models import DeliveryStatus
from register.settings import Settings
from schemas.common import Page
from schemas.subscriptions import DeliveryRead, SubscriptionCreate, SubscriptionCreated, SubscriptionRead

StatusFilter = Annotated[DeliveryStatus | None, QueryParameter(description="Only deliveries in this state.")]


class SubscriptionController(Controller):
    path = "/v1/subscriptions"
    tags = ["monitoring"]

    @post("/", opt=roles(Role.TRUST_HR), responses=problems(400, 401, 403, 409, 415, 422))
    async def create_subscription(
        self,
        data: JSONBody[SubscriptionCreate],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        settings: NamedDependency[Settings],
    ) -> Response[SubscriptionCreated]:
        """Register a webhook for your organisation; the response shows the signing secret, once."""
        subscription = await subscriptions.create_subscription(
            session,
            actor,
            url=data.url,
            secret=data.secret,
            description=data.description,
            ods_code=data.ods_code,
            private_hosts=settings.webhook_private_hosts,
        )
        return Response(
            SubscriptionCreated.model_validate(subscription),
            status_code=201,
            headers={"ETag": etag(subscription.version), "Location": f"{self.path}/{subscription.id}"},
        )

    @get("/", opt=roles(Role.TRUST_HR), responses=problems(400, 401, 403))
    async def list_subscriptions(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> Response[Page[SubscriptionRead]]:
        """List your organisation's subscriptions, oldest first."""
        rows, next_cursor = await subscriptions.list_subscriptions(session, actor, limit=limit, cursor=cursor)
        return page_response(request, [SubscriptionRead.model_validate(r) for r in rows], next_cursor)

    @get("/{subscription_id:uuid}", opt=roles(Role.TRUST_HR), responses=problems(400, 401, 403, 404))
    async def get_subscription(
        self,
        subscription_id: FromPath[uuid.UUID],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> Response[SubscriptionRead]:
        """Read one of your organisation's subscriptions."""
        subscription = await subscriptions.get_subscription(session, actor, subscription_id)
        return Response(SubscriptionRead.model_validate(subscription), headers={"ETag": etag(subscription.version)})

    @post(
        "/{subscription_id:uuid}/deactivate",
        opt=roles(Role.TRUST_HR),
        status_code=200,
        responses=problems(400, 401, 403, 404, 409, 412, 428),
    )
    async def deactivate_subscription(
        self,
        subscription_id: FromPath[uuid.UUID],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        expected_version: NamedDependency[int],
    ) -> Response[SubscriptionRead]:
        """Stop a subscription (needs If-Match): nothing more is sent and owed deliveries are given up."""
        subscription = await subscriptions.deactivate_subscription(
            session, actor, subscription_id, expected_version=expected_version
        )
        return Response(SubscriptionRead.model_validate(subscription), headers={"ETag": etag(subscription.version)})

    @get("/{subscription_id:uuid}/deliveries", opt=roles(Role.TRUST_HR), responses=problems(400, 401, 403, 404))
    async def list_deliveries(
        self,
        request: Request[Any, Any, Any],
        subscription_id: FromPath[uuid.UUID],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        limit: Limit = 50,
        cursor: Cursor = None,
        status: StatusFilter = None,
    ) -> Response[Page[DeliveryRead]]:
        """List a subscription's deliveries, newest first, with every attempt's outcome."""
        rows, next_cursor = await subscriptions.list_deliveries(
            session, actor, subscription_id, limit=limit, cursor=cursor, status=status
        )
        return page_response(request, [DeliveryRead.from_delivery(r) for r in rows], next_cursor)
