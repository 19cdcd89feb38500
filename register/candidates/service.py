"""Candidate checks and the summary view (DESIGN.md §4): a trust's look at a candidate's track record.

The summary shows identity, employment with board appointments, six-year coverage, qualifications,
signed-off assessment outcomes, upheld findings, bars, the existence of open investigations, BMRs on file and
the director's statements. It never carries check evidence, DBS or health details, drafts or notes.
"""

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.access import policy
from register.access.principal import Actor, Role
from register.assessments.models import Assessment, AssessmentKind, AssessmentStatus
from register.audit.service import record_event
from register.candidates.models import CandidateCheck, IdentifiedBy
from register.directors import queries
from register.directors.models import Director, ProfessionalRegistration, RegistrationStatus
from register.employment.coverage import compute_coverage
from register.employment.models import BoardRole, EmploymentKind, EmploymentRecord, GapExplanation
from register.errors import Forbidden, NotFound
from register.findings.models import OPEN, UPHELD, Finding, FindingType
from register.identifiers import RegistrationBody
from register.names import name_key
from register.qualifications.models import Qualification
from register.references.models import BoardMemberReference
from register.settings import Settings
from register.statements.models import Statement
from register.versions.service import snapshot

# FPPT Framework: the annual assessment is yearly; 15 months allows for the timing of board cycles.
STALE_ASSESSMENT_DAYS = 456


@dataclass(frozen=True)
class CandidateIdentifier:
    """How the trust names the candidate: exactly one of the three ways."""

    director_id: uuid.UUID | None = None
    registration_body: RegistrationBody | None = None
    registration_number: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: dt.date | None = None

    @property
    def kind(self) -> IdentifiedBy:
        if self.director_id is not None:
            return IdentifiedBy.REGISTER_ID
        if self.registration_number is not None:
            return IdentifiedBy.REGISTRATION
        return IdentifiedBy.NAME_AND_DATE_OF_BIRTH


NO_MATCH = (
    "No director on the register matches the details given. Check them against the candidate's own "
    "documents; a person new to NHS boards will not be on the register yet."
)


async def _find(session: AsyncSession, who: CandidateIdentifier) -> uuid.UUID:
    """The one director the identifier names; anything else is the same 404, whatever nearly matched."""
    if who.director_id is not None:
        found = await session.execute(sa.select(col(Director.id)).where(col(Director.id) == who.director_id))
        match = found.scalar_one_or_none()
    elif who.registration_number is not None:
        found = await session.execute(
            sa.select(col(ProfessionalRegistration.director_id)).where(
                col(ProfessionalRegistration.body) == who.registration_body,
                col(ProfessionalRegistration.number) == who.registration_number,
                col(ProfessionalRegistration.withdrawn_at).is_(None),
            )
        )
        match = found.scalar_one_or_none()
    else:
        assert who.given_name and who.family_name and who.date_of_birth
        wanted = name_key(who.given_name, who.family_name)
        rows = await session.execute(
            sa.select(col(Director.id), col(Director.given_name), col(Director.family_name), col(Director.former_names))
            .where(col(Director.date_of_birth) == who.date_of_birth)
            .order_by(col(Director.id))
        )
        matches = [
            director_id
            for director_id, given, family, former in rows
            if wanted
            in {name_key(given, family)} | {name_key(n.get("given_name", ""), n.get("family_name", "")) for n in former}
        ]
        match = matches[0] if len(matches) == 1 else None
    if match is None:
        raise NotFound(NO_MATCH)
    return match


async def check_candidate(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    *,
    who: CandidateIdentifier,
    purpose: str,
    vacancy_board_role: BoardRole,
    vacancy_title: str | None,
) -> tuple[CandidateCheck, dict[str, Any]]:
    """Record the check (who, organisation, purpose, when) and return the candidate's summary view."""
    principal = actor.principal
    if principal.role is not Role.TRUST_HR or principal.org is None:
        raise Forbidden("Candidate checks are made by a trust's HR team.")
    try:
        director_id = await _find(session, who)
    except NotFound:
        await record_event(
            session,
            actor,
            "candidate_check.no_match",
            record_type="candidate_check",
            detail={"identified_by": who.kind.value, "purpose": purpose},
        )
        raise
    check = CandidateCheck(
        director_id=director_id,
        checking_org=principal.org,
        checked_by=principal.sub,
        purpose=purpose,
        vacancy_board_role=vacancy_board_role,
        vacancy_title=vacancy_title,
        identified_by=who.kind,
        access_until=policy.now() + dt.timedelta(days=settings.candidate_access_days),
    )
    session.add(check)
    await session.flush()
    await session.refresh(check)
    await record_event(
        session,
        actor,
        "candidate_check.create",
        record_type="candidate_check",
        record_id=str(check.id),
        director_id=director_id,
        detail={"identified_by": who.kind.value, "purpose": purpose, "vacancy": vacancy_board_role.value},
    )
    return check, await build_summary(session, director_id, settings)


async def read_summary(
    session: AsyncSession, actor: Actor, settings: Settings, director_id: uuid.UUID
) -> dict[str, Any]:
    """The summary view, for those who may read the file and for trusts within a candidate check's window."""
    if actor.principal.role is Role.ADMIN:
        raise Forbidden("Administrators see no personal data.")
    visible = await session.execute(
        sa.select(col(Director.id)).where(col(Director.id) == director_id, policy.visible_summaries(actor.principal))
    )
    if visible.scalar_one_or_none() is None:
        raise NotFound(f"No director {director_id} that you may see is on the register.")
    await record_event(
        session, actor, "director.summary", record_type="director", record_id=str(director_id), director_id=director_id
    )
    return await build_summary(session, director_id, settings)


async def check_candidate_json(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    *,
    who: CandidateIdentifier,
    purpose: str,
    vacancy_board_role: BoardRole,
    vacancy_title: str | None,
) -> bytes:
    """:func:`check_candidate` with the check, its audit event and the summary written and read in one statement.

    Returns the JSON body of ``CandidateCheckResult`` (the check as recorded and the summary view).
    """
    principal = actor.principal
    if principal.role is not Role.TRUST_HR or principal.org is None:
        raise Forbidden("Candidate checks are made by a trust's HR team.")
    try:
        director_id = await _find(session, who)
    except NotFound:
        await record_event(
            session,
            actor,
            "candidate_check.no_match",
            record_type="candidate_check",
            detail={"identified_by": who.kind.value, "purpose": purpose},
        )
        raise
    today = policy.today()

    def build() -> sa.Select[Any]:
        checks = CandidateCheck.__table__  # type: ignore[attr-defined]
        chk = (
            sa.insert(checks)
            .values(
                director_id=sa.bindparam("director_id", None, type_=sa.Uuid),
                checking_org=sa.bindparam("c_org", None, type_=sa.String),
                checked_by=sa.bindparam("c_by", None, type_=sa.String),
                purpose=sa.bindparam("c_purpose", None, type_=sa.String),
                vacancy_board_role=sa.bindparam("c_role", None, type_=sa.String),
                vacancy_title=sa.bindparam("c_title", None, type_=sa.String),
                identified_by=sa.bindparam("c_identified_by", None, type_=sa.String),
                access_until=sa.bindparam("c_access_until", None, type_=sa.DateTime(timezone=True)),
            )
            .returning(*checks.c)
            .cte("chk")
        )
        audit = queries.audit_cte(chk, record_id=sa.cast(chk.c.id, sa.String), director_id=chk.c.director_id)
        stmt = queries.summary_statement(sa.true(), also=chk)
        return stmt.add_columns(sa.literal_column(queries.CHECK_JSON)).add_cte(audit)

    prepared = queries.prepare(("check", today), build, session.get_bind().dialect)
    detail = {"identified_by": who.kind.value, "purpose": purpose, "vacancy": vacancy_board_role.value}
    values = {
        "director_id": director_id,
        "today": today,
        "c_org": principal.org,
        "c_by": principal.sub,
        "c_purpose": purpose,
        "c_role": vacancy_board_role.value,
        "c_title": vacancy_title,
        "c_identified_by": who.kind.value,
        "c_access_until": policy.now() + dt.timedelta(days=settings.candidate_access_days),
        **queries.audit_values(actor, "candidate_check.create", "candidate_check", detail),
    }
    row = await queries.fetch_row(session, prepared, values)
    summary = finish_summary(str(row[0]), settings, today)
    return b'{"check":' + str(row[1]).encode() + b',"summary":' + summary + b"}"


async def read_summary_json(session: AsyncSession, actor: Actor, settings: Settings, director_id: uuid.UUID) -> bytes:
    """:func:`read_summary` in one statement (scope, audit event and view); the JSON body of ``CandidateSummary``."""
    if actor.principal.role is Role.ADMIN:
        raise Forbidden("Administrators see no personal data.")
    today = policy.today()
    shape, stand_ins, key = queries.scope_placeholders(actor.principal)
    # A trust's summary scope includes its open candidate checks, compared with the register's clock at this
    # request: that statement is compiled for each request (the value is part of the scope expression).
    cacheable = actor.principal.role is not Role.TRUST_HR
    prepared = queries.prepare(
        ("summary", *key, today) if cacheable else None,
        lambda: queries.summary_statement(policy.visible_summaries(shape)),
        session.get_bind().dialect,
    )
    values = {"director_id": director_id, "today": today, **queries.audit_values(actor, "director.summary", "director")}
    row = await queries.fetch_row(session, prepared, values, stand_ins)
    if row is None:
        raise NotFound(f"No director {director_id} that you may see is on the register.")
    return finish_summary(str(row[0]), settings, today)


def finish_summary(body: str, settings: Settings, today: dt.date) -> bytes:
    """Add the six-year coverage and the flags (computed here, as in :func:`build_summary`) to the view from SQL."""
    summary = msgspec.json.decode(body)
    helper = summary.pop("_flags")
    day = dt.date.fromisoformat
    employment = summary["employment"]
    coverage = compute_coverage(
        [(day(e["start_date"]), day(e["end_date"]) if e["end_date"] else None) for e in employment],
        [(uuid.UUID(g["id"]), day(g["start"]), day(g["end"])) for g in helper["explanations"]],
        today=today,
        years=6,
        threshold_days=settings.coverage_gap_threshold_days,
    )
    summary["coverage"] = {
        "window_start": coverage.window.start.isoformat(),
        "window_end": coverage.window.end.isoformat(),
        "gaps": [
            {"start": g.start.isoformat(), "end": g.end.isoformat(), "days": g.days, "explained": g.explained}
            for g in coverage.gaps
        ],
    }
    summary["flags"] = _json_flags(today, summary, helper, coverage)
    return msgspec.json.encode(summary)


def _json_flags(today: dt.date, summary: dict[str, Any], helper: dict[str, Any], coverage: Any) -> list[dict[str, str]]:
    """:func:`_flags` over the JSON view: the same codes and the same words."""
    flags: list[dict[str, str]] = []
    bar = summary["bar"]
    if bar:
        until = bar["bar_end"] or "indefinitely"
        flags.append(
            {"code": "barred", "explanation": f"Barred from board roles from {bar['bar_start']} until {until}."}
        )
    opened = [f["opened_on"] for f in summary["open_investigations"]]
    if opened:
        flags.append(
            {
                "code": "open_investigation",
                "explanation": f"{len(opened)} matter(s) under investigation or appeal, the first "
                f"reported on {min(opened)}; ask the candidate and the recording body.",
            }
        )
    unexplained = coverage.unexplained_gaps
    if unexplained:
        total = sum(g.days for g in unexplained)
        flags.append(
            {
                "code": "unexplained_gap",
                "explanation": f"{len(unexplained)} gap(s) in the last six years, {total} days in all, have no "
                "recorded explanation (FPPT: every gap in six years explained).",
            }
        )
    board = [e for e in summary["employment"] if e["kind"] == EmploymentKind.BOARD_APPOINTMENT.value]
    if board:
        latest = helper["annual"]
        if latest is None or (today - dt.date.fromisoformat(latest)).days > STALE_ASSESSMENT_DAYS:
            when = f"was signed off on {latest}" if latest else "is on the register"
            flags.append(
                {
                    "code": "stale_annual_assessment",
                    "explanation": f"No annual FPPT assessment in the last 15 months: the latest {when}.",
                }
            )
    referenced = set(helper["referenced"])
    ended = today.isoformat()
    missing = [e for e in board if e["end_date"] is not None and e["end_date"] < ended and e["id"] not in referenced]
    if missing:
        names = "; ".join(f"{e['role_title']} at {e['employer_name']} (to {e['end_date']})" for e in missing[:5])
        flags.append(
            {
                "code": "board_role_without_reference",
                "explanation": f"No Board Member Reference on file for {len(missing)} previous board role(s): {names}.",
            }
        )
    troubled = [r for r in summary["identity"]["registrations"] if r["status"] != RegistrationStatus.REGISTERED.value]
    if troubled:
        names = "; ".join(f"{r['body']} {r['number']}: {r['status'].replace('_', ' ')}" for r in troubled)
        flags.append({"code": "registration_not_in_good_standing", "explanation": f"Registration status: {names}."})
    return flags


async def checks_on(session: AsyncSession, director_id: uuid.UUID) -> list[CandidateCheck]:
    """Every candidate check made on a director, newest first (the director sees these)."""
    rows = await session.execute(
        sa.select(CandidateCheck)
        .where(col(CandidateCheck.director_id) == director_id)
        .order_by(col(CandidateCheck.checked_at).desc())
    )
    return list(rows.scalars())


def _pick(row: Any, *fields: str) -> dict[str, Any]:
    data = snapshot(row)
    return {f: data[f] for f in fields}


async def build_summary(session: AsyncSession, director_id: uuid.UUID, settings: Settings) -> dict[str, Any]:
    """Assemble the summary view; each part lists its fields explicitly so nothing restricted slips in."""
    today = policy.today()
    director = await session.get(Director, director_id)
    assert director is not None

    async def rows(model: Any, *where: Any, order: Any = None) -> list[Any]:
        query = sa.select(model).where(col(model.director_id) == director_id, *where)
        if order is not None:
            query = query.order_by(order)
        return list((await session.execute(query)).scalars())

    registrations = await rows(ProfessionalRegistration, col(ProfessionalRegistration.withdrawn_at).is_(None))
    employment = await rows(
        EmploymentRecord, col(EmploymentRecord.withdrawn_at).is_(None), order=col(EmploymentRecord.start_date)
    )
    explanations = await rows(GapExplanation, col(GapExplanation.withdrawn_at).is_(None))
    qualifications = await rows(Qualification, col(Qualification.withdrawn_at).is_(None))
    assessments = await rows(
        Assessment, col(Assessment.status) == AssessmentStatus.SIGNED_OFF, order=col(Assessment.signed_off_at)
    )
    findings = await rows(Finding, col(Finding.withdrawn_at).is_(None), order=col(Finding.reported_on))
    references = await rows(
        BoardMemberReference,
        col(BoardMemberReference.withdrawn_at).is_(None),
        order=col(BoardMemberReference.signed_on),
    )
    statements = await rows(Statement, col(Statement.withdrawn_at).is_(None), order=col(Statement.created_at))

    coverage = compute_coverage(
        [(e.start_date, e.end_date) for e in employment],
        [(g.id, g.start_date, g.end_date) for g in explanations if g.id],
        today=today,
        years=6,
        threshold_days=settings.coverage_gap_threshold_days,
    )
    upheld = [f for f in findings if f.status in UPHELD]
    open_investigations = [f for f in findings if f.status in OPEN]
    bars = [
        f
        for f in upheld
        if f.finding_type is FindingType.BARRING_DECISION
        and f.bar_start
        and f.bar_start <= today
        and (f.bar_end is None or f.bar_end >= today)
    ]
    board = [e for e in employment if e.kind is EmploymentKind.BOARD_APPOINTMENT]
    shown = {
        "finding": {str(f.id) for f in upheld},
        "assessment": {str(a.id) for a in assessments},
        "reference": {str(r.id) for r in references},
        "employment": {str(e.id) for e in employment},
        "qualification": {str(q.id) for q in qualifications},
        "registration": {str(r.id) for r in registrations},
    }
    summary: dict[str, Any] = {
        "identity": {
            **_pick(director, "id", "given_name", "family_name", "former_names", "date_of_birth", "synthetic"),
            "registrations": [
                _pick(r, "id", "body", "number", "status", "verified", "verified_on") for r in registrations
            ],
        },
        "employment": [
            _pick(
                e,
                "id",
                "kind",
                "employer_name",
                "ods_code",
                "role_title",
                "start_date",
                "end_date",
                "reason_for_leaving",
                "board_role",
                "portfolio",
                "appointment_type",
                "senior_independent_director",
                "deputy_chair",
                "voting",
            )
            for e in employment
        ],
        "coverage": {
            "window_start": coverage.window.start,
            "window_end": coverage.window.end,
            "gaps": [{"start": g.start, "end": g.end, "days": g.days, "explained": g.explained} for g in coverage.gaps],
        },
        "qualifications": [
            _pick(q, "id", "title", "awarding_body", "level", "awarded_on", "verified", "verified_on")
            for q in qualifications
        ],
        "assessments": [
            {
                **_pick(a, "id", "kind", "year", "ods_code", "outcome"),
                "signed_off_on": a.signed_off_at.date() if a.signed_off_at else None,
            }
            for a in assessments
        ],
        "upheld_findings": [
            _pick(
                f,
                "id",
                "finding_type",
                "status",
                "recording_org",
                "summary",
                "decision_reference",
                "reported_on",
                "decided_on",
                "appeal_decided_on",
                "bar_start",
                "bar_end",
            )
            for f in upheld
        ],
        "open_investigations": [{"opened_on": f.reported_on} for f in open_investigations],
        "bar": _pick(bars[0], "id", "bar_start", "bar_end", "decision_reference") if bars else None,
        "references": [
            _pick(
                r,
                "id",
                "providing_org",
                "kind",
                "role_title",
                "start_date",
                "end_date",
                "answers",
                "competence",
                "signatory_name",
                "signatory_role",
                "signed_on",
                "correction_reason",
                "version",
            )
            for r in references
        ],
        "statements": [
            _pick(s, "id", "about_record_type", "about_record_id", "text", "created_at", "updated_at")
            for s in statements
            if s.about_record_type is None or s.about_record_id in shown.get(s.about_record_type, set())
        ],
    }
    summary["flags"] = _flags(today, bars, open_investigations, coverage, assessments, board, references, registrations)
    return summary


def _flags(
    today: dt.date,
    bars: list[Finding],
    open_investigations: list[Finding],
    coverage: Any,
    assessments: list[Assessment],
    board: list[EmploymentRecord],
    references: list[BoardMemberReference],
    registrations: list[ProfessionalRegistration],
) -> list[dict[str, str]]:
    """What a panel must look at before appointing, each with its reason in words."""
    flags: list[dict[str, str]] = []
    if bars:
        b = bars[0]
        until = b.bar_end.isoformat() if b.bar_end else "indefinitely"
        flags.append({"code": "barred", "explanation": f"Barred from board roles from {b.bar_start} until {until}."})
    if open_investigations:
        first = min(f.reported_on for f in open_investigations)
        flags.append(
            {
                "code": "open_investigation",
                "explanation": f"{len(open_investigations)} matter(s) under investigation or appeal, the first "
                f"reported on {first.isoformat()}; ask the candidate and the recording body.",
            }
        )
    unexplained = coverage.unexplained_gaps
    if unexplained:
        total = sum(g.days for g in unexplained)
        flags.append(
            {
                "code": "unexplained_gap",
                "explanation": f"{len(unexplained)} gap(s) in the last six years, {total} days in all, have no "
                "recorded explanation (FPPT: every gap in six years explained).",
            }
        )
    if board:
        annual = [a for a in assessments if a.kind is AssessmentKind.ANNUAL and a.signed_off_at]
        latest = max((a.signed_off_at.date() for a in annual if a.signed_off_at), default=None)
        if latest is None or (today - latest).days > STALE_ASSESSMENT_DAYS:
            when = f"was signed off on {latest.isoformat()}" if latest else "is on the register"
            flags.append(
                {
                    "code": "stale_annual_assessment",
                    "explanation": f"No annual FPPT assessment in the last 15 months: the latest {when}.",
                }
            )
    referenced = {r.employment_id for r in references}
    missing = [e for e in board if e.end_date is not None and e.end_date < today and e.id not in referenced]
    if missing:
        names = "; ".join(f"{e.role_title} at {e.employer_name} (to {e.end_date})" for e in missing[:5])
        flags.append(
            {
                "code": "board_role_without_reference",
                "explanation": f"No Board Member Reference on file for {len(missing)} previous board role(s): {names}.",
            }
        )
    troubled = [r for r in registrations if r.status is not RegistrationStatus.REGISTERED]
    if troubled:
        names = "; ".join(f"{r.body.value} {r.number}: {r.status.value.replace('_', ' ')}" for r in troubled)
        flags.append({"code": "registration_not_in_good_standing", "explanation": f"Registration status: {names}."})
    return flags
