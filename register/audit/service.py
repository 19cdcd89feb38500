"""Writing, reading and verifying the audit trail. Every function here runs inside the caller's transaction."""

import datetime as dt
import logging
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from register.access import policy
from register.access.principal import Actor
from register.audit.chain import ChainReport, seal_pending, verify_chain
from register.audit.models import AuditChainLink, AuditEvent
from register.db import transaction
from register.errors import Forbidden, InvalidInput
from register.records.pages import Keyset, keyset_page, position

log = logging.getLogger(__name__)

_table = AuditEvent.__table__  # type: ignore[attr-defined]
# A security event: a caller was told "not found" about a record (one they may not see, or one that does not exist:
# the answer is the same, so the event is too). Probing for records shows up in the trail.
REFUSED_ACTION = "security.not_found"


# The one column map of an audit event: every writer (the ORM inserts here, the prepared statements' audit CTE in
# register/records/prepared.py) takes the row's values from :func:`audit_fields`, in this order.
AUDIT_COLUMNS = (
    "actor_sub",
    "actor_role",
    "actor_org",
    "action",
    "purpose",
    "request_id",
    "detail",
    "record_type",
    "record_id",
    "director_id",
)


def audit_fields(
    actor: Actor,
    action: str,
    detail: Any,
    record_type: str | None = None,
    record_id: str | None = None,
    director_id: uuid.UUID | None = None,
) -> tuple[Any, ...]:
    """The values of one event's :data:`AUDIT_COLUMNS`: who (the token's subject, role and organisation), what,
    why (the stated purpose), in which request, and about which record. ``detail`` goes in as the caller holds it
    (a dict for the ORM, JSON text for a prepared statement)."""
    p = actor.principal
    return (
        p.sub,
        p.role.value,
        p.org,
        action,
        actor.purpose,
        actor.request_id,
        detail,
        record_type,
        record_id,
        director_id,
    )


def audit_row(actor: Actor, action: str, detail: dict[str, Any] | None, *record: Any) -> dict[str, Any]:
    """One event's columns and values, for an INSERT (``record``: its type, id and director, as far as given)."""
    return dict(zip(AUDIT_COLUMNS, audit_fields(actor, action, detail or {}, *record), strict=True))


def event_insert(
    actor: Actor,
    action: str,
    *,
    record_type: str | None = None,
    record_id: str | None = None,
    director_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
) -> sa.Insert:
    """The INSERT of one event (for a caller that sends it with other writes in one statement)."""
    return sa.insert(_table).values(audit_row(actor, action, detail, record_type, record_id, director_id))


async def record_event(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    record_type: str | None = None,
    record_id: str | None = None,
    director_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one event: who did what to which record, and why."""
    await session.execute(
        event_insert(
            actor, action, record_type=record_type, record_id=record_id, director_id=director_id, detail=detail
        )
    )


async def record_reads(
    session: AsyncSession, actor: Actor, action: str, director_ids: Iterable[uuid.UUID], **detail: Any
) -> None:
    """Append one read event per director shown (a list shows each person's personal data)."""
    rows = [audit_row(actor, action, detail, "director", str(d), d) for d in director_ids]
    if rows:
        await session.execute(sa.insert(_table), rows)


async def record_refused(factory: async_sessionmaker[AsyncSession], actor: Actor, *, method: str, path: str) -> None:
    """Append a security event for a request answered 404 (who, what, when), in its own transaction: the
    request's own transaction was rolled back. Never raises: the caller has had its answer already."""
    try:
        async with transaction(factory) as session:
            await record_event(
                session,
                actor,
                REFUSED_ACTION,
                record_type="request",
                detail={"method": method, "path": path[:500], "status": 404},
            )
    except Exception as exc:  # the trail's database is the request's: if it is down, the 404 still stands
        log.warning("security event for a refused request not recorded: %s", type(exc).__name__)


# Reading and verifying the trail (issue 7): auditors only, and every reading is itself recorded.


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Which events to list; every criterion given must hold."""

    actor_sub: str | None = None
    org: str | None = None
    director_id: uuid.UUID | None = None
    action: str | None = None
    occurred_from: dt.datetime | None = None
    occurred_to: dt.datetime | None = None

    def __post_init__(self) -> None:
        for name in ("occurred_from", "occurred_to"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise InvalidInput(f"{name.removeprefix('occurred_')} needs a time zone, e.g. 2026-01-31T09:00:00Z")
        if self.occurred_from and self.occurred_to and self.occurred_from > self.occurred_to:
            raise InvalidInput("from is after to; the time range is empty")

    def as_detail(self) -> dict[str, Any]:
        """The criteria given, JSON-ready (for the audit event of the reading)."""
        return {k: str(v) for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True, slots=True)
class SealedEvent:
    """An audit event with its place in the chain, once sealed."""

    event: AuditEvent
    seq: int | None
    hash: str | None


def _require_auditor(actor: Actor) -> None:
    # DESIGN §4: the auditor reads, exports and verifies the trail; nobody else reads it here.
    if not policy.can_read_audit_trail(actor.principal):
        raise Forbidden("The audit trail is for auditors.")


async def list_events(
    session: AsyncSession, actor: Actor, criteria: EventFilter, *, limit: int, cursor: str | None
) -> tuple[list[SealedEvent], str | None]:
    """A page of audit events in id order matching ``criteria``, and the cursor of the next page."""
    _require_auditor(actor)
    return await _page(session, actor, criteria, [], "audit.list", limit=limit, cursor=cursor)


async def list_own_events(
    session: AsyncSession, actor: Actor, criteria: EventFilter, *, limit: int, cursor: str | None
) -> tuple[list[SealedEvent], str | None]:
    """A page of the caller's own actions: trust HR users and directors (chairs and SIDs among them) read what
    they did themselves (DESIGN.md §4, "own actions"): the events written under their token's subject and
    role and, for trust HR, their organisation."""
    p = actor.principal
    if not policy.can_read_own_actions(p):
        raise Forbidden(
            "Your own actions are listed for trust HR users and directors; auditors read the whole trail at "
            "/v1/audit/events."
        )
    return await _page(
        session, actor, criteria, policy.visible_own_actions(p), "audit.list_own", limit=limit, cursor=cursor
    )


async def _page(
    session: AsyncSession,
    actor: Actor,
    criteria: EventFilter,
    scope: list[sa.ColumnElement[bool]],
    action: str,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[SealedEvent], str | None]:
    """Events in id order within ``scope`` matching ``criteria``; the reading is itself recorded as ``action``."""
    chain = AuditChainLink.__table__  # type: ignore[attr-defined]
    query = (
        sa.select(AuditEvent, chain.c.seq, chain.c.hash)
        .outerjoin(chain, chain.c.event_id == col(AuditEvent.id))
        .where(*scope)
    )
    if criteria.actor_sub is not None:
        query = query.where(col(AuditEvent.actor_sub) == criteria.actor_sub)
    if criteria.org is not None:
        query = query.where(col(AuditEvent.actor_org) == criteria.org)
    if criteria.director_id is not None:
        query = query.where(col(AuditEvent.director_id) == criteria.director_id)
    if criteria.action is not None:
        query = query.where(col(AuditEvent.action) == criteria.action)
    if criteria.occurred_from is not None:
        query = query.where(col(AuditEvent.occurred_at) >= criteria.occurred_from)
    if criteria.occurred_to is not None:
        query = query.where(col(AuditEvent.occurred_at) < criteria.occurred_to)
    rows, next_cursor = await keyset_page(
        session,
        query,
        Keyset(col(AuditEvent.id), cursor_key="after", parse=position),
        limit=limit,
        cursor=cursor,
        scalars=False,
    )
    items = [SealedEvent(event=r[0], seq=r[1], hash=r[2]) for r in rows]
    await record_event(session, actor, action, detail={"filter": criteria.as_detail(), "returned": len(items)})
    return items, next_cursor


async def verify_trail(session: AsyncSession, actor: Actor, *, seal_batch: int = 5000) -> ChainReport:
    """Seal what can be sealed, then walk the whole chain; the verification is recorded in the trail."""
    _require_auditor(actor)
    await seal_pending(session, batch=seal_batch)
    report = await verify_chain(session)
    detail: dict[str, Any] = {"intact": report.intact, "events": report.events, "head_hash": report.head_hash}
    if report.broken is not None:
        detail.update(broken_seq=report.broken.seq, broken_event_id=report.broken.event_id)
    await record_event(session, actor, "audit.verify", detail=detail)
    return report
