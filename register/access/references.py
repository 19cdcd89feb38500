"""Who may ask for, answer, read and correct Board Member References (the FPPT framework's BMR; DESIGN.md §4)."""

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from register.access.policy import READ_ALL_ROLES
from register.access.principal import Principal, Role
from register.references.models import ReferenceRequest


def visible_requests(principal: Principal) -> ColumnElement[bool]:
    """The reference requests the caller may see: the two organisations concerned, the director, regulators and
    auditors (DESIGN.md §4)."""
    if principal.role in READ_ALL_ROLES:
        return sa.true()
    if principal.role is Role.TRUST_HR and principal.org:
        return sa.or_(
            col(ReferenceRequest.requesting_org) == principal.org,
            col(ReferenceRequest.providing_org) == principal.org,
        )
    if principal.role is Role.DIRECTOR and principal.director_id:
        return col(ReferenceRequest.director_id) == principal.director_id
    return sa.false()


def can_request_reference(principal: Principal) -> bool:
    """A trust's HR team asks a previous employer for a BMR when it appoints (FPPT framework)."""
    return principal.role is Role.TRUST_HR


def can_act_on_requests(principal: Principal) -> bool:
    """Trusts are the only parties to a request (asking or asked): they answer, decline and withdraw requests, and
    list theirs by direction."""
    return principal.role is Role.TRUST_HR


def can_answer_request(principal: Principal, request: ReferenceRequest) -> bool:
    """The organisation asked for the reference answers or declines it (FPPT framework: the previous employer)."""
    return can_act_on_requests(principal) and request.providing_org == principal.org


def can_withdraw_request(principal: Principal, request: ReferenceRequest) -> bool:
    """The organisation that asked withdraws the request."""
    return can_act_on_requests(principal) and request.requesting_org == principal.org


def can_read_leaver_references(principal: Principal, ods_code: str) -> bool:
    """An organisation's own HR team, regulators and auditors read the leaver references it owes (FPPT framework:
    a BMR for every leaver, whether or not anyone asks)."""
    return can_write_leaver_references(principal, ods_code) or principal.role in READ_ALL_ROLES


def can_write_leaver_references(principal: Principal, ods_code: str) -> bool:
    """Only the former employer's own HR team writes its leaver references."""
    return principal.role is Role.TRUST_HR and principal.org == ods_code


def can_correct_reference(principal: Principal, providing_org: str) -> bool:
    """A signed BMR is corrected only by the organisation that wrote it."""
    return principal.role is Role.TRUST_HR and providing_org == principal.org
