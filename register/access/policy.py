"""The access rules of DESIGN.md §4 as small functions: ``visible_*`` scopes for queries, ``can_*`` predicates.

Every query that loads personal data filters through a ``visible_*`` scope, so a record a caller may not
see is simply not found (404), never forbidden (403).
"""

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from register.access.principal import Principal, Role
from register.directors.models import Director
from register.employment.models import EmploymentKind, EmploymentRecord

READ_ALL_ROLES = frozenset({Role.REGULATOR, Role.AUDITOR})


def today() -> dt.date:
    """The register's calendar date (UTC)."""
    return dt.datetime.now(dt.UTC).date()


def appointed_at(ods_code: str, on: dt.date | None = None) -> ColumnElement[bool]:
    """Directors with a board appointment at ``ods_code`` that has not ended by ``on``.

    "Own organisation's directors" (DESIGN.md §4) includes an appointment that starts later: FPPT checks
    are done before a director takes up post, so the appointing trust keeps the file from the day it
    records the appointment.
    """
    on = on or today()
    return sa.exists().where(
        col(EmploymentRecord.director_id) == col(Director.id),
        col(EmploymentRecord.kind) == EmploymentKind.BOARD_APPOINTMENT,
        col(EmploymentRecord.ods_code) == ods_code,
        col(EmploymentRecord.withdrawn_at).is_(None),
        sa.or_(col(EmploymentRecord.end_date).is_(None), col(EmploymentRecord.end_date) >= on),
    )


def visible_directors(principal: Principal) -> ColumnElement[bool]:
    """The directors whose records this caller may read at all."""
    if principal.role in READ_ALL_ROLES:
        return sa.true()
    if principal.role is Role.TRUST_HR and principal.org:
        return appointed_at(principal.org)
    if principal.role is Role.DIRECTOR and principal.director_id:
        return col(Director.id) == principal.director_id
    return sa.false()


def can_create_director(principal: Principal) -> bool:
    """Only a trust adds a director to the register, with an appointment at that trust."""
    return principal.role is Role.TRUST_HR


def can_change_director(principal: Principal) -> bool:
    """A trust keeps its own directors' files (visibility is checked by the scope)."""
    return principal.role is Role.TRUST_HR


def can_manage_organisations(principal: Principal) -> bool:
    """Organisations are reference data, kept by administrators."""
    return principal.role is Role.ADMIN


def is_own_record(principal: Principal, director_id: uuid.UUID) -> bool:
    """The caller is the director the record is about."""
    return principal.role is Role.DIRECTOR and principal.director_id == director_id
