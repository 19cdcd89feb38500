"""Annual FPPT returns: built from the register, submitted (and so frozen) by the chair, followed by regulators.

A return covers every board member in post at any time in the calendar year, with their assessment for that
year at the organisation (the newest signed-off one, so a correction replaces what it corrects).
"""

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.access import policy
from register.access.principal import Actor
from register.appraisals.service import appraised_directors
from register.assessments.models import Assessment, AssessmentOutcome, AssessmentStatus, SignerOffice
from register.attestations.service import attested_years
from register.audit.service import record_event, record_reads
from register.checks.models import ANNUAL_REQUIRED
from register.checks.service import current_checks, find_gaps, load_board_organisation
from register.directors.models import Director
from register.employment.models import EmploymentKind, EmploymentRecord
from register.errors import Forbidden, NotFound, PreconditionFailed, RuleViolation
from register.identifiers import OrganisationKind, Region
from register.organisations.models import Organisation
from register.records.history import record_change
from register.records.pages import decode_cursor, encode_cursor
from register.returns.models import AnnualReturn

RECORD_TYPE = "annual_return"
FIRST_YEAR = 2023  # NHS England's FPPT framework for board members took effect on 30 September 2023
OUTCOMES = tuple(AssessmentOutcome)


@dataclass
class ReturnView:
    """An organisation's return for a year: the frozen submission, or the live state of the register."""

    ods_code: str
    name: str
    region: Region | None
    year: int
    status: str  # "submitted" or "not_submitted"
    version: int  # the submission shown (0 before the first)
    latest_version: int
    contents: dict[str, Any]
    declaration: str | None = None
    submitted_at: dt.datetime | None = None
    submitted_by: str | None = None


@dataclass
class Counts:
    """Board members and assessment outcomes, for one organisation or summed over many."""

    organisations: int = 0
    submitted: int = 0
    members: int = 0
    signed_off: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: {o.value: 0 for o in OUTCOMES})

    def add(self, other: "Counts") -> None:
        self.organisations += other.organisations
        self.submitted += other.submitted
        self.members += other.members
        self.signed_off += other.signed_off
        for key, value in other.outcomes.items():
            self.outcomes[key] += value

    @property
    def completion_rate(self) -> float | None:
        return round(self.signed_off / self.members, 4) if self.members else None

    @property
    def submission_rate(self) -> float | None:
        return round(self.submitted / self.organisations, 4) if self.organisations else None


@dataclass
class OrganisationStatus:
    """One organisation in the regulators' overview."""

    ods_code: str
    name: str
    region: Region | None
    submitted: bool
    version: int
    submitted_at: dt.datetime | None
    counts: Counts


@dataclass
class Overview:
    year: int
    national: Counts
    regions: dict[str, Counts]
    items: list[OrganisationStatus]
    next_cursor: str | None


async def get_return(
    session: AsyncSession,
    actor: Actor,
    ods_code: str,
    year: int,
    *,
    version: int | None = None,
    live: bool = False,
) -> ReturnView:
    """The return as submitted (the newest submission, or ``version``), or as the register stands (``live``)."""
    ods_code = ods_code.upper()
    org = await load_board_organisation(session, actor, ods_code)
    _check_year(year)
    submissions = await _submissions(session, ods_code, year)
    latest = submissions[0].version if submissions else 0
    chosen: AnnualReturn | None = None
    if version is not None:
        chosen = next((s for s in submissions if s.version == version), None)
        if chosen is None:
            raise NotFound(f"{ods_code} has no submission {version} of its {year} return.")
    elif submissions and not live:
        chosen = submissions[0]
    if chosen is not None:
        view = ReturnView(
            ods_code=org.ods_code,
            name=org.name,
            region=org.region,
            year=year,
            status="submitted",
            version=chosen.version,
            latest_version=latest,
            contents=chosen.contents,
            declaration=chosen.declaration,
            submitted_at=chosen.submitted_at,
            submitted_by=chosen.submitted_by,
        )
    else:
        view = ReturnView(
            ods_code=org.ods_code,
            name=org.name,
            region=org.region,
            year=year,
            status="submitted" if submissions else "not_submitted",
            version=latest,
            latest_version=latest,
            contents=await build_contents(session, org, year),
        )
    await record_reads(
        session,
        actor,
        "annual_return.read",
        [uuid.UUID(m["director_id"]) for m in view.contents["members"]],
        ods_code=ods_code,
        year=year,
        version=view.version,
        live=chosen is None,
    )
    return view


async def submit_return(
    session: AsyncSession, actor: Actor, ods_code: str, year: int, *, expected_version: int, declaration: str
) -> ReturnView:
    """The chair submits the return with their declaration; it is frozen, and a resubmission is a new version."""
    ods_code = ods_code.upper()
    org = await load_board_organisation(session, actor, ods_code)
    principal = actor.principal
    if not policy.can_submit_return(principal) or principal.director_id is None:
        raise Forbidden("The annual return is submitted by the organisation's chair.")
    chair = await session.execute(sa.select(policy.holds_office(principal.director_id, ods_code, SignerOffice.CHAIR)))
    if not chair.scalar():
        raise Forbidden(f"The annual return is submitted by the chair of {ods_code}.")
    _check_year(year)
    submissions = await _submissions(session, ods_code, year)
    latest = submissions[0].version if submissions else 0
    if expected_version != latest:
        raise PreconditionFailed(
            f"The {year} return is at version {latest}, not {expected_version}; read it again and resend.",
            current_version=latest,
        )
    contents = await build_contents(session, org, year)
    summary = contents["summary"]
    row = AnnualReturn(
        ods_code=ods_code,
        year=year,
        version=latest + 1,
        declaration=declaration,
        submitted_by=principal.sub,
        submitted_by_director_id=principal.director_id,
        contents=contents,
        members=summary["members"],
        signed_off=summary["signed_off"],
        fit_and_proper=summary["outcomes"][AssessmentOutcome.FIT_AND_PROPER.value],
        not_fit_and_proper=summary["outcomes"][AssessmentOutcome.NOT_FIT_AND_PROPER.value],
        pending_investigation=summary["outcomes"][AssessmentOutcome.PENDING_INVESTIGATION.value],
    )
    session.add(row)
    await session.flush()
    await session.refresh(row)
    record_id = f"{ods_code}:{year}"
    await record_change(
        session,
        actor,
        row,
        record_type=RECORD_TYPE,
        record_id=record_id,
        change="submitted",
        action="annual_return.submit",
        detail={"version": row.version, "members": row.members, "signed_off": row.signed_off},
    )
    return ReturnView(
        ods_code=org.ods_code,
        name=org.name,
        region=org.region,
        year=year,
        status="submitted",
        version=row.version,
        latest_version=row.version,
        contents=contents,
        declaration=declaration,
        submitted_at=row.submitted_at,
        submitted_by=row.submitted_by,
    )


async def build_contents(session: AsyncSession, org: Organisation, year: int) -> dict[str, Any]:
    """Every board member in post during ``year``, their assessment status and outcome, and what is missing."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    on = min(policy.today(), last)
    rows = await session.execute(
        sa.select(EmploymentRecord, Director)
        .join(Director, col(Director.id) == col(EmploymentRecord.director_id))
        .where(
            col(EmploymentRecord.kind) == EmploymentKind.BOARD_APPOINTMENT,
            col(EmploymentRecord.ods_code) == org.ods_code,
            col(EmploymentRecord.withdrawn_at).is_(None),
            col(EmploymentRecord.start_date) <= last,
            sa.or_(col(EmploymentRecord.end_date).is_(None), col(EmploymentRecord.end_date) >= first),
        )
        .order_by(
            col(Director.family_name), col(Director.given_name), col(Director.id), col(EmploymentRecord.start_date)
        )
    )
    people: dict[uuid.UUID, dict[str, Any]] = {}
    for appointment, director in rows:
        assert director.id is not None
        line = people.setdefault(
            director.id,
            {
                "director_id": str(director.id),
                "given_name": director.given_name,
                "family_name": director.family_name,
                "roles": [],
                "in_post_until": None,
                "_left": True,
            },
        )
        role = appointment.board_role.value if appointment.board_role else "board_member"
        if appointment.senior_independent_director:
            role += " (senior independent director)"
        line["roles"].append({"role": role, "start_date": appointment.start_date.isoformat(), "end_date": None})
        if appointment.end_date is not None:
            line["roles"][-1]["end_date"] = appointment.end_date.isoformat()
        if appointment.end_date is None or appointment.end_date >= on:
            line["_left"] = False
    ids = list(people)
    chosen = await _assessments(session, org.ods_code, year, ids)
    attested = await attested_years(session, ids, year)
    appraised = await appraised_directors(session, ids, org.ods_code, year)
    checks = await current_checks(session, ids)
    summary = Counts(organisations=1, members=len(ids))
    statuses = {"not_started": 0, **{s.value: 0 for s in AssessmentStatus}}
    complete = 0
    members: list[dict[str, Any]] = []
    for director_id, line in people.items():
        left = line.pop("_left")
        assessment = chosen.get(director_id)
        missing: list[str] = []
        if assessment is None:
            line["assessment"] = {"status": "not_started"}
            missing.append(f"no FPPT assessment for {year}")
            statuses["not_started"] += 1
        else:
            line["assessment"] = {
                "assessment_id": str(assessment.id),
                "kind": assessment.kind.value,
                "status": assessment.status.value,
                "outcome": assessment.outcome.value if assessment.outcome else None,
                "signed_off_at": assessment.signed_off_at.isoformat() if assessment.signed_off_at else None,
            }
            statuses[assessment.status.value] += 1
            if assessment.status is AssessmentStatus.SIGNED_OFF and assessment.outcome is not None:
                summary.signed_off += 1
                summary.outcomes[assessment.outcome.value] += 1
            else:
                missing.append(f"FPPT assessment for {year} is {assessment.status.value.replace('_', ' ')}")
        line["attested"] = director_id in attested
        line["appraised"] = director_id in appraised
        if not line["attested"]:
            missing.append(f"self-attestation for {year} not signed")
        if not line["appraised"]:
            # The LCF appraisal record, not the FPPT `appraisal` check (that one is among the checks below).
            missing.append(
                f"LCF appraisal (competency appraisal record) for {year} not recorded at {org.ods_code}; "
                "a clear appraisal check does not record it"
            )
        if not left:  # checks of someone who has left the board are no longer kept up
            missing += [g.describe() for g in find_gaps(checks[director_id], ANNUAL_REQUIRED, on)]
        line["missing"] = missing
        complete += not missing
        members.append(line)
    return {
        "ods_code": org.ods_code,
        "year": year,
        "as_of": on.isoformat(),
        "members": members,
        "summary": {
            "members": summary.members,
            "signed_off": summary.signed_off,
            "outcomes": summary.outcomes,
            "statuses": statuses,
            "complete": complete,
            "completion_rate": summary.completion_rate,
        },
    }


async def returns_overview(
    session: AsyncSession,
    actor: Actor,
    *,
    year: int,
    region: Region | None = None,
    limit: int,
    cursor: str | None = None,
) -> Overview:
    """Per organisation: submitted or not, outcome counts and completion; with national and regional totals.

    A submitted organisation is counted as it submitted; one that has not is counted live from the register.
    """
    _check_year(year)
    orgs = list(
        (
            await session.execute(
                sa.select(Organisation)
                .where(col(Organisation.kind) != OrganisationKind.OTHER)
                .order_by(col(Organisation.ods_code))
            )
        ).scalars()
    )
    live = await _live_counts(session, year)
    submitted = {r.ods_code: r for r in await _latest_submissions(session, year)}
    national = Counts()
    regions: dict[str, Counts] = {r.value: Counts() for r in Region}
    statuses: list[OrganisationStatus] = []
    for org in orgs:
        sub = submitted.get(org.ods_code)
        if sub is not None:
            counts = Counts(organisations=1, submitted=1, members=sub.members, signed_off=sub.signed_off)
            counts.outcomes = {
                AssessmentOutcome.FIT_AND_PROPER.value: sub.fit_and_proper,
                AssessmentOutcome.NOT_FIT_AND_PROPER.value: sub.not_fit_and_proper,
                AssessmentOutcome.PENDING_INVESTIGATION.value: sub.pending_investigation,
            }
        else:
            counts = live.get(org.ods_code) or Counts()
            counts.organisations = 1
        national.add(counts)
        if org.region is not None:
            regions[org.region.value].add(counts)
        statuses.append(
            OrganisationStatus(
                ods_code=org.ods_code,
                name=org.name,
                region=org.region,
                submitted=sub is not None,
                version=sub.version if sub else 0,
                submitted_at=sub.submitted_at if sub else None,
                counts=counts,
            )
        )
    items = [s for s in statuses if region is None or s.region is region]
    if cursor:
        after = decode_cursor(cursor, ("ods",))["ods"]
        items = [s for s in items if s.ods_code > after]
    more = len(items) > limit
    items = items[:limit]
    await record_event(
        session,
        actor,
        "annual_return.overview",
        record_type=RECORD_TYPE,
        detail={"year": year, "region": region.value if region else None},
    )
    return Overview(
        year=year,
        national=national,
        regions=regions if region is None else {region.value: regions[region.value]},
        items=items,
        next_cursor=encode_cursor({"ods": items[-1].ods_code}) if more else None,
    )


def _check_year(year: int) -> None:
    today = policy.today()
    if not FIRST_YEAR <= year <= today.year:
        raise RuleViolation(f"Annual returns run from {FIRST_YEAR} to {today.year}; {year} is outside that range.")


async def _submissions(session: AsyncSession, ods_code: str, year: int) -> list[AnnualReturn]:
    rows = await session.execute(
        sa.select(AnnualReturn)
        .where(col(AnnualReturn.ods_code) == ods_code, col(AnnualReturn.year) == year)
        .order_by(col(AnnualReturn.version).desc())
    )
    return list(rows.scalars())


async def _latest_submissions(session: AsyncSession, year: int) -> list[AnnualReturn]:
    rows = await session.execute(
        sa.select(AnnualReturn)
        .where(col(AnnualReturn.year) == year)
        .order_by(col(AnnualReturn.ods_code), col(AnnualReturn.version).desc())
        .ext(distinct_on(col(AnnualReturn.ods_code)))
    )
    return list(rows.scalars())


async def _assessments(
    session: AsyncSession, ods_code: str, year: int, director_ids: list[uuid.UUID]
) -> dict[uuid.UUID, Assessment]:
    """Per director, the assessment the return reports: the newest signed off, else awaiting, else a draft."""
    if not director_ids:
        return {}
    rank = sa.case(
        (col(Assessment.status) == AssessmentStatus.SIGNED_OFF, 0),
        (col(Assessment.status) == AssessmentStatus.AWAITING_SIGN_OFF, 1),
        else_=2,
    )
    rows = await session.execute(
        sa.select(Assessment)
        .where(
            col(Assessment.ods_code) == ods_code,
            col(Assessment.year) == year,
            col(Assessment.director_id).in_(director_ids),
        )
        .order_by(
            col(Assessment.director_id),
            rank,
            col(Assessment.signed_off_at).desc().nulls_last(),
            col(Assessment.id).desc(),
        )
        .ext(distinct_on(col(Assessment.director_id)))
    )
    return {a.director_id: a for a in rows.scalars()}


async def _live_counts(session: AsyncSession, year: int) -> dict[str, Counts]:
    """Members in post during ``year`` and their newest signed-off outcome, per organisation, in one query."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    members = (
        sa.select(col(EmploymentRecord.ods_code).label("ods"), col(EmploymentRecord.director_id).label("did"))
        .where(
            col(EmploymentRecord.kind) == EmploymentKind.BOARD_APPOINTMENT,
            col(EmploymentRecord.ods_code).is_not(None),
            col(EmploymentRecord.withdrawn_at).is_(None),
            col(EmploymentRecord.start_date) <= last,
            sa.or_(col(EmploymentRecord.end_date).is_(None), col(EmploymentRecord.end_date) >= first),
        )
        .distinct()
        .subquery()
    )
    latest = (
        sa.select(
            col(Assessment.ods_code).label("ods"),
            col(Assessment.director_id).label("did"),
            col(Assessment.outcome).label("outcome"),
        )
        .where(col(Assessment.year) == year, col(Assessment.status) == AssessmentStatus.SIGNED_OFF)
        .order_by(
            col(Assessment.ods_code),
            col(Assessment.director_id),
            col(Assessment.signed_off_at).desc(),
            col(Assessment.id).desc(),
        )
        .ext(distinct_on(col(Assessment.ods_code), col(Assessment.director_id)))
        .subquery()
    )
    query = (
        sa.select(
            members.c.ods,
            sa.func.count(),
            sa.func.count(latest.c.outcome),
            *[sa.func.count().filter(latest.c.outcome == o) for o in OUTCOMES],
        )
        .select_from(members.outerjoin(latest, sa.and_(latest.c.ods == members.c.ods, latest.c.did == members.c.did)))
        .group_by(members.c.ods)
    )
    out: dict[str, Counts] = {}
    for ods, total, signed, *by_outcome in await session.execute(query):
        counts = Counts(members=total, signed_off=signed)
        counts.outcomes = {o.value: n for o, n in zip(OUTCOMES, by_outcome, strict=True)}
        out[ods] = counts
    return out
