"""Who may hear about which change (the one rule shared by the change feed and the webhook fan-out), and who keeps
which webhook subscriptions."""

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from register.access import policy
from register.access.principal import Principal, Role
from register.directors.models import Director
from register.events.models import OutboundEvent
from register.monitoring.models import Subscription


def events_visible_to(principal: Principal) -> ColumnElement[bool]:
    """The outbound events this caller may see, as a filter on ``outbound_events``.

    An event is personal data about its director, so it follows the director's visibility *now*
    (DESIGN.md §4): regulators and auditors see every event; a trust sees the events about directors
    with a current (or recorded future) board appointment there, including events from before it
    appointed them, as it may read their whole file; a director sees the events about themselves.
    A trust also hears about a candidate it checked, while the check's access window is open.
    """
    if principal.role in policy.READ_ALL_ROLES:
        return sa.true()
    if principal.role is Role.DIRECTOR and principal.director_id is not None:
        return col(OutboundEvent.director_id) == principal.director_id
    if principal.role is Role.TRUST_HR and principal.org:
        return sa.or_(
            sa.exists().where(col(Director.id) == col(OutboundEvent.director_id), policy.visible_directors(principal)),
            policy.checked_candidate(principal, col(OutboundEvent.director_id)),
        )
    return sa.false()


def subscriber(ods_code: str) -> Principal:
    """The principal a subscription acts as when the fan-out decides what it may be told: its trust's HR."""
    return Principal(sub=f"subscription:{ods_code}", role=Role.TRUST_HR, org=ods_code)


def can_manage_subscriptions(principal: Principal, ods_code: str | None = None) -> bool:
    """A trust's HR team manages the subscriptions of its own organisation (and of no other)."""
    if principal.role is not Role.TRUST_HR or principal.org is None:
        return False
    return ods_code is None or ods_code == principal.org


def visible_subscriptions(principal: Principal) -> ColumnElement[bool]:
    """The subscriptions the caller may see: a trust's HR team sees its own organisation's; nobody else sees any."""
    if principal.role is Role.TRUST_HR and principal.org:
        return col(Subscription.ods_code) == principal.org
    return sa.false()
