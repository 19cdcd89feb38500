"""A deterministic synthetic register for benchmarks: ``register bench-data --directors N --seed S``.

Loads organisations, directors (15% with a former name), ~5 employment rows each (board appointments at
real-format ODS codes plus other roles), professional registrations for clinical directors, the FPPT file
(1-3 qualifications each; for current board members the latest annual round of checks, the signed-off annual
assessment and an LCF appraisal; findings for ~3%, some of them bars; leaver BMRs for ~70% of past board roles;
statements from ~3%), and the search tables (``director_names``, ``name_token_variants``) into a separate
database built by the real migrations.

Speed: worker processes generate text chunks while PostgreSQL ingests them with ``COPY FROM STDIN``;
secondary indexes are dropped before the load and rebuilt afterwards; the load runs with
``synchronous_commit=off`` and ``session_replication_role=replica`` (foreign-key triggers off: the generator
writes consistent data), so the database user must be a superuser (the embedded server's is).

Determinism: every random choice comes from ``random.Random`` seeded with (seed, chunk, table), and the
name pools come from Faker's en_GB provider seeded once, so the same seed gives the same rows. Adding a table
is one function registered with ``@table(...)``: it gets each director of a chunk and its own random stream,
so existing tables do not change. Record versions and audit events are not generated.
"""

import asyncio
import bisect
import datetime as dt
import io
import itertools
import json
import random
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from multiprocessing import get_context
from typing import Any

import asyncpg
from sqlalchemy.engine import URL

ANCHOR = dt.date(2026, 1, 1)  # careers are laid out up to this day, so rows do not depend on when you run it
BASE_MS = int(dt.datetime(2025, 1, 1, tzinfo=dt.UTC).timestamp() * 1000)
CHUNK = 20_000
NULL = "\\N"

# Board seats and how often each is held across the NHS (a unitary board has ~11).
BOARD_ROLES = [
    ("chair", None, 1.0),
    ("chief_executive", None, 1.0),
    ("executive_director", "finance", 1.0),
    ("executive_director", "medical", 1.0),
    ("executive_director", "nursing", 1.0),
    ("executive_director", "people", 0.8),
    ("executive_director", "operations", 0.6),
    ("executive_director", "strategy", 0.4),
    ("non_voting_executive", None, 0.6),
    ("non_executive_director", None, 4.5),
    ("associate_non_executive_director", None, 0.8),
]
_SEAT_WEIGHTS = list(itertools.accumulate(w for *_, w in BOARD_ROLES))
ROLE_TITLES = {
    "chair": "Chair",
    "chief_executive": "Chief executive",
    "executive_director": "Executive director",
    "non_voting_executive": "Non-voting executive director",
    "non_executive_director": "Non-executive director",
    "associate_non_executive_director": "Associate non-executive director",
}
NON_VOTING = {"non_voting_executive", "associate_non_executive_director"}
APPOINTMENT_TYPES = ["permanent"] * 90 + ["interim"] * 7 + ["joint", "shared", "cover"]
LEAVING = ["Appointed to a board", "New role", "End of term", "Promotion", "Relocation", "Restructure"]
REGIONS = [
    "east_of_england",
    "london",
    "midlands",
    "north_east_and_yorkshire",
    "north_west",
    "south_east",
    "south_west",
]
_CODE_CHARS = "ABCDEFGHJKLMNPQRTUVWXY0123456789"
_NMC_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class Organisation:
    ods_code: str
    name: str
    kind: str
    region: str | None


@dataclass(frozen=True)
class Pools:
    """Everything drawn from Faker, generated once per seed (never per row)."""

    given: list[str]
    family: list[str]
    employers: list[str]
    jobs: list[str]
    organisations: list[Organisation]
    boards: list[Organisation]  # organisations with boards: trusts and ICBs


@dataclass
class Role:
    kind: str  # role | board_appointment
    start: int  # date ordinals
    end: int | None
    employer: str
    title: str
    ods_code: str | None = None
    board_role: str | None = None
    portfolio: str | None = None
    appointment_type: str | None = None
    sid: bool = False
    deputy: bool = False


@dataclass
class DirectorSpec:
    """One generated director: the random choices every table function formats."""

    index: int
    id: str
    given: str
    family: str
    former: list[tuple[str, str]]
    born: int
    career: list[Role] = field(default_factory=list)


TableRows = Callable[[DirectorSpec, random.Random], Iterator[str]]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    rows: TableRows


TABLES: list[Table] = []


def table(name: str, *columns: str) -> Callable[[TableRows], TableRows]:
    """Register a function yielding a director's rows of ``name`` as tab-separated COPY text lines."""

    def register(fn: TableRows) -> TableRows:
        TABLES.append(Table(name, columns, fn))
        return fn

    return register


def uuid_text(tag: int, n: int) -> str:
    """A deterministic, time-ordered UUIDv7-shaped id: row ``n`` of the table tagged ``tag``."""
    return f"{BASE_MS + n // 1024:012x}7{tag:03x}{0x8000 | ((n >> 48) & 0x3FFF):04x}{n & 0xFFFFFFFFFFFF:012x}"


@cache
def iso(ordinal: int) -> str:
    return dt.date.fromordinal(ordinal).isoformat()


def _clean(text: str) -> str:
    return " ".join(text.replace("\\", " ").split())


@cache
def pools(seed: int) -> Pools:
    """Name and employer pools from Faker's en_GB provider (seeded), and the organisations."""
    from faker import Faker

    from register.demo import ORGANISATIONS

    fake = Faker("en_GB")
    fake.seed_instance(seed)
    person = next(p for p in fake.providers if type(p).__module__.endswith("person.en_GB"))
    # Family names uniformly, not by frequency: with real frequencies ~3% of a million directors would be
    # Smiths and no name search could single one of a hundred "John Smith"s out (see docs/benchmarks.md).
    given = sorted({_clean(n) for n in person.first_names})
    family = sorted({_clean(n) for n in person.last_names})
    employers = sorted({_clean(fake.company()) for _ in range(3000)})
    jobs = sorted({_clean(fake.job())[:200] for _ in range(2000)})
    towns = sorted({_clean(fake.city()) for _ in range(3000)})
    rng = random.Random(f"{seed}/organisations")
    orgs = [Organisation(c, n, k.value, r.value if r else None) for c, n, k, r in ORGANISATIONS]
    taken = {o.ods_code for o in orgs}
    for prefix, count, kind, suffix in (
        ("R", 190, "nhs_trust", "NHS Trust"),
        ("R", 60, "foundation_trust", "NHS Foundation Trust"),
        ("Q", 35, "icb", "Integrated Care Board"),
    ):
        made = 0
        while made < count:
            code = prefix + rng.choice(_CODE_CHARS) + rng.choice(_CODE_CHARS)
            if code in taken:
                continue
            taken.add(code)
            place = rng.choice(towns)
            name = (
                f"NHS {place} {suffix}"
                if kind == "icb"
                else f"{place} {rng.choice(['', 'Hospitals ', 'Community '])}{suffix}"
            )
            orgs.append(Organisation(code, " ".join(name.split())[:200], kind, rng.choice(REGIONS)))
            made += 1
    boards = [o for o in orgs if o.kind in ("nhs_trust", "foundation_trust", "icb")]
    return Pools(given, family, employers, jobs, orgs, boards)


def _pick(rng: random.Random, pool: list[Any]) -> Any:
    """``rng.choice`` at a third of the cost (one float instead of rejection sampling)."""
    return pool[int(rng.random() * len(pool))]


def make_director(index: int, rng: random.Random, p: Pools) -> DirectorSpec:
    """The identity and career of director ``index``."""
    given = _pick(rng, p.given)
    if rng.random() < 0.2:  # a second forename
        given = f"{given} {_pick(rng, p.given)}"
    family = _pick(rng, p.family)
    if rng.random() < 0.04:  # double-barrelled
        family = f"{family}-{_pick(rng, p.family)}"
    former = [(given, _pick(rng, p.family))] if rng.random() < 0.15 else []
    anchor = ANCHOR.toordinal()
    born = anchor - rng.randint(32 * 365, 75 * 365)
    d = DirectorSpec(index, uuid_text(1, index), given, family, former, born)
    roles = rng.choice((3, 4, 5, 5, 5, 6, 6, 7))
    day = born + rng.randint(22 * 365, 30 * 365)
    span = max(anchor - day, roles * 60)
    current = rng.random() < 0.85
    for j in range(roles):
        start = day
        length = max(30, int(span / roles * rng.uniform(0.5, 1.5)))
        # the last role (a board appointment) is the one that reaches the present, whatever the count
        last = j == roles - 1 or start + length + 200 >= anchor - 1
        end: int | None = min(start + length, anchor - 1)
        if last:
            end = None if current else max(start, anchor - rng.randint(30, 3 * 365))
        board = last or rng.random() < 0.3
        if board:
            org = _pick(rng, p.boards)
            seat, portfolio, _ = BOARD_ROLES[bisect.bisect(_SEAT_WEIGHTS, rng.random() * _SEAT_WEIGHTS[-1])]
            title = ROLE_TITLES[seat] + (f" ({portfolio})" if portfolio else "")
            d.career.append(
                Role(
                    "board_appointment",
                    start,
                    end,
                    org.name,
                    title,
                    org.ods_code,
                    seat,
                    portfolio,
                    _pick(rng, APPOINTMENT_TYPES),
                    sid=seat == "non_executive_director" and rng.random() < 0.1,
                    deputy=seat == "non_executive_director" and rng.random() < 0.08,
                )
            )
        else:
            d.career.append(Role("role", start, end, _pick(rng, p.employers), _pick(rng, p.jobs)))
        if end is None or end >= anchor - 1:
            break
        day = end + rng.choice((1, 1, 1, 14, 30, 90, 200))
        if day >= anchor:
            break
    return d


# --- Tables: one function each. ---


@table("directors", "id", "given_name", "family_name", "former_names", "date_of_birth", "synthetic")
def directors(d: DirectorSpec, rng: random.Random) -> Iterator[str]:
    former = json.dumps([{"given_name": g, "family_name": f} for g, f in d.former], ensure_ascii=False)
    yield f"{d.id}\t{d.given}\t{d.family}\t{former}\t{iso(d.born)}\tt\n"


@table(
    "employment_records",
    "id",
    "director_id",
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
def employment_records(d: DirectorSpec, rng: random.Random) -> Iterator[str]:
    for j, r in enumerate(d.career):
        end = NULL if r.end is None else iso(r.end)
        leaving = NULL if r.end is None else _pick(rng, LEAVING)
        if r.kind == "board_appointment":
            voting = "f" if r.board_role in NON_VOTING else "t"
            yield (
                f"{uuid_text(2, d.index * 16 + j)}\t{d.id}\tboard_appointment\t{r.employer}\t{r.ods_code}\t{r.title}\t"
                f"{iso(r.start)}\t{end}\t{leaving}\t{r.board_role}\t{r.portfolio or NULL}\t{r.appointment_type}\t"
                f"{'t' if r.sid else 'f'}\t{'t' if r.deputy else 'f'}\t{voting}\n"
            )
        else:
            yield (
                f"{uuid_text(2, d.index * 16 + j)}\t{d.id}\trole\t{r.employer}\t{NULL}\t{r.title}\t"
                f"{iso(r.start)}\t{end}\t{leaving}\t{NULL}\t{NULL}\t{NULL}\tf\tf\tt\n"
            )


@table("professional_registrations", "id", "director_id", "body", "number", "verified")
def professional_registrations(d: DirectorSpec, rng: random.Random) -> Iterator[str]:
    portfolios = {r.portfolio for r in d.career}
    if "medical" in portfolios:  # GMC: 7 digits; a bijection of the index keeps numbers unique
        number = 1_000_000 + (d.index * 7919) % 9_000_000
        yield f"{uuid_text(3, d.index * 2)}\t{d.id}\tGMC\t{number}\t{'t' if rng.random() < 0.9 else 'f'}\n"
    if "nursing" in portfolios:  # NMC PIN: NNANNNNA
        k = (d.index * 7919) % (100 * 26 * 10_000 * 26)
        k, a = divmod(k, 26)
        k, digits4 = divmod(k, 10_000)
        digits2, b = divmod(k, 26)
        pin = f"{digits2:02d}{_NMC_LETTERS[b]}{digits4:04d}{_NMC_LETTERS[a]}"
        yield f"{uuid_text(3, d.index * 2 + 1)}\t{d.id}\tNMC\t{pin}\t{'t' if rng.random() < 0.9 else 'f'}\n"


# --- The FPPT file: qualifications, checks, assessments, appraisals, findings and bars, BMRs, statements. ---

QUALIFICATIONS = [
    ("MBBS", "University of London", "degree"),
    ("BSc (Hons) Nursing", "King's College London", "degree"),
    ("MBA", "Warwick Business School", "postgraduate"),
    ("MSc Healthcare Leadership", "University of Birmingham", "postgraduate"),
    ("Chartered Accountant (ACA)", "ICAEW", "professional"),
    ("CIMA Chartered Management Accountant", "CIMA", "professional"),
    ("Chartered Member (Chartered MCIPD)", "CIPD", "professional"),
    ("NHS Leadership Academy Nye Bevan Programme", "NHS Leadership Academy", "leadership"),
    ("Aspiring Chief Executive Programme", "NHS Leadership Academy", "leadership"),
    ("Diploma in Company Direction", "Institute of Directors", "professional"),
    ("LLB Law", "University of Leeds", "degree"),
    ("MRCP", "Royal College of Physicians", "professional"),
]
# Checks a trust records at appointment and every year, with the share of results that are not simply clear.
CHECK_TYPES = [
    "self_attestation",
    "professional_registration",
    "training",
    "appraisal",
    "disciplinary_findings",
    "insolvency_bankruptcy",
    "disqualified_directors",
    "charity_removed_trustees",
    "social_media",
    "employment_tribunal",
    "dbs",
    "right_to_work",
]
OUTCOME_ONLY = {"dbs", "medical_clearance"}
LCF_DOMAINS = [
    "high_quality_outcomes",
    "strategy_and_transformation",
    "equality_and_inclusion",
    "governance_and_assurance",
    "compassionate_culture",
    "partners_and_communities",
]
LCF_RATINGS = ["met"] * 6 + ["exceeded"] * 2 + ["partially_met"]
OBJECTIVES = [
    json.dumps([{"description": text, "domain": domain, "equality_diversity_inclusion": edi}])
    for text, domain, edi in (
        ("Reduce elective waiting lists to the national standard", "high_quality_outcomes", False),
        ("Deliver the five-year clinical strategy milestones", "strategy_and_transformation", False),
        ("Close the ethnicity gap in senior appointments", "equality_and_inclusion", True),
        ("Strengthen the board assurance framework", "governance_and_assurance", False),
        ("Raise staff survey engagement scores", "compassionate_culture", True),
        ("Lead the place-based partnership with the local authority", "partners_and_communities", False),
    )
]
BMR_QUESTIONS = (
    "upheld_disciplinary_findings",
    "ongoing_disciplinary_processes",
    "grievances_against_them",
    "whistleblowing_concerns_about_conduct",
    "serious_misconduct_or_mismanagement",
    "schedule_4_matters",
    "settlement_agreements",
)
BMR_ANSWERS_CLEAR = json.dumps({q: {"answer": False, "detail": None} for q in BMR_QUESTIONS})
BMR_ANSWERS_GRIEVANCE = json.dumps(
    {
        q: {"answer": True, "detail": "One grievance, investigated and not upheld."}
        if q == "grievances_against_them"
        else {"answer": False, "detail": None}
        for q in BMR_QUESTIONS
    }
)
BMR_COMPETENCE = [
    json.dumps({d: {"rating": r, "comment": None} for d in LCF_DOMAINS}) for r in ("met", "exceeded", "partially_met")
]
FINDINGS = [  # (type, summary, weight)
    ("disciplinary", "Disciplinary finding: failure to follow the procurement policy", 3.0),
    ("grievance_upheld", "Grievance upheld: bullying behaviour towards a member of staff", 2.0),
    ("serious_mismanagement", "Serious mismanagement of a capital programme", 1.0),
    ("whistleblowing_detriment", "Detriment to a whistleblower found by employment tribunal", 0.7),
    ("professional_regulator_sanction", "Conditions of practice imposed by the professional regulator", 0.8),
    ("barring_decision", "Barred from board roles following serious misconduct", 0.5),
]
_FINDING_WEIGHTS = list(itertools.accumulate(w for *_, w in FINDINGS))
STATEMENTS = [
    "I left this role at the end of my fixed term; the dates above are correct.",
    "I dispute the characterisation of this matter and have appealed.",
    "The gap in my history was a career break to care for a family member.",
    "I completed the recommended development programme in the following year.",
]


@dataclass(frozen=True)
class Seat:
    """A current board appointment: the organisation and the role."""

    ods_code: str
    board_role: str | None
    start: int


def current_board(d: DirectorSpec) -> Seat | None:
    """The director's board appointment that reaches the present, if any."""
    last = d.career[-1]
    if last.kind != "board_appointment" or last.end is not None or last.ods_code is None:
        return None
    return Seat(last.ods_code, last.board_role, last.start)


@table(
    "qualifications",
    "id",
    "director_id",
    "title",
    "awarding_body",
    "level",
    "awarded_on",
    "verified",
    "verified_by",
    "verified_on",
    "evidence_reference",
)
def qualifications(d: DirectorSpec, rng: random.Random) -> Iterator[str]:
    count = 1 + int(rng.random() * 3)  # 1 to 3
    first = d.born + 21 * 365
    for j in range(count):
        title, body, level = _pick(rng, QUALIFICATIONS)
        awarded = first + j * 1500 + int(rng.random() * 700)
        awarded = min(awarded, ANCHOR.toordinal() - 30)
        if rng.random() < 0.8:
            verified = f"t\tHR Records Team\t{iso(min(awarded + 400 + int(rng.random() * 3000), ANCHOR.toordinal()))}"
        else:
            verified = f"f\t{NULL}\t{NULL}"
        yield (
            f"{uuid_text(4, d.index * 4 + j)}\t{d.id}\t{title}\t{body}\t{level}\t{iso(awarded)}\t{verified}\t"
            f"HR/QUAL/{d.index}/{j}\n"
        )


@table(
    "fppt_checks",
    "id",
    "director_id",
    "ods_code",
    "check_type",
    "result",
    "performed_on",
    "performed_by",
    "evidence_reference",
    "notes",
    "next_due",
    "recorded_by",
)
def fppt_checks(d: DirectorSpec, rng: random.Random) -> Iterator[str]:
    board = current_board(d)
    if board is None:
        return
    # the latest annual round: four of the yearly checks, each done in the last year and due a year later
    first = int(rng.random() * len(CHECK_TYPES))
    anchor = ANCHOR.toordinal()
    for j in range(4):
        check = CHECK_TYPES[(first + j * 3) % len(CHECK_TYPES)]
        done = anchor - 30 - int(rng.random() * 330)
        result = "concern" if rng.random() < 0.02 else "clear"
        if check in OUTCOME_ONLY:
            evidence, notes = NULL, NULL
        else:
            evidence = f"FPPT/{board.ods_code}/{d.index}/{check}"
            notes = "Discussed with the chair; no further action." if result == "concern" else NULL
        yield (
            f"{uuid_text(5, d.index * 8 + j)}\t{d.id}\t{board.ods_code}\t{check}\t{result}\t{iso(done)}\t"
            f"Company Secretary\t{evidence}\t{notes}\t{iso(done + 365)}\thr@{board.ods_code.lower()}\n"
        )


@table(
    "fppt_assessments",
    "id",
    "director_id",
    "ods_code",
    "kind",
    "status",
    "year",
    "summary",
    "outcome",
    "outcome_reason",
    "prepared_by",
    "submitted_at",
    "submitted_by",
    "signed_off_at",
    "signed_off_by",
    "signed_off_as",
)
def fppt_assessments(d: DirectorSpec, rng: random.Random) -> Iterator[str]:
    board = current_board(d)
    if board is None:
        return
    anchor = ANCHOR.toordinal()
    signed = anchor - 20 - int(rng.random() * (520 if rng.random() < 0.1 else 340))  # ~6% older than 15 months
    year = dt.date.fromordinal(signed).year
    office = "senior_independent_director" if board.board_role == "chair" else "chair"
    if rng.random() < 0.03:  # still being prepared
        yield (
            f"{uuid_text(6, d.index * 2)}\t{d.id}\t{board.ods_code}\tannual\tdraft\t{year + 1}\t{NULL}\t{NULL}\t"
            f"{NULL}\thr@{board.ods_code.lower()}\t{NULL}\t{NULL}\t{NULL}\t{NULL}\t{NULL}\n"
        )
        return
    stamp = f"{iso(signed)}T10:30:00+00"
    yield (
        f"{uuid_text(6, d.index * 2)}\t{d.id}\t{board.ods_code}\tannual\tsigned_off\t{year}\t"
        f"Annual FPPT assessment: all checks complete\tfit_and_proper\t{NULL}\thr@{board.ods_code.lower()}\t"
        f"{stamp}\thr@{board.ods_code.lower()}\t{stamp}\tchair@{board.ods_code.lower()}\t{office}\n"
    )
    if board.start > anchor - 365:  # appointed within the year: the appointment assessment too
        at = f"{iso(max(board.start - 14, signed - 200))}T09:00:00+00"
        yield (
            f"{uuid_text(6, d.index * 2 + 1)}\t{d.id}\t{board.ods_code}\tappointment\tsigned_off\t"
            f"{dt.date.fromordinal(board.start).year}\tAppointment FPPT assessment\tfit_and_proper\t{NULL}\t"
            f"hr@{board.ods_code.lower()}\t{at}\thr@{board.ods_code.lower()}\t{at}\tchair@{board.ods_code.lower()}\t"
            f"{office}\n"
        )


@table(
    "lcf_appraisals",
    "id",
    "director_id",
    "ods_code",
    "year",
    "appraiser_name",
    "appraiser_role",
    *(f"rating_{domain}" for domain in LCF_DOMAINS),
    "objectives",
    "multi_source_feedback",
    "recorded_by",
)
def lcf_appraisals(d: DirectorSpec, rng: random.Random) -> Iterator[str]:
    board = current_board(d)
    if board is None or rng.random() < 0.1:
        return
    ratings = "\t".join(_pick(rng, LCF_RATINGS) for _ in LCF_DOMAINS)
    appraiser = "Senior independent director" if board.board_role == "chair" else "Chair"
    yield (
        f"{uuid_text(7, d.index)}\t{d.id}\t{board.ods_code}\t2025\tBoard appraiser {d.index % 997}\t{appraiser}\t"
        f"{ratings}\t{_pick(rng, OBJECTIVES)}\t{'t' if rng.random() < 0.8 else 'f'}\thr@{board.ods_code.lower()}\n"
    )


@table(
    "findings",
    "id",
    "director_id",
    "finding_type",
    "status",
    "recorded_by_role",
    "recording_org",
    "summary",
    "decision_reference",
    "reported_on",
    "investigation_started_on",
    "decided_on",
    "bar_start",
    "bar_end",
)
def findings(d: DirectorSpec, rng: random.Random) -> Iterator[str]:
    if rng.random() >= 0.03:
        return
    kind, summary, _ = FINDINGS[bisect.bisect(_FINDING_WEIGHTS, rng.random() * _FINDING_WEIGHTS[-1])]
    boards = [r for r in d.career if r.kind == "board_appointment"]
    org = _pick(rng, boards).ods_code if boards else None
    anchor = ANCHOR.toordinal()
    reported = anchor - 60 - int(rng.random() * 2000)
    started = reported + 14
    ref = f"{'BAR' if kind == 'barring_decision' else 'FND'}/{d.index}"
    role = "regulator" if kind in ("barring_decision", "professional_regulator_sanction") else "trust_hr"
    recording = NULL if role == "regulator" or org is None else org
    status = "upheld" if rng.random() < 0.75 else "under_investigation"
    if kind == "barring_decision":
        status = "upheld"
    decided = iso(started + 90) if status == "upheld" else NULL
    bar_start = bar_end = NULL
    if kind == "barring_decision":
        bar_start = iso(started + 90)
        bar_end = NULL if rng.random() < 0.5 else iso(started + 90 + 3 * 365)
    yield (
        f"{uuid_text(8, d.index)}\t{d.id}\t{kind}\t{status}\t{role}\t{recording}\t{summary}\t{ref}\t{iso(reported)}\t"
        f"{iso(started)}\t{decided}\t{bar_start}\t{bar_end}\n"
    )


@table(
    "board_member_references",
    "id",
    "director_id",
    "employment_id",
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
)
def board_member_references(d: DirectorSpec, rng: random.Random) -> Iterator[str]:
    for j, r in enumerate(d.career):
        if r.kind != "board_appointment" or r.end is None or rng.random() >= 0.7:
            continue  # about 30% of past board roles have no BMR on file (the summary flags them)
        answers = BMR_ANSWERS_GRIEVANCE if rng.random() < 0.03 else BMR_ANSWERS_CLEAR
        yield (
            f"{uuid_text(9, d.index * 16 + j)}\t{d.id}\t{uuid_text(2, d.index * 16 + j)}\t{r.ods_code}\tleaver\t"
            f"{r.title}\t{iso(r.start)}\t{iso(r.end)}\t{answers}\t{_pick(rng, BMR_COMPETENCE)}\t"
            f"Company Secretary {r.ods_code}\tCompany secretary\t{iso(r.end + 10)}\n"
        )


@table("statements", "id", "director_id", "about_record_type", "about_record_id", "text")
def statements(d: DirectorSpec, rng: random.Random) -> Iterator[str]:
    if rng.random() >= 0.03:
        return
    text = _pick(rng, STATEMENTS)
    if rng.random() < 0.5:
        j = int(rng.random() * len(d.career))
        about = f"employment\t{uuid_text(2, d.index * 16 + j)}"
    else:
        about = f"{NULL}\t{NULL}"
    yield f"{uuid_text(10, d.index)}\t{d.id}\t{about}\t{text}\n"


@cache
def _normal(part: str) -> str:
    """The service's normaliser, per name part (it works character by character, so parts join with a space)."""
    from register.search.names import normalise_name

    return normalise_name(part)


def search_names(d: DirectorSpec) -> list[tuple[str, str]]:
    """(kind, normalised name) of a director, as ``register.search.names.director_name_rows`` makes them."""
    current = f"{_normal(d.given)} {_normal(d.family)}"
    out = [("current", current)]
    for g, f in d.former:
        name = f"{_normal(g)} {_normal(f)}"
        if ("former", name) not in out:
            out.append(("former", name))
    return out


@table("director_names", "director_id", "kind", "name")
def director_names(d: DirectorSpec, rng: random.Random) -> Iterator[str]:
    for kind, name in search_names(d):
        yield f"{d.id}\t{kind}\t{name}\n"


# --- Generation (in worker processes) ---


@dataclass
class Chunk:
    number: int
    directors: int
    text: dict[str, bytes]
    tokens: set[str]


def generate_chunk(seed: int, number: int, first: int, count: int) -> Chunk:
    """Directors ``first`` .. ``first + count - 1`` as COPY text per table, and the words of their names."""
    p = pools(seed)
    core = random.Random(f"{seed}/{number}/directors")
    specs = [make_director(first + i, core, p) for i in range(count)]
    text: dict[str, bytes] = {}
    for t in TABLES:
        rng = random.Random(f"{seed}/{number}/{t.name}")
        buf = io.StringIO()
        for d in specs:
            buf.writelines(t.rows(d, rng))
        text[t.name] = buf.getvalue().encode()
    tokens = {t for d in specs for _, name in search_names(d) for t in name.split()}
    return Chunk(number, count, text, tokens)


# --- Loading ---


@dataclass
class LoadReport:
    database: str
    directors: int
    seconds: float
    rows: dict[str, int]
    phases: dict[str, float]


Progress = Callable[[str, int, int], None]


async def load(
    admin_url: URL,
    database: str,
    *,
    directors: int,
    seed: int,
    workers: int = 2,
    progress: Progress | None = None,
) -> LoadReport:
    """Build ``database`` with the migrations and load ``directors`` synthetic directors into it."""
    from register import migrate
    from register.db import asyncpg_dsn, create_engine, ensure_database

    started = time.perf_counter()
    phases: dict[str, float] = {}
    await ensure_database(admin_url.set(database="postgres"), database, recreate=True)
    url = admin_url.set(database=database)
    engine = create_engine(url, pool_size=1)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()
    phases["migrate"] = time.perf_counter() - started

    dsn = asyncpg_dsn(url)
    conn = await asyncpg.connect(**dsn)
    try:
        await _tune_session(conn)
        names = [t.name for t in TABLES] + ["name_token_variants"]
        indexes = await _secondary_indexes(conn, names)
        for name, _ in indexes:
            await conn.execute(f'DROP INDEX "{name}"')
        p = pools(seed)
        await conn.copy_records_to_table(
            "organisations",
            records=[(o.ods_code, o.name, o.kind, o.region) for o in p.organisations],
            columns=["ods_code", "name", "kind", "region"],
        )
        t0 = time.perf_counter()
        tokens = await _copy_chunks(conn, seed, directors, workers, progress)
        variants = sorted({(v, t) for t in tokens for v in _variants(t)})
        await conn.copy_records_to_table("name_token_variants", records=variants, columns=["variant", "token"])
        phases["copy"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        await _build_indexes(dsn, [sql for _, sql in indexes], progress)
        phases["indexes"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        if progress:
            progress("Analysing", 0, 1)
        await conn.execute("ANALYZE " + ", ".join(["organisations", *names]))
        phases["analyze"] = time.perf_counter() - t0
        rows = {
            n: await conn.fetchval(f'SELECT count(*) FROM "{n}"')  # noqa: S608 (our own table names)
            for n in ["organisations", *names]
        }
    finally:
        await conn.close()
    return LoadReport(database, directors, time.perf_counter() - started, rows, phases)


def _variants(token: str) -> set[str]:
    from register.search.names import deletion_variants

    return deletion_variants(token)


async def _tune_session(conn: asyncpg.Connection) -> None:
    await conn.execute("SET synchronous_commit = off")
    await conn.execute("SET maintenance_work_mem = '1GB'")
    # Foreign-key triggers off for the load: the generator only writes rows that refer to rows it wrote.
    await conn.execute("SET session_replication_role = replica")


async def _secondary_indexes(conn: asyncpg.Connection, tables: list[str]) -> list[tuple[str, str]]:
    """Indexes that back no constraint (primary keys stay: ids are time-ordered, so they append cheaply)."""
    rows = await conn.fetch(
        """
        SELECT i.relname, pg_get_indexdef(x.indexrelid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        WHERE t.relname = ANY($1::text[]) AND t.relnamespace = 'public'::regnamespace
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
        ORDER BY pg_relation_size(t.oid) DESC, i.relname
        """,
        tables,
    )
    return [(r[0], r[1]) for r in rows]


async def _copy_chunks(
    conn: asyncpg.Connection, seed: int, directors: int, workers: int, progress: Progress | None
) -> set[str]:
    """Generate chunks in worker processes and COPY them in order, a few chunks ahead."""
    loop = asyncio.get_running_loop()
    tokens: set[str] = set()
    starts = list(range(0, directors, CHUNK))
    done = 0
    if progress:
        progress("Loading directors", 0, directors)
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        pending: list[Future[Chunk]] = []
        queue = iter(enumerate(starts))
        for _ in range(workers + 1):
            _submit(pool, queue, pending, seed, directors)
        while pending:
            chunk = await asyncio.wrap_future(pending.pop(0), loop=loop)
            _submit(pool, queue, pending, seed, directors)
            async with conn.transaction():
                for t in TABLES:
                    await conn.copy_to_table(
                        t.name, source=io.BytesIO(chunk.text[t.name]), columns=list(t.columns), format="text"
                    )
            tokens |= chunk.tokens
            done += chunk.directors
            if progress:
                progress("Loading directors", done, directors)
    return tokens


def _submit(
    pool: ProcessPoolExecutor,
    queue: Iterator[tuple[int, int]],
    pending: list[Future[Chunk]],
    seed: int,
    directors: int,
) -> None:
    nxt = next(queue, None)
    if nxt is not None:
        number, first = nxt
        pending.append(pool.submit(generate_chunk, seed, number, first, min(CHUNK, directors - first)))


async def _build_indexes(dsn: dict[str, Any], statements: list[str], progress: Progress | None) -> None:
    """Rebuild the dropped indexes, two at a time (one per core), largest first."""
    queue = list(statements)
    total = len(queue)
    built = 0
    if progress:
        progress("Building indexes", 0, total)

    async def builder() -> None:
        nonlocal built
        conn = await asyncpg.connect(**dsn)
        try:
            await conn.execute("SET maintenance_work_mem = '1GB'")
            await conn.execute("SET max_parallel_maintenance_workers = 0")
            while queue:
                await conn.execute(queue.pop(0))
                built += 1
                if progress:
                    progress("Building indexes", built, total)
        finally:
            await conn.close()

    await asyncio.gather(builder(), builder())


def main() -> None:
    """``python -m bench.generate`` is the same as ``register bench-data``."""
    from register.cli import main as cli

    cli(["bench-data"])


if __name__ == "__main__":
    main()
