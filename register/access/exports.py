"""Who may have which rows of a bulk export (DESIGN.md §4); the datasets in register/exports/datasets.py apply them.

- regulators and auditors: every row, withdrawn entries included;
- trust HR: its own directors' rows (``policy.visible_directors``), current entries only, its own drafts, and the
  annual returns of its own organisation;
- a director: their own rows (and, as chair or SID, their board's), current entries only.
"""

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from register.access import policy
from register.access.principal import Principal, Role
from register.assessments.models import Assessment, AssessmentStatus
from register.returns.models import AnnualReturn

READ_ALL = policy.READ_ALL_ROLES  # every row, and the columns only a regulator may see
FILE_READERS = frozenset({Role.REGULATOR, Role.AUDITOR, Role.TRUST_HR, Role.DIRECTOR})  # the parts of a file
BOARD_READERS = frozenset({Role.REGULATOR, Role.AUDITOR, Role.TRUST_HR})  # annual returns
AUDITORS = frozenset({Role.AUDITOR})  # the audit trail (DESIGN.md §4: read, export, verify)


def visible_export_directors(principal: Principal) -> ColumnElement[bool] | None:
    """The directors whose rows this caller may export, or ``None`` for every director.

    ``None`` rather than a condition that is always true: a full export then reads its table straight through
    instead of joining every row to the directors.
    """
    return None if principal.role in READ_ALL else policy.visible_directors(principal)


def can_export_withdrawn(principal: Principal) -> bool:
    """Withdrawn entries (and why they were withdrawn) go only to regulators and auditors."""
    return principal.role in READ_ALL


def visible_assessment_rows(principal: Principal) -> list[ColumnElement[bool]]:
    """Draft assessments only to the trust preparing them (a draft is not yet an assessment of anyone)."""
    not_draft = col(Assessment.status) != AssessmentStatus.DRAFT
    if principal.role is Role.TRUST_HR and principal.org:
        return [sa.or_(not_draft, col(Assessment.ods_code) == principal.org)]
    return [not_draft]


def visible_return_rows(principal: Principal) -> list[ColumnElement[bool]]:
    """A trust has its own organisation's annual returns; regulators and auditors every one; anyone else none."""
    if principal.role is Role.TRUST_HR:
        return [col(AnnualReturn.ods_code) == principal.org]
    if principal.role in READ_ALL:
        return []
    return [sa.false()]


def can_export(principal: Principal, roles: frozenset[Role]) -> bool:
    """The caller's role is one the dataset is for (DESIGN.md §4: administrators see no personal data)."""
    return principal.role in roles


def receives_column(role: Role, roles: frozenset[Role] | None) -> bool:
    """A column goes to every role that may have its dataset, or (``roles`` set) only to those roles."""
    return roles is None or role in roles
