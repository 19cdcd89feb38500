"""National director search: one-typo name matching over current and former names, ranked, with filters.

How a name query runs (measured in docs/benchmarks.md, "Search"):

1. The query is normalised like stored names and split into words.
2. Each word's one-deletion variants are looked up in ``name_token_variants`` (a primary-key lookup): that
   gives every word of every name within one typo of it (substitution, insertion, deletion, transposition).
3. A name is a candidate when each query word matches one of its words (word order does not matter): a
   bitmap AND of GIN lookups on ``director_names.tokens``.
4. Candidates are ranked by pg_trgm ``similarity`` between their name and the query, the best of a
   director's current and former names counting; ties go by director id. The cursor carries (score, id).

Compared with a plain trigram search (``%`` over a GIN trigram index), the candidate set is tens of names
rather than the union of every name sharing a trigram, so it stays fast on common names.
"""

import datetime as dt
import functools
import hashlib
import json
import uuid
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from register.access import policy
from register.access.principal import Actor
from register.assessments.models import Assessment, AssessmentOutcome, AssessmentStatus
from register.audit.service import record_event, record_reads
from register.checks.models import FpptCheck
from register.directors.models import Director, ProfessionalRegistration
from register.employment.models import BoardRole, EmploymentKind, EmploymentRecord
from register.errors import InvalidInput
from register.findings.models import UPHELD, Finding, FindingType
from register.identifiers import Region, RegistrationBody, check_ods_code, check_registration_number
from register.names import normalise_name
from register.organisations.models import Organisation
from register.records.pages import decode_cursor, encode_cursor
from register.search.models import DirectorName, NameTokenVariant
from register.search.names import deletion_variants, name_tokens

MAX_QUERY_WORDS = 6
_BAD_CURSOR = "the cursor is not one this service issued for this search; start again without it"


class BoardStatus(StrEnum):
    """Whether the board appointment searched for is current (not ended), former (ended), or either."""

    CURRENT = "current"
    FORMER = "former"
    ANY = "any"


@dataclass(frozen=True)
class SearchCriteria:
    """What a caller searches for; every field is optional and they combine with AND."""

    q: str | None = None
    ods_code: str | None = None
    region: Region | None = None
    board_role: BoardRole | None = None
    board_status: BoardStatus | None = None
    registration_body: RegistrationBody | None = None
    registration_number: str | None = None
    has_upheld_finding: bool | None = None
    barred: bool | None = None
    assessment_outcome: AssessmentOutcome | None = None
    overdue_checks: bool | None = None

    def terms(self) -> dict[str, Any]:
        """The criteria given, JSON-ready (for the audit trail and the cursor)."""
        return {k: (v.value if isinstance(v, StrEnum) else v) for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class SearchHit:
    """A director found, with the name-match score when the search had a name query, and what tells one hit
    from another: current board appointments and flags."""

    director: Director
    score: float | None = None
    current_appointments: list[dict[str, Any]] = field(default_factory=list)
    barred: bool = False
    has_upheld_finding: bool = False
    overdue_checks: bool = False


async def search_directors(
    session: AsyncSession, actor: Actor, criteria: SearchCriteria, *, limit: int, cursor: str | None = None
) -> tuple[list[SearchHit], str | None]:
    """A page of the directors the caller may see that meet ``criteria``, and the next page's cursor.

    With a name query the closest names come first; without one, directors are in register order (oldest
    entry first). Regulators and auditors search the whole register; a trust only its own directors.
    """
    criteria = _checked(criteria)
    conditions = [policy.visible_directors(actor.principal), *_filters(criteria)]
    digest = _digest(criteria)
    if criteria.q:
        hits, more = await _name_search(session, criteria.q, conditions, limit, cursor, digest)
    else:
        hits, more = await _plain_list(session, conditions, limit, cursor)
    terms = criteria.terms()
    if terms:
        await record_event(
            session,
            actor,
            "director.search",
            record_type="director",
            detail={"terms": terms, "results": len(hits), "continued": cursor is not None},
        )
    await record_reads(session, actor, "director.list", [h.director.id for h in hits if h.director.id], **terms)
    next_cursor = None
    if more and hits:
        last = hits[-1]
        position: dict[str, Any] = {"id": str(last.director.id)}
        if criteria.q:
            position |= {"s": str(last.score), "h": digest}
        next_cursor = encode_cursor(position)
    return hits, next_cursor


def _checked(criteria: SearchCriteria) -> SearchCriteria:
    """Refuse combinations the schema cannot express; normalise the registration number."""
    if criteria.registration_number is not None:
        if criteria.registration_body is None:
            raise InvalidInput("registration_number needs registration_body (the number is unique per body).")
        try:
            number = check_registration_number(criteria.registration_body, criteria.registration_number)
        except ValueError as exc:
            raise InvalidInput(f"registration_number: {exc}.") from None
        criteria = _replace(criteria, registration_number=number)
    if criteria.q is not None:
        words = name_tokens(normalise_name(criteria.q))
        if not words:
            raise InvalidInput("q must contain letters or digits.")
        if len(words) > MAX_QUERY_WORDS:
            raise InvalidInput(f"q may have at most {MAX_QUERY_WORDS} words.")
    if criteria.ods_code is not None:
        try:
            criteria = _replace(criteria, ods_code=check_ods_code(criteria.ods_code))
        except ValueError as exc:
            raise InvalidInput(f"ods_code: {exc}.") from None
    return criteria


def _replace(criteria: SearchCriteria, **changes: Any) -> SearchCriteria:
    return SearchCriteria(**{**asdict(criteria), **changes})


def _digest(criteria: SearchCriteria) -> str:
    """A short fingerprint of the search, so that a cursor is only used with the search that issued it."""
    text = json.dumps(criteria.terms(), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


async def _name_search(
    session: AsyncSession,
    q: str,
    conditions: list[ColumnElement[bool]],
    limit: int,
    cursor: str | None,
    digest: str,
) -> tuple[list[SearchHit], bool]:
    query_name = normalise_name(q)
    words = name_tokens(query_name)
    names = aliased(DirectorName)
    matches = [
        col(names.tokens).op("&&", is_comparison=True)(_words_within_one_typo(word, i)) for i, word in enumerate(words)
    ]
    score = sa.func.round(sa.cast(sa.func.max(sa.func.similarity(col(names.name), query_name)), sa.Numeric), 4)
    hits = (
        sa.select(col(names.director_id).label("director_id"), score.label("score"))
        .where(*matches)
        .group_by(col(names.director_id))
        .subquery("hits")
    )
    query = (
        sa.select(col(Director.id).label("id"), hits.c.score)
        .join(hits, hits.c.director_id == col(Director.id))
        .where(*conditions)
        .order_by(hits.c.score.desc(), col(Director.id))
        .limit(limit + 1)
    )
    if cursor:
        after_score, after_id = _score_cursor(cursor, digest)
        query = query.where(
            sa.or_(hits.c.score < after_score, sa.and_(hits.c.score == after_score, col(Director.id) > after_id))
        )
    page = query.subquery("page")
    rows = (await session.execute(_with_context(page, page.c.score.desc()))).all()
    return [_hit(row) for row in rows[:limit]], len(rows) > limit


def _words_within_one_typo(word: str, index: int) -> sa.ScalarSelect[Any]:
    """The words of stored names within one typo of ``word``: an index lookup of its deletion variants."""
    variants = sa.bindparam(f"variants_{index}", sorted(deletion_variants(word)), type_=ARRAY(sa.Text))
    return (
        sa.select(sa.func.array_agg(col(NameTokenVariant.token)))
        .where(col(NameTokenVariant.variant) == sa.any_(variants))
        .scalar_subquery()
    )


async def _plain_list(
    session: AsyncSession, conditions: list[ColumnElement[bool]], limit: int, cursor: str | None
) -> tuple[list[SearchHit], bool]:
    no_score: Any = sa.null()  # a list without a name query has no score
    query = (
        sa.select(col(Director.id).label("id"), no_score.label("score"))
        .where(*conditions)
        .order_by(col(Director.id))
        .limit(limit + 1)
    )
    if cursor:
        query = query.where(col(Director.id) > _id_cursor(cursor))
    rows = (await session.execute(_with_context(query.subquery("page")))).all()
    return [_hit(row) for row in rows[:limit]], len(rows) > limit


def _with_context(page: sa.Subquery, *order: Any) -> sa.Select[Any]:
    """The directors of a page of hits (ids and scores, already limited) with what tells them apart, in the same
    statement and for the page's rows only: current board appointments and the barred, upheld-finding and
    overdue-check flags.

    Every hit passed the caller's ``visible_directors`` scope, so the caller may read the file the flags come
    from (whether a director is barred is public to every reader anyway, as ``GET /v1/barred``).
    """
    today = policy.today()
    entry = sa.func.json_build_object(
        "ods_code",
        col(EmploymentRecord.ods_code),
        "organisation_name",
        col(Organisation.name),
        "board_role",
        col(EmploymentRecord.board_role),
        "role_title",
        col(EmploymentRecord.role_title),
    )
    appointments = (
        sa.select(
            sa.func.coalesce(
                sa.func.json_agg(aggregate_order_by(entry, col(EmploymentRecord.start_date))),
                sa.text("'[]'::json"),
            )
        )
        .select_from(EmploymentRecord)
        .outerjoin(Organisation, col(Organisation.ods_code) == col(EmploymentRecord.ods_code))
        .where(
            col(EmploymentRecord.director_id) == col(Director.id),
            col(EmploymentRecord.kind) == EmploymentKind.BOARD_APPOINTMENT,
            col(EmploymentRecord.withdrawn_at).is_(None),
            sa.or_(col(EmploymentRecord.end_date).is_(None), col(EmploymentRecord.end_date) >= today),
        )
        .correlate(Director)
        .scalar_subquery()
    )
    upheld = sa.exists().where(
        col(Finding.director_id) == col(Director.id),
        col(Finding.status).in_(sorted(UPHELD)),
        col(Finding.withdrawn_at).is_(None),
    )
    return (
        sa.select(
            Director,
            page.c.score,
            appointments.label("current_appointments"),
            _barred().label("barred"),
            upheld.label("has_upheld_finding"),
            _overdue().label("overdue_checks"),
        )
        .join(page, page.c.id == col(Director.id))
        .order_by(*order, col(Director.id))
    )


def _hit(row: Any) -> SearchHit:
    return SearchHit(
        director=row[0],
        score=float(row.score) if row.score is not None else None,
        current_appointments=list(row.current_appointments),
        barred=bool(row.barred),
        has_upheld_finding=bool(row.has_upheld_finding),
        overdue_checks=bool(row.overdue_checks),
    )


def _id_cursor(cursor: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(decode_cursor(cursor, ("id",))["id"]))
    except ValueError:
        raise InvalidInput(_BAD_CURSOR) from None


def _score_cursor(cursor: str, digest: str) -> tuple[Decimal, uuid.UUID]:
    values = decode_cursor(cursor, ("s", "id", "h"))
    if values["h"] != digest:
        raise InvalidInput(_BAD_CURSOR)
    try:
        return Decimal(str(values["s"])), uuid.UUID(str(values["id"]))
    except (ValueError, InvalidOperation):
        raise InvalidInput(_BAD_CURSOR) from None


# --- Filters: each is a condition on ``directors``, mostly EXISTS subqueries on the director's file. ---


def _filters(c: SearchCriteria) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if c.ods_code or c.region or c.board_role or c.board_status:
        out.append(_board_member(c))
    if c.registration_body:
        reg = [
            col(ProfessionalRegistration.director_id) == col(Director.id),
            col(ProfessionalRegistration.body) == c.registration_body,
            col(ProfessionalRegistration.withdrawn_at).is_(None),
        ]
        if c.registration_number:
            reg.append(col(ProfessionalRegistration.number) == c.registration_number)
        out.append(sa.exists().where(*reg))
    if c.has_upheld_finding is not None:
        upheld = sa.exists().where(
            col(Finding.director_id) == col(Director.id),
            col(Finding.status).in_(sorted(UPHELD)),
            col(Finding.withdrawn_at).is_(None),
        )
        out.append(upheld if c.has_upheld_finding else ~upheld)
    if c.barred is not None:
        out.append(_barred() if c.barred else ~_barred())
    if c.assessment_outcome is not None:
        out.append(_latest_outcome() == c.assessment_outcome.value)
    if c.overdue_checks is not None:
        out.append(_overdue() if c.overdue_checks else ~_overdue())
    return out


def _board_member(c: SearchCriteria) -> ColumnElement[bool]:
    """A board appointment at the organisation / in the region / in the role, current, former or either.

    Current means not ended (an appointment recorded ahead of its start counts, as in ``policy.appointed_at``);
    former means one has ended and none matching is current. Without ``board_status``, current.
    """
    status = c.board_status or BoardStatus.CURRENT
    today = policy.today()

    def appointment(state: BoardStatus) -> ColumnElement[bool]:
        e = aliased(EmploymentRecord)
        where = [
            col(e.director_id) == col(Director.id),
            col(e.kind) == EmploymentKind.BOARD_APPOINTMENT,
            col(e.withdrawn_at).is_(None),
        ]
        if c.ods_code:
            where.append(col(e.ods_code) == c.ods_code)
        if c.region:
            where.append(
                col(e.ods_code).in_(sa.select(col(Organisation.ods_code)).where(col(Organisation.region) == c.region))
            )
        if c.board_role:
            where.append(col(e.board_role) == c.board_role)
        if state is BoardStatus.CURRENT:
            where.append(sa.or_(col(e.end_date).is_(None), col(e.end_date) >= today))
        elif state is BoardStatus.FORMER:
            where.append(col(e.end_date) < today)
        return sa.exists().where(*where)

    if status is BoardStatus.FORMER:
        return sa.and_(appointment(BoardStatus.FORMER), ~appointment(BoardStatus.CURRENT))
    return appointment(status)


def _barred() -> ColumnElement[bool]:
    """An active bar: an upheld barring decision whose bar has started and not ended."""
    today = policy.today()
    return sa.exists().where(
        col(Finding.director_id) == col(Director.id),
        col(Finding.finding_type) == FindingType.BARRING_DECISION,
        col(Finding.status).in_(sorted(UPHELD)),
        col(Finding.withdrawn_at).is_(None),
        col(Finding.bar_start) <= today,
        sa.or_(col(Finding.bar_end).is_(None), col(Finding.bar_end) >= today),
    )


def _latest_outcome() -> sa.ScalarSelect[Any]:
    """The outcome of the director's newest signed-off FPPT assessment (at any organisation)."""
    return (
        sa.select(col(Assessment.outcome))
        .where(col(Assessment.director_id) == col(Director.id), col(Assessment.status) == AssessmentStatus.SIGNED_OFF)
        .order_by(col(Assessment.signed_off_at).desc(), col(Assessment.id).desc())
        .limit(1)
        .correlate(Director)
        .scalar_subquery()
    )


def _overdue() -> ColumnElement[bool]:
    """Some check type's current (newest) result is past its next-due date, as on the due-checks list."""
    return _overdue_on(policy.today())


@functools.lru_cache(maxsize=4)
def _overdue_on(today: dt.date) -> ColumnElement[bool]:
    """:func:`_overdue` as of ``today``, built once a day: building the ORM aliases costs a search more than the
    statement takes to run (SQL expressions are immutable, so one serves every statement of the day)."""
    check, newer = aliased(FpptCheck), aliased(FpptCheck)

    def performed(c: Any) -> ColumnElement[dt.date]:
        return sa.func.coalesce(col(c.performed_on), sa.cast(col(c.created_at), sa.Date))

    superseded = sa.exists().where(
        col(newer.director_id) == col(check.director_id),
        col(newer.check_type) == col(check.check_type),
        sa.tuple_(performed(newer), col(newer.id)) > sa.tuple_(performed(check), col(check.id)),
    )
    return sa.exists().where(
        col(check.director_id) == col(Director.id),
        col(check.next_due) < today,
        ~superseded,
    )
