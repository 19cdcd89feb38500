"""The audit trail: auditors list its events and verify its hash chain; trust HR users and directors list their
own actions (reading it is itself audited)."""

import datetime as dt
import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from api.guards import roles
from api.openapi import problems
from api.pagination import Cursor, Limit, page_response
from api.params import OdsCodeParam, aware
from register.access import policy
from register.access.principal import Actor, Role
from register.audit import service
from register.settings import Settings
from schemas.audit import AuditEventRead, AuditVerification
from schemas.common import Page

ActorFilter = Annotated[
    str | None,
    QueryParameter(
        name="actor", pattern=r"^[\w.@:+-]{1,200}$", description="Only events by this user (the token's `sub`)."
    ),
]
OrgFilter = Annotated[
    OdsCodeParam | None,
    QueryParameter(name="org", description="Only events by users of this trust (ODS code)."),
]
DirectorFilter = Annotated[uuid.UUID | None, QueryParameter(description="Only events about this director.")]
ActionFilter = Annotated[
    str | None,
    QueryParameter(pattern=r"^[a-z][a-z0-9_.]{0,59}$", description="Only this action, e.g. `director.read`."),
]
FromFilter = Annotated[
    dt.datetime | None,
    QueryParameter(name="from", description="Events at or after this time (ISO 8601; no zone means UTC)."),
]
ToFilter = Annotated[
    dt.datetime | None,
    QueryParameter(name="to", description="Events before this time (ISO 8601; no zone means UTC)."),
]


class AuditController(Controller):
    path = "/v1/audit"
    tags = ["audit"]

    @get("/events", opt=roles(Role.AUDITOR), responses=problems(400, 401, 403))
    async def list_audit_events(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        limit: Limit = 50,
        cursor: Cursor = None,
        actor_sub: ActorFilter = None,
        org: OrgFilter = None,
        director_id: DirectorFilter = None,
        action: ActionFilter = None,
        occurred_from: FromFilter = None,
        occurred_to: ToFilter = None,
    ) -> Response[Page[AuditEventRead]]:
        """List audit events, oldest first, by who acted, their trust, the director, the action or time (auditors)."""
        criteria = service.EventFilter(
            actor_sub=actor_sub,
            org=org.upper() if org else None,
            director_id=director_id,
            action=action,
            occurred_from=aware(occurred_from),
            occurred_to=aware(occurred_to),
        )
        items, next_cursor = await service.list_events(session, actor, criteria, limit=limit, cursor=cursor)
        return page_response(request, [AuditEventRead.from_sealed(i) for i in items], next_cursor)

    @get("/verify", opt=roles(Role.AUDITOR), responses=problems(401, 403))
    async def verify_audit_trail(
        self,
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        settings: NamedDependency[Settings],
    ) -> AuditVerification:
        """Seal finished events into the hash chain, then recompute the whole chain and report the first break."""
        report = await service.verify_trail(session, actor, seal_batch=settings.audit_seal_batch)
        return AuditVerification.from_report(report)


class MyActionsController(Controller):
    path = "/v1/me/audit-events"
    tags = ["me"]

    @get("/", opt=roles(*policy.OWN_ACTIONS_ROLES), responses=problems(400, 401, 403))
    async def list_my_actions(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        limit: Limit = 50,
        cursor: Cursor = None,
        director_id: DirectorFilter = None,
        action: ActionFilter = None,
        occurred_from: FromFilter = None,
        occurred_to: ToFilter = None,
    ) -> Response[Page[AuditEventRead]]:
        """Your own actions in the audit trail, oldest first, by director, action or time (trust HR users, and
        directors such as chairs and SIDs). Auditors read everyone's at /v1/audit/events."""
        criteria = service.EventFilter(
            director_id=director_id,
            action=action,
            occurred_from=aware(occurred_from),
            occurred_to=aware(occurred_to),
        )
        items, next_cursor = await service.list_own_events(session, actor, criteria, limit=limit, cursor=cursor)
        return page_response(request, [AuditEventRead.from_sealed(i) for i in items], next_cursor)
