"""The access rules of DESIGN.md §4 as small functions: ``visible_*`` scopes for queries, ``can_*`` predicates.

Every query that loads personal data filters through a ``visible_*`` scope, so a record a caller may not
see is simply not found (404), never forbidden (403).
"""

import datetime as dt
import uuid
from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from register.access.principal import Principal, Role
from register.assessments.models import SignerOffice
from register.audit.models import AuditEvent
from register.directors.models import Director
from register.employment.models import BoardRole, EmploymentKind, EmploymentRecord

READ_ALL_ROLES = frozenset({Role.REGULATOR, Role.AUDITOR})
OWN_ACTIONS_ROLES = (Role.TRUST_HR, Role.DIRECTOR)


def now() -> dt.datetime:
    """The register's clock (UTC); windows and deadlines are compared with it, not the database's."""
    return dt.datetime.now(dt.UTC)


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
    """The directors whose records this caller may read at all.

    A director reads their own record; a chair or senior independent director also reads all of their board's
    (DESIGN.md §4: "read all, sign off" for their organisation's directors), for as long as they hold the office.
    """
    if principal.role in READ_ALL_ROLES:
        return sa.true()
    if principal.role is Role.TRUST_HR and principal.org:
        return appointed_at(principal.org)
    if principal.role is Role.DIRECTOR and principal.director_id:
        return sa.or_(col(Director.id) == principal.director_id, _on_officers_board(principal))
    return sa.false()


def can_call(principal: Principal, admitted: Collection[Role]) -> bool:
    """The caller's role is one a route admits: each route declares its column of DESIGN.md §4's table."""
    return principal.role in admitted


def can_see_personal_data(principal: Principal) -> bool:
    """Administrators manage organisations and API clients and see no personal data (DESIGN.md §4)."""
    return principal.role is not Role.ADMIN


def can_create_director(principal: Principal) -> bool:
    """Only a trust adds a director to the register, with an appointment at that trust."""
    return principal.role is Role.TRUST_HR


def can_change_director(principal: Principal) -> bool:
    """A trust keeps its own directors' files (visibility is checked by the scope)."""
    return principal.role is Role.TRUST_HR


def records_appointments_elsewhere_as_history(principal: Principal, ods_code: str | None) -> bool:
    """A trust recording a board appointment at another organisation records it only as history (ended):
    a current appointment there would make the director that organisation's to read (``appointed_at``), so it is
    that organisation's, or a regulator's, to record."""
    return principal.role is Role.TRUST_HR and ods_code is not None and ods_code != principal.org


def can_manage_organisations(principal: Principal) -> bool:
    """Organisations are reference data, kept by administrators."""
    return principal.role is Role.ADMIN


def is_own_record(principal: Principal, director_id: uuid.UUID) -> bool:
    """The caller is the director the record is about."""
    return principal.role is Role.DIRECTOR and principal.director_id == director_id


# --- The FPPT cycle (issue 4): board offices, checks, attestations, assessments, returns. ---


def holds_office(
    director_id: uuid.UUID | ColumnElement[uuid.UUID], ods_code: str, office: SignerOffice, on: dt.date | None = None
) -> ColumnElement[bool]:
    """The director holds ``office`` at ``ods_code`` on ``on``: a current board appointment in that office.

    Chair and SID powers come from the register itself (DESIGN.md §4), not from the token: the appointment must
    have started, not ended and not been withdrawn.
    """
    on = on or today()
    office_test = (
        col(EmploymentRecord.board_role) == BoardRole.CHAIR
        if office is SignerOffice.CHAIR
        else col(EmploymentRecord.senior_independent_director).is_(True)
    )
    return sa.exists().where(
        col(EmploymentRecord.director_id) == director_id,
        col(EmploymentRecord.kind) == EmploymentKind.BOARD_APPOINTMENT,
        col(EmploymentRecord.ods_code) == ods_code,
        col(EmploymentRecord.withdrawn_at).is_(None),
        col(EmploymentRecord.start_date) <= on,
        sa.or_(col(EmploymentRecord.end_date).is_(None), col(EmploymentRecord.end_date) >= on),
        office_test,
    )


def _officer_orgs(principal: Principal, on: dt.date) -> sa.Select[str | None]:
    """ODS codes where a director-token caller is currently chair or senior independent director."""
    officer = aliased(EmploymentRecord)
    return sa.select(col(officer.ods_code)).where(
        col(officer.director_id) == principal.director_id,
        col(officer.kind) == EmploymentKind.BOARD_APPOINTMENT,
        col(officer.withdrawn_at).is_(None),
        col(officer.start_date) <= on,
        sa.or_(col(officer.end_date).is_(None), col(officer.end_date) >= on),
        sa.or_(col(officer.board_role) == BoardRole.CHAIR, col(officer.senior_independent_director).is_(True)),
    )


def _on_officers_board(principal: Principal) -> ColumnElement[bool]:
    """Directors appointed to a board (an appointment not ended, as ``appointed_at``) where the director-token
    caller is currently chair or senior independent director."""
    member = aliased(EmploymentRecord)
    on = today()
    return sa.exists().where(
        col(member.director_id) == col(Director.id),
        col(member.kind) == EmploymentKind.BOARD_APPOINTMENT,
        col(member.withdrawn_at).is_(None),
        sa.or_(col(member.end_date).is_(None), col(member.end_date) >= on),
        col(member.ods_code).in_(_officer_orgs(principal, on)),
    )


def can_read_board(principal: Principal, ods_code: str) -> ColumnElement[bool]:
    """The caller may read the FPPT state of ``ods_code``'s whole board (due lists, the annual return)."""
    if principal.role in READ_ALL_ROLES:
        return sa.true()
    if principal.role is Role.TRUST_HR:
        return sa.true() if principal.org == ods_code else sa.false()
    if principal.role is Role.DIRECTOR and principal.director_id:
        return sa.or_(
            holds_office(principal.director_id, ods_code, SignerOffice.CHAIR),
            holds_office(principal.director_id, ods_code, SignerOffice.SENIOR_INDEPENDENT_DIRECTOR),
        )
    return sa.false()


def can_keep_fppt_records(principal: Principal, ods_code: str | None) -> bool:
    """Trust HR records checks and appraisals and prepares assessments, for its own organisation only.

    Regulators read but do not write them; a record made by another trust (for a shared director) stays
    that trust's to change.
    """
    return principal.role is Role.TRUST_HR and principal.org is not None and principal.org == ods_code


def can_sign_attestation(principal: Principal, director_id: uuid.UUID) -> bool:
    """Only the director signs their own self-attestation."""
    return is_own_record(principal, director_id)


def sign_off_office(subject_is_chair: bool) -> SignerOffice:
    """Who signs an assessment off: the chair, except the chair's own, which the SID signs (FPPT framework)."""
    return SignerOffice.SENIOR_INDEPENDENT_DIRECTOR if subject_is_chair else SignerOffice.CHAIR


def can_sign_off(principal: Principal) -> bool:
    """Assessments are signed off by a director in office: the chair, or the SID for the chair (FPPT framework;
    DESIGN.md §4). The office itself is checked against the register (``holds_office``)."""
    return principal.role is Role.DIRECTOR


def can_submit_return(principal: Principal) -> bool:
    """The annual return is submitted by the organisation's chair, who signs in as a director (FPPT framework);
    the office itself is checked against the register (``holds_office``)."""
    return principal.role is Role.DIRECTOR


def can_return_assessment(principal: Principal) -> bool:
    """Trust HR (who prepared it) or the signer may send an assessment back to draft."""
    return principal.role in (Role.TRUST_HR, Role.DIRECTOR)


# --- Hiring (issue 5): a recorded candidate check opens the summary view for a limited window. ---


def checked_candidate(principal: Principal, director_id: Any, at: dt.datetime | None = None) -> ColumnElement[bool]:
    """The caller's trust has a candidate check on this director whose access window is open (now, or ``at``).

    For a chair or SID (a director token) their trust is the one where they hold the office: DESIGN.md §4 gives
    them the candidate's summary view too.
    """
    from register.candidates.models import CandidateCheck

    if principal.role is Role.TRUST_HR and principal.org is not None:
        checked_by: ColumnElement[bool] = col(CandidateCheck.checking_org) == principal.org
    elif principal.role is Role.DIRECTOR and principal.director_id is not None:
        checked_by = col(CandidateCheck.checking_org).in_(_officer_orgs(principal, today()))
    else:
        return sa.false()
    return sa.exists().where(
        col(CandidateCheck.director_id) == director_id,
        checked_by,
        col(CandidateCheck.access_until) > (at or now()),
    )


def visible_summaries(principal: Principal, at: dt.datetime | None = None) -> ColumnElement[bool]:
    """Directors whose summary view the caller may read: whoever may read the file, plus checked candidates
    (whose check's window is open now, or ``at``)."""
    return sa.or_(visible_directors(principal), checked_candidate(principal, col(Director.id), at))


def can_check_candidates(principal: Principal) -> bool:
    """A trust's HR team checks a candidate before appointment, for its own organisation (DESIGN.md §1, §4)."""
    return principal.role is Role.TRUST_HR


def can_hold_candidate_checks(principal: Principal) -> bool:
    """Only a trust, or its chair or SID, can hold a candidate check whose window opens the summary view
    (DESIGN.md §4; ``checked_candidate``)."""
    return principal.role in (Role.TRUST_HR, Role.DIRECTOR)


def visible_candidate_checks(principal: Principal) -> ColumnElement[bool]:
    """The candidate checks the caller may see: the trust that made it, the director it is about (who sees who
    read their record and why), regulators and auditors (DESIGN.md §4)."""
    from register.candidates.models import CandidateCheck

    if principal.role in READ_ALL_ROLES:
        return sa.true()
    if principal.role is Role.TRUST_HR and principal.org:
        return col(CandidateCheck.checking_org) == principal.org
    if principal.role is Role.DIRECTOR and principal.director_id:
        return col(CandidateCheck.director_id) == principal.director_id
    return sa.false()


# --- Employment history and findings (DESIGN.md §4: regulators record findings and barring). ---


def can_record_appointments_anywhere(principal: Principal) -> bool:
    """A regulator records a board appointment at any organisation, and nothing else of a history: the trust keeps
    the rest."""
    return principal.role is Role.REGULATOR


def can_appoint_checked_candidate(principal: Principal, ods_code: str | None) -> bool:
    """A trust may appoint a candidate it has checked to its own board: the appointment makes them its director
    (DESIGN.md §4, "own organisation's directors")."""
    return principal.role is Role.TRUST_HR and ods_code == principal.org


def can_record_findings(principal: Principal) -> bool:
    """Regulators and trusts record findings and move them on (trusts only their own internal ones)."""
    return principal.role in (Role.REGULATOR, Role.TRUST_HR)


def can_record_any_finding(principal: Principal) -> bool:
    """A regulator records and moves on findings of every type about any director, barring among them
    (DESIGN.md §4)."""
    return principal.role is Role.REGULATOR


def can_read_barred_list(principal: Principal) -> bool:
    """The barred list is for trusts (checking before they appoint), regulators and auditors."""
    return principal.role in (Role.TRUST_HR, Role.REGULATOR, Role.AUDITOR)


# --- The director's own record and the audit trail. ---


def can_request_subject_access(principal: Principal) -> bool:
    """Subject access is the director's own whole record (UK GDPR Art. 15; DESIGN.md §4, "own record")."""
    return principal.role is Role.DIRECTOR


def can_read_audit_trail(principal: Principal) -> bool:
    """The auditor reads, exports and verifies the whole trail; nobody else reads it (DESIGN.md §4)."""
    return principal.role is Role.AUDITOR


def can_read_own_actions(principal: Principal) -> bool:
    """Trust HR users and directors (chairs and SIDs among them) read their own actions (DESIGN.md §4)."""
    return principal.role in OWN_ACTIONS_ROLES


def visible_own_actions(principal: Principal) -> list[ColumnElement[bool]]:
    """The caller's own actions: the audit events written under their token's subject and role and, for trust HR,
    their organisation (DESIGN.md §4, "own actions")."""
    own = [col(AuditEvent.actor_sub) == principal.sub, col(AuditEvent.actor_role) == principal.role.value]
    own.append(col(AuditEvent.actor_org) == principal.org if principal.org else col(AuditEvent.actor_org).is_(None))
    return own
