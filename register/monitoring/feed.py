"""The change feed: the events a caller may see, after a cursor, in id order."""

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.access import policy
from register.access.monitoring import events_visible_to
from register.access.principal import Actor
from register.audit.service import record_reads
from register.errors import (
    Forbidden,
    InvalidInput,
)
from register.events.models import OutboundEvent
from register.monitoring.outbox import settle_outbox
from register.records.pages import NOT_OUR_CURSOR, decode_cursor, encode_cursor, position

log = logging.getLogger(__name__)

FEED_LIMIT_MAX = 500


@dataclass(frozen=True)
class FeedPage:
    """Events after a position, and where to resume."""

    events: list[OutboundEvent]
    cursor: str  # pass as ``after`` to continue from here, now or later
    more: bool  # the page is full: more events can be read at once


def encode_feed_cursor(position: int) -> str:
    return encode_cursor({"after": position})


def _feed_position(after: str | None) -> int:
    if not after:
        return 0
    try:
        return position(decode_cursor(after, ("after",))["after"])
    except ValueError:
        raise InvalidInput(NOT_OUR_CURSOR) from None


async def list_events(session: AsyncSession, actor: Actor, *, after: str | None, limit: int) -> FeedPage:
    """The events the caller may see after ``after``, oldest first; reading them is audited per director."""
    if not policy.can_see_personal_data(actor.principal):
        raise Forbidden("The change feed holds personal data; administrators do not see it.")
    position = _feed_position(after)
    limit = max(1, min(limit, FEED_LIMIT_MAX))
    if not await settle_outbox(session):
        return FeedPage([], encode_feed_cursor(position), more=False)
    rows = list(
        (
            await session.execute(
                sa.select(OutboundEvent)
                .where(col(OutboundEvent.id) > position, events_visible_to(actor.principal))
                .order_by(col(OutboundEvent.id))
                .limit(limit + 1)
            )
        ).scalars()
    )
    more = len(rows) > limit
    rows = rows[:limit]
    if more:
        resume = rows[-1].id or position
    else:
        # Nothing more the caller may see up to the highest settled id: resume after it, so the next poll
        # does not walk again over other trusts' events.
        highest = (await session.execute(sa.select(sa.func.max(col(OutboundEvent.id))))).scalar_one_or_none()
        resume = max(position, highest or 0)
    await record_reads(session, actor, "event.list", list(dict.fromkeys(r.director_id for r in rows)))
    return FeedPage(rows, encode_feed_cursor(resume), more=more)
