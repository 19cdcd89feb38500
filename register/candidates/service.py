"""Candidate checks and the summary view (DESIGN.md §4): a trust's look at a candidate's track record.

The summary shows identity, employment with board appointments, six-year coverage, qualifications,
signed-off assessment outcomes, upheld findings, bars, the existence of open investigations, BMRs on file and
the director's statements. It never carries check evidence, DBS or health details, drafts or notes.
"""

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.access import policy
from register.access.principal import Actor
from register.audit.service import record_event
from register.candidates import queries
from register.candidates.models import CandidateCheck, IdentifiedBy
from register.db import StatementRunner
from register.directors.models import RegistrationStatus
from register.employment.coverage import compute_coverage
from register.employment.models import BoardRole, EmploymentKind
from register.errors import Forbidden, NotFound
from register.identifiers import RegistrationBody
from register.names import name_key
from register.records import prepared as sql
from register.settings import Settings

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


async def check_candidate_json(
    runner: StatementRunner,
    actor: Actor,
    settings: Settings,
    *,
    who: CandidateIdentifier,
    purpose: str,
    vacancy_board_role: BoardRole,
    vacancy_title: str | None,
) -> "CheckAnswer":
    """Record the check (who, organisation, purpose, when) and return it with the candidate's summary view.

    The check, its audit event and the summary are written and read in one statement; a candidate named by
    registration or by name and date of birth is looked up first. No match is recorded too, and is the same 404
    whatever nearly matched.
    """
    principal = actor.principal
    if not policy.can_check_candidates(principal) or principal.org is None:
        raise Forbidden("Candidate checks are made by a trust's HR team.")
    # The purpose the trust gave for this check is the one its audit events carry (and the director sees in who
    # read their record and why); it wins over an X-Purpose header, whatever that says.
    actor = dataclasses.replace(actor, purpose=purpose)
    director_id = who.director_id or await _find(runner, who)
    today = policy.today()
    row = None
    if director_id is not None:
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
            **sql.audit_values(actor, "candidate_check.create", "candidate_check", detail),
        }
        row = await sql.fetch_row(runner, sql.prepare(("check", today), queries.check_statement), values)
    if row is None:
        detail = {"identified_by": who.kind.value, "purpose": purpose}
        values = sql.audit_values(actor, "candidate_check.no_match", "candidate_check", detail)
        await sql.fetch_row(runner, sql.prepare(("event",), sql.event_statement), values)
        raise NotFound(NO_MATCH)
    summary = summary_view(str(row[0]), settings, today)
    check = msgspec.json.decode(str(row[1]))
    links = check_links(check, summary, principal.org)
    body = b'{"check":' + str(row[1]).encode() + b',"summary":' + msgspec.json.encode(summary)
    return CheckAnswer(check_id=uuid.UUID(check["id"]), body=body + b',"links":' + msgspec.json.encode(links) + b"}")


@dataclass(frozen=True)
class CheckAnswer:
    """A recorded candidate check: its id and the JSON body of ``CandidateCheckResult``."""

    check_id: uuid.UUID
    body: bytes


def check_path(check_id: Any) -> str:
    return f"/v1/candidate-checks/{check_id}"


def check_links(check: dict[str, Any], summary: dict[str, Any], checking_org: str) -> dict[str, Any]:
    """Where the trust goes next: the check itself, the summary view (while the window is open), and a BMR
    request for each board appointment in the candidate's history at another organisation (the entries a
    reference may be requested for)."""
    director_id = check["director_id"]
    return {
        "self": {"href": check_path(check["id"]), "method": "GET"},
        "summary": {"href": f"/v1/directors/{director_id}/summary", "method": "GET"},
        "request_reference": [
            {
                "employment_id": e["id"],
                "providing_org": e["ods_code"],
                "role_title": e["role_title"],
                "href": "/v1/reference-requests",
                "method": "POST",
                "body": {"director_id": director_id, "employment_id": e["id"]},
            }
            for e in summary["employment"]
            if e["kind"] == EmploymentKind.BOARD_APPOINTMENT.value and e["ods_code"] and e["ods_code"] != checking_org
        ],
    }


async def _find(runner: StatementRunner, who: CandidateIdentifier) -> uuid.UUID | None:
    """The one director a registration, or a name and date of birth, names; None for none or several."""
    if who.registration_number is not None:
        row = await sql.fetch_row(
            runner,
            sql.prepare(("find", "registration"), queries.by_registration),
            {"body": who.registration_body, "number": who.registration_number},
        )
        return row[0] if row is not None else None
    assert who.given_name and who.family_name and who.date_of_birth
    row = await sql.fetch_row(
        runner, sql.prepare(("find", "birth"), queries.born_on), {"date_of_birth": who.date_of_birth}
    )
    wanted = name_key(who.given_name, who.family_name)
    matches = [
        uuid.UUID(d["id"])
        for d in msgspec.json.decode(row[0] or "[]")
        if wanted
        in {name_key(d["given_name"], d["family_name"])}
        | {name_key(n.get("given_name", ""), n.get("family_name", "")) for n in d["former_names"]}
    ]
    return matches[0] if len(matches) == 1 else None


async def read_summary_json(runner: StatementRunner, actor: Actor, settings: Settings, director_id: uuid.UUID) -> bytes:
    """The summary view, for those who may read the file and for trusts within a candidate check's window: the
    scope, the audit event and the view in one statement; the JSON body of ``CandidateSummary``."""
    if not policy.can_see_personal_data(actor.principal):
        raise Forbidden("Administrators see no personal data.")
    today = policy.today()
    shape, stand_ins, key = sql.scope_placeholders(actor.principal)
    # A trust's summary scope includes its open candidate checks, compared with the register's clock at this
    # request: the statement is built with a stand-in time that gets the clock's value.
    stand_ins[sql.SCOPE_NOW] = policy.now()
    prepared = sql.prepare(
        ("summary", *key, today), lambda: queries.summary_statement(policy.visible_summaries(shape, sql.SCOPE_NOW))
    )
    values = {"director_id": director_id, "today": today, **sql.audit_values(actor, "director.summary", "director")}
    row = await sql.fetch_row(runner, prepared, values, stand_ins)
    if row is None:
        raise NotFound(f"No director {director_id} that you may see is on the register.")
    return finish_summary(str(row[0]), settings, today)


async def director_not_found(runner: StatementRunner, actor: Actor, director_id: uuid.UUID) -> NotFound:
    """The 404 of a director's file the caller may not read. When the caller's trust holds a candidate check on
    the director whose window is open, it names the summary view they may read instead; otherwise it is the
    same 404 as for an id that is not on the register, so that it tells nobody else the director exists.

    Run only once the read has found nothing: the reads that succeed never pay for it."""
    principal = actor.principal
    if policy.can_hold_candidate_checks(principal):
        shape, stand_ins, key = sql.scope_placeholders(principal)
        stand_ins[sql.SCOPE_NOW] = policy.now()
        prepared = sql.prepare(
            ("candidate-window", *key, policy.today()),
            lambda: sa.select(
                policy.checked_candidate(shape, sa.bindparam("director_id", None, type_=sa.Uuid), sql.SCOPE_NOW)
            ),
        )
        row = await sql.fetch_row(runner, prepared, {"director_id": director_id}, stand_ins)
        if row is not None and row[0]:
            summary = f"/v1/directors/{director_id}/summary"
            return NotFound(
                f"Director {director_id} is not one of your organisation's directors, so their full file is not "
                f"yours to read; your organisation's candidate check on them is open: read their summary view at "
                f"{summary}.",
                summary=summary,
            )
    return NotFound(f"No director {director_id} that you may see is on the register.")


def finish_summary(body: str, settings: Settings, today: dt.date) -> bytes:
    """Add the six-year coverage and the flags to the view from SQL; the JSON body of ``CandidateSummary``."""
    return msgspec.json.encode(summary_view(body, settings, today))


def summary_view(body: str, settings: Settings, today: dt.date) -> dict[str, Any]:
    """The view from SQL with the six-year coverage and the flags added."""
    summary: dict[str, Any] = msgspec.json.decode(body)
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
    summary["flags"] = _flags(today, summary, helper, coverage)
    return summary


def _flags(today: dt.date, summary: dict[str, Any], helper: dict[str, Any], coverage: Any) -> list[dict[str, str]]:
    """The six flags a trust acts on, each with its explanation, from the view and its ``_flags`` helper."""
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


async def get_check(session: AsyncSession, actor: Actor, check_id: uuid.UUID) -> CandidateCheck:
    """One candidate check, for the trust that made it, the director it is about, regulators and auditors."""
    p = actor.principal
    if not policy.can_see_personal_data(p):
        raise Forbidden("Administrators see no personal data.")
    row = (
        await session.execute(
            sa.select(CandidateCheck).where(col(CandidateCheck.id) == check_id, policy.visible_candidate_checks(p))
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"No candidate check {check_id} that you may see.")
    await record_event(
        session,
        actor,
        "candidate_check.read",
        record_type="candidate_check",
        record_id=str(check_id),
        director_id=row.director_id,
    )
    return row


async def checks_on(session: AsyncSession, director_id: uuid.UUID) -> list[CandidateCheck]:
    """Every candidate check made on a director, newest first (the director sees these)."""
    rows = await session.execute(
        sa.select(CandidateCheck)
        .where(col(CandidateCheck.director_id) == director_id)
        .order_by(col(CandidateCheck.checked_at).desc())
    )
    return list(rows.scalars())
