"""A deterministic synthetic register for benchmarks: ``python -m bench data --directors N --seed S``.

Loads organisations, directors (15% with a former name), ~5 employment rows each (board appointments at
real-format ODS codes plus other roles), professional registrations for clinical directors, the FPPT file
(1-3 qualifications each; for current board members the latest annual round of checks, the signed-off annual
assessment and an LCF appraisal; findings for ~3%, some of them bars; leaver BMRs for ~70% of past board roles;
statements from ~3%), and the search tables (``director_names``, ``name_token_variants``) into a separate
database built by the real migrations.

Speed: worker processes write chunks of rows to files (in ``/dev/shm`` where there is one) in COPY's binary
format, which costs the server a third less than text (it parses no ids or dates). Two connections, one per
core, load them, each its share of the tables, chunk by chunk in order, in one transaction that first truncates
those tables: ``COPY ... FREEZE`` then writes the rows frozen and all-visible, so that neither the index builds,
nor vacuum, nor the first reads rewrite the pages afterwards (all tables but ``directors``, which every other
table refers to, see ``UNFROZEN``). A server that can read the files (one on this machine) reads them itself
(``COPY FROM 'file'``); otherwise the main process streams them. Secondary indexes are dropped first and rebuilt
afterwards on two connections, a table at a time, each table analysed after its indexes (autovacuum is off for
the loaded tables until then, so that it neither queues behind them nor repeats the analysis). The load runs with
``synchronous_commit=off`` and ``session_replication_role=replica`` (foreign-key triggers off: the generator
writes consistent data), so the database user must be a superuser (the embedded server's is).

Determinism: every random choice comes from ``random.Random`` seeded with (seed, chunk, table), and the name pools
come from Faker's en_GB provider seeded once, so the same seed gives the same rows whatever the number of workers.
Adding a table is one function registered with ``@table(...)``: it gets the directors of a chunk and its own random
stream, so existing tables do not change. Row ``j`` of director ``i`` in the table tagged ``t`` has the id
``uuid_text(t, 16 * i + j)``; a director's own id is ``uuid_text(1, i)``. Record versions and audit events are not
generated.
"""

import asyncio
import bisect
import datetime as dt
import gc
import io
import itertools
import json
import random
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from multiprocessing import get_context
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
from sqlalchemy.engine import URL

ANCHOR = dt.date(2026, 1, 1)  # careers are laid out up to this day, so rows do not depend on when you run it
DAY0 = dt.date(1945, 1, 1)  # dates are days since DAY0
TODAY = (ANCHOR - DAY0).days
DAYS = TODAY + 4 * 365  # the dates generated end before this day
BASE_MS = int(dt.datetime(2025, 1, 1, tzinfo=dt.UTC).timestamp() * 1000)
CHUNK = 20_000
CHUNK_BYTES_PER_DIRECTOR = 4_000  # a chunk's files hold about 3.5 kB per director

# Table tags in row ids (1 is the directors').
EMPLOYMENT, REGISTRATION, QUALIFICATION, CHECK, ASSESSMENT, APPRAISAL, FINDING, BMR, STATEMENT = range(2, 11)

T = TypeVar("T")


# --- COPY's binary format: per row a 16-bit field count, per field a 32-bit length (-1: NULL) and the value. ---

COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length
COPY_TRAILER = b"\xff\xff"
NULL = b"\xff\xff\xff\xff"
_EPOCH = (dt.date(2000, 1, 1) - DAY0).days  # PostgreSQL counts days and microseconds from 2000-01-01
_INT = (4).to_bytes(4, "big")
_BIGINT = (8).to_bytes(4, "big")
_UUID = (16).to_bytes(4, "big")
BOOLS = (b"\x00\x00\x00\x01\x00", b"\x00\x00\x00\x01\x01")  # false, true
DATES = tuple(_INT + (day - _EPOCH).to_bytes(4, "big", signed=True) for day in range(DAYS))  # DATES[day]
YEARS = tuple((DAY0 + dt.timedelta(days=day)).year for day in range(DAYS))


def text(value: str) -> bytes:
    """A text or varchar field."""
    data = value.encode()
    return len(data).to_bytes(4, "big") + data


def integer(value: int) -> bytes:
    return _INT + value.to_bytes(4, "big", signed=True)


def jsonb(document: str) -> bytes:
    """A jsonb field: format version 1, then the JSON text."""
    return text("\x01" + document)


def timestamp(day: int, seconds: int) -> bytes:
    """A timestamptz field: microseconds since 2000-01-01 00:00 UTC."""
    return _BIGINT + (((day - _EPOCH) * 86_400 + seconds) * 1_000_000).to_bytes(8, "big", signed=True)


def uuid_text(tag: int, n: int) -> str:
    """A deterministic, time-ordered UUIDv7-shaped id: row ``n`` of the table tagged ``tag``."""
    return f"{BASE_MS + n // 1024:012x}7{tag:03x}{0x8000 | ((n >> 48) & 0x3FFF):04x}{n & 0xFFFFFFFFFFFF:012x}"


def uuid_number(tag: int, n: int) -> int:
    """``uuid_text(tag, n)`` as a number."""
    return (
        (BASE_MS + n // 1024) << 80 | 7 << 76 | tag << 64 | (0x8000 | ((n >> 48) & 0x3FFF)) << 48 | n & 0xFFFFFFFFFFFF
    )


def uuid(value: int) -> bytes:
    """A uuid field."""
    return _UUID + value.to_bytes(16, "big")


_BYTES = tuple(bytes([b]) for b in range(256))  # _BYTES[b] is the one byte b
_VERSION_AND_TAG = tuple((0x7000 | tag).to_bytes(2, "big") for tag in range(16))  # uuid bytes 6 and 7


# --- Pools and careers ---

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
_APPOINTMENT_TYPE_FIELDS = {kind: text(kind) for kind in APPOINTMENT_TYPES}
LEAVING = [
    text(reason)
    for reason in ("Appointed to a board", "New role", "End of term", "Promotion", "Relocation", "Restructure")
]
ROLE_COUNTS = (3, 4, 5, 5, 5, 6, 6, 7)  # roles in a career (fewer when it reaches the present early)
GAPS = (1, 1, 1, 14, 30, 90, 200)  # days between one role and the next
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
class Board:
    """An organisation with a board (a trust or ICB), with the fields its rows repeat."""

    ods_code: str
    name: str
    ods: bytes  # the code as a field
    hr: bytes  # who records its FPPT file
    chair: bytes  # who signs its assessments off
    secretary: bytes  # who signs its BMRs
    appointment: bytes  # kind, employer_name and ods_code of an appointment to its board


def _board(o: Organisation) -> Board:
    code = o.ods_code
    return Board(
        code,
        o.name,
        text(code),
        text(f"hr@{code.lower()}"),
        text(f"chair@{code.lower()}"),
        text(f"Company Secretary {code}"),
        text("board_appointment") + text(o.name) + text(code),
    )


@dataclass(frozen=True)
class Seat:
    """A seat on a board: its role, portfolio and title, and role_title to voting of an appointment to it."""

    board_role: str
    portfolio: str | None
    title: bytes  # as a field
    fields: bytes


def _seat(role: str, portfolio: str | None) -> Seat:
    title = text(ROLE_TITLES[role] + (f" ({portfolio})" if portfolio else ""))
    return Seat(
        role,
        portfolio,
        title,
        title + text(role) + (text(portfolio) if portfolio else NULL) + BOOLS[role not in NON_VOTING],
    )


SEATS = [_seat(role, portfolio) for role, portfolio, _ in BOARD_ROLES]


@dataclass(frozen=True)
class Pools:
    """Everything drawn from Faker, generated once per seed (never per row)."""

    given: list[str]
    family: list[str]
    employers: list[bytes]  # as fields
    jobs: list[bytes]  # as fields
    organisations: list[Organisation]
    boards: list[Board]  # organisations with boards: trusts and ICBs


@dataclass(slots=True)
class Appointment:
    """The board, seat and terms of a board appointment."""

    board: Board
    seat: Seat
    type: str
    sid: bool = False
    deputy: bool = False


@dataclass(slots=True)
class Role:
    start: int  # days since DAY0
    end: int | None
    fields: bytes  # kind to deputy_chair of its employment row
    appointment: Appointment | None = None  # None: a role other than a board appointment


@dataclass(slots=True)
class DirectorSpec:
    """One generated director: the random choices every table function formats."""

    index: int
    given: str
    family: str
    former: list[tuple[str, str]]
    born: int  # days since DAY0
    career: list[Role] = field(default_factory=list)
    board: Appointment | None = None  # the board appointment that reaches the present, if any
    board_since: int = 0
    id: bytes = field(init=False)  # uuid_text(1, index) as a field
    # The director's row ids as fields, in parts: head + version and table tag + tail + last[j] (see key()).
    head: bytes = field(init=False)  # the field's length and the timestamp
    tail: bytes = field(init=False)  # the variant and the row number but for its last byte
    last: tuple[bytes, ...] = field(init=False)  # that byte, for rows 0 to 15

    def __post_init__(self) -> None:
        self.id = uuid(uuid_number(1, self.index))
        n = 16 * self.index  # row 0; n < 2**48, so the variant field is 0x8000
        self.head = _UUID + (BASE_MS + n // 1024).to_bytes(6, "big")
        self.tail = b"\x80\x00" + n.to_bytes(6, "big")[:5]
        self.last = _BYTES[n % 256 : n % 256 + 16]

    def key(self, tag: int) -> bytes:
        """The director's row ids in the table tagged ``tag`` as fields, but for their last byte.

        Row ``j``'s id, ``uuid_text(tag, 16 * index + j)``, is the field ``key + last[j]``; as two of the parts
        a row is joined from, it costs no bytes object of its own.
        """
        return self.head + _VERSION_AND_TAG[tag] + self.tail


TableRows = Callable[[list[DirectorSpec], random.Random], list[bytes]]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    rows: TableRows


TABLES: list[Table] = []


def table(name: str, *columns: str) -> Callable[[TableRows], TableRows]:
    """Register a function returning the rows of ``name`` for a chunk's directors: each row its fields, in order.

    The field count that starts each row in COPY's binary format is added when the rows are written.
    """

    def register(fn: TableRows) -> TableRows:
        TABLES.append(Table(name, columns, fn))
        return fn

    return register


def _clean(value: str) -> str:
    return " ".join(value.replace("\\", " ").split())


_POOLS: dict[int, Pools] = {}


def pools(seed: int) -> Pools:
    """The pools for ``seed``, made once per process (worker processes are handed the main process's)."""
    if seed not in _POOLS:
        _POOLS[seed] = _make_pools(seed)
    return _POOLS[seed]


def _start_worker(seed: int, p: Pools) -> None:
    """Worker process initialiser: the main process's pools, rather than asking Faker again, and no cycle collector.

    A chunk makes some 300,000 objects and none of them in cycles: reference counting frees them, and the
    collector's passes over them cost a fifth of the generation.
    """
    _POOLS[seed] = p
    gc.disable()


def _make_pools(seed: int) -> Pools:
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
    boards = [_board(o) for o in orgs if o.kind in ("nhs_trust", "foundation_trust", "icb")]
    return Pools(given, family, [text(e) for e in employers], [text(j) for j in jobs], orgs, boards)


def _pick(rand: Callable[[], float], pool: Sequence[T]) -> T:
    """A uniform choice: ``rng.choice`` at a third of the cost (one float instead of rejection sampling)."""
    return pool[int(rand() * len(pool))]


def _between(rand: Callable[[], float], low: int, high: int) -> int:
    """A uniform integer in ``low`` .. ``high``, like ``rng.randint``."""
    return low + int(rand() * (high - low + 1))


def make_director(index: int, rng: random.Random, p: Pools) -> DirectorSpec:
    """The identity and career of director ``index``."""
    rand = rng.random
    given = _pick(rand, p.given)
    if rand() < 0.2:  # a second forename
        given = f"{given} {_pick(rand, p.given)}"
    family = _pick(rand, p.family)
    if rand() < 0.04:  # double-barrelled
        family = f"{family}-{_pick(rand, p.family)}"
    former = [(given, _pick(rand, p.family))] if rand() < 0.15 else []
    born = TODAY - _between(rand, 32 * 365, 75 * 365)
    d = DirectorSpec(index, given, family, former, born, _career(rand, p, born))
    last = d.career[-1]
    if last.appointment is not None and last.end is None:
        d.board, d.board_since = last.appointment, last.start
    return d


# kind to deputy_chair of an employment row that is not a board appointment, around employer and job title
_ROLE_KIND = text("role")
_ROLE_REST = NULL + NULL + BOOLS[True] + NULL + BOOLS[False] + BOOLS[False]


def _career(rand: Callable[[], float], p: Pools, born: int) -> list[Role]:
    """Roles from the early twenties on; the last one, a board appointment, reaches the present for 85%.

    The choices are ``_pick`` written out: this runs for every role of every director.
    """
    boards, employers, jobs = p.boards, p.employers, p.jobs
    roles = ROLE_COUNTS[int(rand() * len(ROLE_COUNTS))]
    day = born + _between(rand, 22 * 365, 30 * 365)
    span = max(TODAY - day, roles * 60)
    current = rand() < 0.85
    career: list[Role] = []
    for j in range(roles):
        start = day
        length = max(30, int(span / roles * (0.5 + rand())))
        # the last role (a board appointment) is the one that reaches the present, whatever the count
        last = j == roles - 1 or start + length + 200 >= TODAY - 1
        end: int | None = min(start + length, TODAY - 1)
        if last:
            end = None if current else max(start, TODAY - _between(rand, 30, 3 * 365))
        if last or rand() < 0.3:
            a = _appointment(rand, boards[int(rand() * len(boards))])
            fields = b"".join(
                (
                    a.board.appointment,
                    a.seat.fields,
                    _APPOINTMENT_TYPE_FIELDS[a.type],
                    BOOLS[a.sid],
                    BOOLS[a.deputy],
                )
            )
            career.append(Role(start, end, fields, a))
        else:
            employer, job = employers[int(rand() * len(employers))], jobs[int(rand() * len(jobs))]
            career.append(Role(start, end, b"".join((_ROLE_KIND, employer, NULL, job, _ROLE_REST))))
        if end is None or end >= TODAY - 1:
            break
        day = end + GAPS[int(rand() * len(GAPS))]
        if day >= TODAY:
            break
    return career


def _appointment(rand: Callable[[], float], board: Board) -> Appointment:
    """A seat on ``board``, drawn by how often boards have it, and its terms."""
    seat = SEATS[bisect.bisect(_SEAT_WEIGHTS, rand() * _SEAT_WEIGHTS[-1])]
    kind = APPOINTMENT_TYPES[int(rand() * len(APPOINTMENT_TYPES))]
    if seat.board_role != "non_executive_director":
        return Appointment(board, seat, kind)
    return Appointment(board, seat, kind, rand() < 0.1, rand() < 0.08)


# --- Tables: one function each. ---

_NO_FORMER_NAMES = jsonb("[]")


@table("directors", "id", "given_name", "family_name", "former_names", "date_of_birth", "synthetic")
def directors(chunk: list[DirectorSpec], rng: random.Random) -> list[bytes]:
    out: list[bytes] = []
    for d in chunk:
        former = _NO_FORMER_NAMES
        if d.former:
            former = jsonb(json.dumps([{"given_name": g, "family_name": f} for g, f in d.former], ensure_ascii=False))
        out.append(b"".join((d.id, text(d.given), text(d.family), former, DATES[d.born], BOOLS[True])))
    return out


@table(
    "employment_records",
    "id",
    "director_id",
    "start_date",
    "end_date",
    "reason_for_leaving",
    "kind",
    "employer_name",
    "ods_code",
    "role_title",
    "board_role",
    "portfolio",
    "voting",
    "appointment_type",
    "senior_independent_director",
    "deputy_chair",
)
def employment_records(chunk: list[DirectorSpec], rng: random.Random) -> list[bytes]:
    rand = rng.random
    out: list[bytes] = []
    add = out.append
    for d in chunk:
        key, last = d.key(EMPLOYMENT), d.last
        for j, r in enumerate(d.career):
            if r.end is None:
                add(b"".join((key, last[j], d.id, DATES[r.start], NULL, NULL, r.fields)))
            else:
                leaving = LEAVING[int(rand() * len(LEAVING))]
                add(b"".join((key, last[j], d.id, DATES[r.start], DATES[r.end], leaving, r.fields)))
    return out


_GMC, _NMC = text("GMC"), text("NMC")


@table("professional_registrations", "id", "director_id", "body", "number", "verified")
def professional_registrations(chunk: list[DirectorSpec], rng: random.Random) -> list[bytes]:
    rand = rng.random
    out: list[bytes] = []
    for d in chunk:
        portfolios = {r.appointment.seat.portfolio for r in d.career if r.appointment is not None}
        if "medical" in portfolios:  # GMC: 7 digits; a bijection of the index keeps numbers unique
            number = 1_000_000 + (d.index * 7919) % 9_000_000
            out.append(b"".join((d.key(REGISTRATION), d.last[0], d.id, _GMC, text(str(number)), BOOLS[rand() < 0.9])))
        if "nursing" in portfolios:  # NMC PIN: NNANNNNA
            k = (d.index * 7919) % (100 * 26 * 10_000 * 26)
            k, a = divmod(k, 26)
            k, digits4 = divmod(k, 10_000)
            digits2, b = divmod(k, 26)
            pin = f"{digits2:02d}{_NMC_LETTERS[b]}{digits4:04d}{_NMC_LETTERS[a]}"
            out.append(b"".join((d.key(REGISTRATION), d.last[1], d.id, _NMC, text(pin), BOOLS[rand() < 0.9])))
    return out


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
_QUALIFICATION_FIELDS = [b"".join(text(part) for part in q) for q in QUALIFICATIONS]
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
_CHECK_TYPE_FIELDS = [text(check) for check in CHECK_TYPES]
_CLEAR, _CONCERN = text("clear"), text("concern")
_CONCERN_NOTE = text("Discussed with the chair; no further action.")
_COMPANY_SECRETARY = text("Company Secretary")
_NO_EVIDENCE = NULL + NULL  # evidence_reference, notes
LCF_DOMAINS = [
    "high_quality_outcomes",
    "strategy_and_transformation",
    "equality_and_inclusion",
    "governance_and_assurance",
    "compassionate_culture",
    "partners_and_communities",
]
LCF_RATINGS = [text(rating) for rating in ["met"] * 6 + ["exceeded"] * 2 + ["partially_met"]]
OBJECTIVES = [
    jsonb(json.dumps([{"description": description, "domain": domain, "equality_diversity_inclusion": edi}]))
    for description, domain, edi in (
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
BMR_ANSWERS_CLEAR = jsonb(json.dumps({q: {"answer": False, "detail": None} for q in BMR_QUESTIONS}))
BMR_ANSWERS_GRIEVANCE = jsonb(
    json.dumps(
        {
            q: {"answer": True, "detail": "One grievance, investigated and not upheld."}
            if q == "grievances_against_them"
            else {"answer": False, "detail": None}
            for q in BMR_QUESTIONS
        }
    )
)
BMR_COMPETENCE = [
    jsonb(json.dumps({d: {"rating": r, "comment": None} for d in LCF_DOMAINS}))
    for r in ("met", "exceeded", "partially_met")
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
    text(statement)
    for statement in (
        "I left this role at the end of my fixed term; the dates above are correct.",
        "I dispute the characterisation of this matter and have appealed.",
        "The gap in my history was a career break to care for a family member.",
        "I completed the recommended development programme in the following year.",
    )
]


_VERIFIED_BY_RECORDS_TEAM = BOOLS[True] + text("HR Records Team")  # verified, verified_by (verified_on follows)
_UNVERIFIED = BOOLS[False] + NULL + NULL


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
def qualifications(chunk: list[DirectorSpec], rng: random.Random) -> list[bytes]:
    rand = rng.random
    out: list[bytes] = []
    add = out.append
    for d in chunk:
        key = d.key(QUALIFICATION)
        first = d.born + 21 * 365
        for j in range(1 + int(rand() * 3)):  # 1 to 3
            awarded = min(first + j * 1500 + int(rand() * 700), TODAY - 30)
            verified = _UNVERIFIED
            if rand() < 0.8:
                verified = _VERIFIED_BY_RECORDS_TEAM + DATES[min(awarded + 400 + int(rand() * 3000), TODAY)]
            qualification = _QUALIFICATION_FIELDS[int(rand() * len(_QUALIFICATION_FIELDS))]
            reference = text(f"HR/QUAL/{d.index}/{j}")
            add(b"".join((key, d.last[j], d.id, qualification, DATES[awarded], verified, reference)))
    return out


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
def fppt_checks(chunk: list[DirectorSpec], rng: random.Random) -> list[bytes]:
    rand = rng.random
    out: list[bytes] = []
    add = out.append
    for d in chunk:
        a = d.board
        if a is None:
            continue
        key, board = d.key(CHECK), a.board
        # the latest annual round: four of the yearly checks, each done in the last year and due a year later
        first = int(rand() * len(CHECK_TYPES))
        for j in range(4):
            k = (first + j * 3) % len(CHECK_TYPES)
            check = CHECK_TYPES[k]
            done = TODAY - 30 - int(rand() * 330)
            concern = rand() < 0.02
            if check in OUTCOME_ONLY:
                evidence = _NO_EVIDENCE
            else:
                evidence = text(f"FPPT/{board.ods_code}/{d.index}/{check}") + (_CONCERN_NOTE if concern else NULL)
            add(
                b"".join(
                    (
                        key,
                        d.last[j],
                        d.id,
                        board.ods,
                        _CHECK_TYPE_FIELDS[k],
                        _CONCERN if concern else _CLEAR,
                        DATES[done],
                        _COMPANY_SECRETARY,
                        evidence,
                        DATES[done + 365],
                        board.hr,
                    )
                )
            )
    return out


_ANNUAL, _APPOINTMENT = text("annual"), text("appointment")
_DRAFT, _SIGNED_OFF, _FIT_AND_PROPER = text("draft"), text("signed_off"), text("fit_and_proper")
_ANNUAL_SUMMARY = text("Annual FPPT assessment: all checks complete")
_APPOINTMENT_SUMMARY = text("Appointment FPPT assessment")
_SID, _CHAIR = text("senior_independent_director"), text("chair")


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
def fppt_assessments(chunk: list[DirectorSpec], rng: random.Random) -> list[bytes]:
    rand = rng.random
    out: list[bytes] = []
    for d in chunk:
        a = d.board
        if a is None:
            continue
        key, board = d.key(ASSESSMENT), a.board
        signed = TODAY - 20 - int(rand() * (520 if rand() < 0.1 else 340))  # ~6% older than 15 months
        office = _SID if a.seat.board_role == "chair" else _CHAIR
        if rand() < 0.03:  # still being prepared
            out.append(
                b"".join(
                    (
                        key,
                        d.last[0],
                        d.id,
                        board.ods,
                        _ANNUAL,
                        _DRAFT,
                        integer(YEARS[signed] + 1),
                        NULL,
                        NULL,
                        NULL,
                        board.hr,
                        NULL,
                        NULL,
                        NULL,
                        NULL,
                        NULL,
                    )
                )
            )
            continue
        stamp = timestamp(signed, 10 * 3600 + 30 * 60)
        out.append(
            b"".join(
                (
                    key,
                    d.last[0],
                    d.id,
                    board.ods,
                    _ANNUAL,
                    _SIGNED_OFF,
                    integer(YEARS[signed]),
                    _ANNUAL_SUMMARY,
                    _FIT_AND_PROPER,
                    NULL,
                    board.hr,
                    stamp,
                    board.hr,
                    stamp,
                    board.chair,
                    office,
                )
            )
        )
        if d.board_since > TODAY - 365:  # appointed within the year: the appointment assessment too
            at = timestamp(max(d.board_since - 14, signed - 200), 9 * 3600)
            year = integer(YEARS[d.board_since])
            out.append(
                b"".join(
                    (
                        key,
                        d.last[1],
                        d.id,
                        board.ods,
                        _APPOINTMENT,
                        _SIGNED_OFF,
                        year,
                        _APPOINTMENT_SUMMARY,
                        _FIT_AND_PROPER,
                        NULL,
                        board.hr,
                        at,
                        board.hr,
                        at,
                        board.chair,
                        office,
                    )
                )
            )
    return out


_YEAR_2025 = integer(2025)
_APPRAISERS = [text(f"Board appraiser {n}") for n in range(997)]
_SID_APPRAISER, _CHAIR_APPRAISER = text("Senior independent director"), text("Chair")


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
def lcf_appraisals(chunk: list[DirectorSpec], rng: random.Random) -> list[bytes]:
    rand = rng.random
    out: list[bytes] = []
    for d in chunk:
        a = d.board
        if a is None or rand() < 0.1:
            continue
        ratings = b"".join(rng.choices(LCF_RATINGS, k=len(LCF_DOMAINS)))
        appraiser = _SID_APPRAISER if a.seat.board_role == "chair" else _CHAIR_APPRAISER
        out.append(
            b"".join(
                (
                    d.key(APPRAISAL),
                    d.last[0],
                    d.id,
                    a.board.ods,
                    _YEAR_2025,
                    _APPRAISERS[d.index % 997],
                    appraiser,
                    ratings,
                    _pick(rand, OBJECTIVES),
                    BOOLS[rand() < 0.8],
                    a.board.hr,
                )
            )
        )
    return out


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
def findings(chunk: list[DirectorSpec], rng: random.Random) -> list[bytes]:
    rand = rng.random
    out: list[bytes] = []
    for d in chunk:
        if rand() >= 0.03:
            continue
        kind, summary, _ = FINDINGS[bisect.bisect(_FINDING_WEIGHTS, rand() * _FINDING_WEIGHTS[-1])]
        boards = [r.appointment.board for r in d.career if r.appointment is not None]
        org = _pick(rand, boards).ods if boards else None
        reported = TODAY - 60 - int(rand() * 2000)
        started = reported + 14
        ref = f"{'BAR' if kind == 'barring_decision' else 'FND'}/{d.index}"
        role = "regulator" if kind in ("barring_decision", "professional_regulator_sanction") else "trust_hr"
        recording = NULL if role == "regulator" or org is None else org
        status = "upheld" if rand() < 0.75 else "under_investigation"
        if kind == "barring_decision":
            status = "upheld"
        decided = DATES[started + 90] if status == "upheld" else NULL
        bar_start = bar_end = NULL
        if kind == "barring_decision":
            bar_start = DATES[started + 90]
            bar_end = NULL if rand() < 0.5 else DATES[started + 90 + 3 * 365]
        out.append(
            b"".join(
                (
                    d.key(FINDING),
                    d.last[0],
                    d.id,
                    text(kind),
                    text(status),
                    text(role),
                    recording,
                    text(summary),
                    text(ref),
                    DATES[reported],
                    DATES[started],
                    decided,
                    bar_start,
                    bar_end,
                )
            )
        )
    return out


_LEAVER, _COMPANY_SECRETARY_ROLE = text("leaver"), text("Company secretary")


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
def board_member_references(chunk: list[DirectorSpec], rng: random.Random) -> list[bytes]:
    rand = rng.random
    out: list[bytes] = []
    for d in chunk:
        key, employment = d.key(BMR), d.key(EMPLOYMENT)
        for j, r in enumerate(d.career):
            a = r.appointment
            if a is None or r.end is None or rand() >= 0.7:
                continue  # about 30% of past board roles have no BMR on file (the summary flags them)
            answers = BMR_ANSWERS_GRIEVANCE if rand() < 0.03 else BMR_ANSWERS_CLEAR
            out.append(
                b"".join(
                    (
                        key,
                        d.last[j],
                        d.id,
                        employment,
                        d.last[j],
                        a.board.ods,
                        _LEAVER,
                        a.seat.title,
                        DATES[r.start],
                        DATES[r.end],
                        answers,
                        _pick(rand, BMR_COMPETENCE),
                        a.board.secretary,
                        _COMPANY_SECRETARY_ROLE,
                        DATES[r.end + 10],
                    )
                )
            )
    return out


_EMPLOYMENT_RECORD = text("employment")


@table("statements", "id", "director_id", "about_record_type", "about_record_id", "text")
def statements(chunk: list[DirectorSpec], rng: random.Random) -> list[bytes]:
    rand = rng.random
    out: list[bytes] = []
    for d in chunk:
        if rand() >= 0.03:
            continue
        statement = _pick(rand, STATEMENTS)
        about = NULL + NULL
        if rand() < 0.5:  # about one of their employment entries
            j = int(rand() * len(d.career))
            about = _EMPLOYMENT_RECORD + text(uuid_text(EMPLOYMENT, 16 * d.index + j))
        out.append(b"".join((d.key(STATEMENT), d.last[0], d.id, about, statement)))
    return out


@cache
def _normal(part: str) -> str:
    """The service's normaliser, per name part (it works character by character, so parts join with a space)."""
    from register.names import normalise_name

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


_NAME_KINDS = {"current": text("current"), "former": text("former")}


@table("director_names", "director_id", "kind", "name")
def director_names(chunk: list[DirectorSpec], rng: random.Random) -> list[bytes]:
    return [d.id + _NAME_KINDS[kind] + text(name) for d in chunk for kind, name in search_names(d)]


# --- Generation (in worker processes) ---


@dataclass
class Chunk:
    """A chunk's rows per table, and the words of its names."""

    number: int
    directors: int
    rows: dict[str, list[bytes]]
    tokens: set[str]


@dataclass
class ChunkFiles:
    """A chunk written to ``chunk_path(folder, number, table)`` per table, and the words of its names."""

    number: int
    directors: int
    tokens: set[str]


def generate_chunk(seed: int, number: int, first: int, count: int) -> Chunk:
    """Directors ``first`` .. ``first + count - 1`` as rows per table, and the words of their names."""
    p = pools(seed)
    core = random.Random(f"{seed}/{number}/directors")
    specs = [make_director(first + i, core, p) for i in range(count)]
    rows = {t.name: t.rows(specs, random.Random(f"{seed}/{number}/{t.name}")) for t in TABLES}
    parts = {part for d in specs for part in (d.given, d.family, *itertools.chain.from_iterable(d.former))}
    return Chunk(number, count, rows, {t for part in parts for t in _normal(part).split()})


def copy_data(columns: int, rows: list[bytes]) -> bytes:
    """Rows as COPY binary data: the header, each row after its field count, the trailer."""
    count = columns.to_bytes(2, "big")
    return b"".join((COPY_HEADER, count if rows else b"", count.join(rows), COPY_TRAILER))


def chunk_path(folder: Path, number: int, name: str) -> Path:
    return folder / f"{number:05d}.{name}.copy"


def write_chunk(folder: Path, seed: int, number: int, first: int, count: int) -> ChunkFiles:
    """``generate_chunk``, written to files for the loading connections."""
    chunk = generate_chunk(seed, number, first, count)
    for t in TABLES:
        chunk_path(folder, number, t.name).write_bytes(copy_data(len(t.columns), chunk.rows[t.name]))
    return ChunkFiles(number, count, chunk.tokens)


# --- Loading ---

LOADERS = 2  # connections that COPY at the same time, one per core
UNFROZEN = {"directors"}  # every table refers to it: only a TRUNCATE of all of them together would let it freeze
ROW_BYTES = 150  # to COPY, a row costs the server about as much as 150 bytes of its data (measured)


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
    names = [t.name for t in TABLES] + ["name_token_variants"]
    conn = await asyncpg.connect(**dsn)
    try:
        t0 = time.perf_counter()
        await _tune_session(conn)
        indexes = await _prepare(conn, names, pools(seed))
        groups = _groups(names, await _references(conn), _costs(seed, directors))
        with _scratch_folder(workers) as folder:
            server_reads = await _server_reads_files(conn, folder)
            rows = await _load_groups(dsn, groups, folder, server_reads, seed, directors, workers, progress)
        phases["copy"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        await _build_and_analyse(dsn, await _by_size(conn, ["organisations", *names]), indexes, progress)
        for name in names:
            await conn.execute(f'ALTER TABLE "{name}" RESET (autovacuum_enabled)')
        phases["indexes and analyse"] = time.perf_counter() - t0
    finally:
        await conn.close()
    return LoadReport(database, directors, time.perf_counter() - started, rows, phases)


async def _prepare(conn: asyncpg.Connection, tables: list[str], p: Pools) -> list[tuple[str, str, str]]:
    """Drop the tables' secondary indexes (returned, to rebuild), pause autovacuum on them, load the organisations."""
    indexes = await _secondary_indexes(conn, tables)
    for name, _, _ in indexes:
        await conn.execute(f'DROP INDEX "{name}"')
    for name in tables:
        await conn.execute(f'ALTER TABLE "{name}" SET (autovacuum_enabled = off)')
    await conn.copy_records_to_table(
        "organisations",
        records=[(o.ods_code, o.name, o.kind, o.region) for o in p.organisations],
        columns=["ods_code", "name", "kind", "region"],
    )
    return indexes


@contextmanager
def _scratch_folder(workers: int) -> Iterator[Path]:
    """A new folder for the chunk files, which a server on this machine (another user) may read.

    It is in shared memory when there is room there for the chunks in flight (each file is read once, then
    deleted), else in the temp dir.
    """
    shm = Path("/dev/shm")  # noqa: S108 (the folder inside it is TemporaryDirectory's own)
    room = shm.is_dir() and shutil.disk_usage(shm).free > (workers + 2) * CHUNK * CHUNK_BYTES_PER_DIRECTOR
    with tempfile.TemporaryDirectory(prefix="register-bench-", dir=shm if room else None) as name:
        folder = Path(name)
        folder.chmod(0o755)
        yield folder


async def _tune_session(conn: asyncpg.Connection) -> None:
    await conn.execute("SET synchronous_commit = off")
    await conn.execute("SET maintenance_work_mem = '1GB'")
    # Foreign-key triggers off for the load: the generator only writes rows that refer to rows it wrote.
    await conn.execute("SET session_replication_role = replica")


async def _secondary_indexes(conn: asyncpg.Connection, tables: list[str]) -> list[tuple[str, str, str]]:
    """(index, table, definition) of the indexes that back no constraint.

    Primary keys and unique constraints stay: each table is written in id order, so they only append.
    """
    rows = await conn.fetch(
        """
        SELECT i.relname, t.relname, pg_get_indexdef(x.indexrelid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        WHERE t.relname = ANY($1::text[]) AND t.relnamespace = 'public'::regnamespace
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
        ORDER BY i.relname
        """,
        tables,
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def _server_reads_files(conn: asyncpg.Connection, folder: Path) -> bool:
    """Whether the server can read files in ``folder`` (it runs on this machine), so COPY can read them itself."""
    probe = folder / "probe"
    probe.write_text(folder.name)
    try:
        found = await conn.fetchval("SELECT pg_read_file($1)", str(probe))
    except asyncpg.PostgresError:
        return False
    finally:
        probe.unlink()
    return bool(found == folder.name)


async def _references(conn: asyncpg.Connection) -> dict[str, set[str]]:
    """For each table, the tables whose foreign keys refer to it."""
    rows = await conn.fetch(
        """
        SELECT t.relname, r.relname
        FROM pg_constraint c
        JOIN pg_class t ON t.oid = c.confrelid
        JOIN pg_class r ON r.oid = c.conrelid
        WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
        """
    )
    out: dict[str, set[str]] = {}
    for table_name, referrer in rows:
        out.setdefault(table_name, set()).add(referrer)
    return out


def _costs(seed: int, directors: int) -> dict[str, int]:
    """How much COPY work each table is, from a small sample of the rows."""
    sample = generate_chunk(seed, 0, 0, min(directors, 1000))
    costs = {name: sum(map(len, rows)) + ROW_BYTES * len(rows) for name, rows in sample.rows.items()}
    return costs | {"name_token_variants": 0}


@dataclass
class Group:
    """Tables one connection loads; it truncates ``truncated`` first, so that COPY may freeze their rows."""

    tables: list[str] = field(default_factory=list)
    truncated: list[str] = field(default_factory=list)
    cost: int = 0


def _groups(tables: list[str], references: dict[str, set[str]], costs: dict[str, int]) -> list[Group]:
    """The tables shared out among ``LOADERS`` connections, the costliest bundle first to the least busy.

    TRUNCATE has to take the tables that refer to a table along with it (the employment records' BMRs, say), so
    a table and everything that refers to it, directly or not, is one bundle, truncated on one connection; the
    bundle's tables that are not loaded were created empty by the migrations. ``UNFROZEN`` tables are bundles of
    their own and are not truncated.
    """
    bundles: list[set[str]] = []
    for name in tables:
        bundle = {name} if name in UNFROZEN else _referrers(name, references)
        joined = [b for b in bundles if b & bundle]
        bundles = [b for b in bundles if not b & bundle] + [bundle.union(*joined)]
    groups = [Group() for _ in range(LOADERS)]
    for bundle in sorted(bundles, key=lambda b: -sum(costs.get(name, 0) for name in b)):
        group = min(groups, key=lambda g: g.cost)
        group.tables += [name for name in tables if name in bundle]
        group.truncated += sorted(bundle - UNFROZEN)
        group.cost += sum(costs.get(name, 0) for name in bundle)
    return groups


def _referrers(name: str, references: dict[str, set[str]]) -> set[str]:
    """``name`` and the tables that refer to it, directly or through others."""
    found = {name}
    todo = [name]
    while todo:
        for referrer in references.get(todo.pop(), set()) - found:
            found.add(referrer)
            todo.append(referrer)
    return found


class Loader:
    """A connection that loads a group's tables, chunk by chunk in order, in one transaction."""

    def __init__(self, group: Group, folder: Path, server_reads: bool) -> None:
        self.group = group
        self.folder = folder
        self.server_reads = server_reads
        self.rows = dict.fromkeys(group.tables, 0)
        self.tables = [t for t in TABLES if t.name in group.tables]
        self.conn: asyncpg.Connection | None = None
        self.transaction: Any = None

    async def start(self, dsn: dict[str, Any]) -> None:
        """Connect, begin and truncate the group's tables (all but ``UNFROZEN`` ones), which must be empty."""
        self.conn = conn = await asyncpg.connect(**dsn)
        await _tune_session(conn)
        self.transaction = conn.transaction()
        await self.transaction.start()
        loaded = {t.name for t in TABLES} | {"name_token_variants"}
        for name in self.group.truncated:
            if name not in loaded and await conn.fetchval(f'SELECT EXISTS (SELECT FROM "{name}")'):  # noqa: S608
                raise RuntimeError(f"{name} refers to a generated table and is not empty; it would be truncated")
        if self.group.truncated:
            await conn.execute("TRUNCATE " + ", ".join(f'"{name}"' for name in self.group.truncated))

    async def copy_chunk(self, number: int) -> None:
        """COPY a chunk's file of each table in the group, deleting each file once loaded."""
        for t in self.tables:
            path = chunk_path(self.folder, number, t.name)
            self.rows[t.name] += await self.copy(t.name, t.columns, path)
            await asyncio.to_thread(path.unlink)

    async def copy(self, name: str, columns: Sequence[str], source: Path | io.BytesIO) -> int:
        """COPY ``source`` (binary format) into table ``name``; returns the number of rows."""
        assert self.conn is not None
        freeze = name in self.group.truncated
        if self.server_reads and isinstance(source, Path):
            literal = "'" + str(source).replace("'", "''") + "'"
            listed = ", ".join(f'"{c}"' for c in columns)
            status = await self.conn.execute(
                f'COPY "{name}" ({listed}) FROM {literal} WITH (FORMAT binary, FREEZE {str(freeze).upper()})'
            )
        else:
            status = await self.conn.copy_to_table(
                name, source=source, columns=list(columns), format="binary", freeze=freeze
            )
        return int(status.split()[-1])

    async def copy_variants(self, tokens: set[str]) -> int:
        """The one-deletion variants of every name word (``name_token_variants``); returns the number of rows."""
        from register.search.names import deletion_variants

        rows = sorted({(v, t) for t in tokens for v in deletion_variants(t)})
        data = copy_data(2, [text(v) + text(t) for v, t in rows])
        return await self.copy("name_token_variants", ("variant", "token"), io.BytesIO(data))

    async def commit(self) -> None:
        await self.transaction.commit()

    async def close(self) -> None:
        if self.conn is not None:
            await self.conn.close()


async def _load_groups(
    dsn: dict[str, Any],
    groups: list[Group],
    folder: Path,
    server_reads: bool,
    seed: int,
    directors: int,
    workers: int,
    progress: Progress | None,
) -> dict[str, int]:
    """Generate chunks in worker processes, a few ahead, and COPY each as it comes, a connection per group."""
    loaders = [Loader(g, folder, server_reads) for g in groups if g.tables]
    try:
        for loader in loaders:
            await loader.start(dsn)
        tokens = await _load_chunks(loaders, folder, seed, directors, workers, progress)
        owner = next(loader for loader in loaders if "name_token_variants" in loader.group.tables)
        owner.rows["name_token_variants"] = await owner.copy_variants(tokens)
        counted = {name: count for loader in loaders for name, count in loader.rows.items()}
        for loader in loaders:
            await loader.commit()
    finally:
        for loader in loaders:
            await loader.close()
    return {"organisations": len(pools(seed).organisations)} | {
        name: counted[name] for name in [*(t.name for t in TABLES), "name_token_variants"]
    }


async def _load_chunks(
    loaders: list[Loader], folder: Path, seed: int, directors: int, workers: int, progress: Progress | None
) -> set[str]:
    """Generate chunks in worker processes, a few ahead, and COPY each on every loader; returns the name words."""
    loop = asyncio.get_running_loop()
    queue = iter(enumerate(range(0, directors, CHUNK)))
    tokens: set[str] = set()
    done = 0
    if progress:
        progress("Loading directors", 0, directors)
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=get_context("spawn"), initializer=_start_worker, initargs=(seed, pools(seed))
    ) as pool:
        pending: deque[Future[ChunkFiles]] = deque()

        def submit() -> None:
            nxt = next(queue, None)
            if nxt is not None:
                number, first = nxt
                pending.append(pool.submit(write_chunk, folder, seed, number, first, min(CHUNK, directors - first)))

        for _ in range(workers + 1):
            submit()
        while pending:
            chunk = await asyncio.wrap_future(pending.popleft(), loop=loop)
            submit()
            await asyncio.gather(*(loader.copy_chunk(chunk.number) for loader in loaders))
            tokens |= chunk.tokens
            done += chunk.directors
            if progress:
                progress("Loading directors", done, directors)
    return tokens


async def _by_size(conn: asyncpg.Connection, tables: list[str]) -> list[str]:
    """The tables, largest first."""
    rows = await conn.fetch(
        "SELECT relname FROM pg_class WHERE relname = ANY($1::text[]) AND relnamespace = 'public'::regnamespace "
        "ORDER BY pg_relation_size(oid) DESC, relname",
        tables,
    )
    return [r[0] for r in rows]


async def _build_and_analyse(
    dsn: dict[str, Any], tables: list[str], indexes: list[tuple[str, str, str]], progress: Progress | None
) -> None:
    """Rebuild the dropped indexes and analyse every table, on two connections (one per core).

    Each connection takes the next table in the given order, builds its indexes and then analyses it: ANALYZE
    and CREATE INDEX on one table would wait for each other.
    """
    queue = deque(tables)
    built = analysed = 0

    def report() -> None:
        if progress:
            progress("Building indexes", built, len(indexes))
            progress("Analysing", analysed, len(tables))

    async def builder() -> None:
        nonlocal built, analysed
        conn = await asyncpg.connect(**dsn)
        try:
            await conn.execute("SET maintenance_work_mem = '1GB'")
            await conn.execute("SET max_parallel_maintenance_workers = 0")
            while queue:
                name = queue.popleft()
                for sql in (sql for _, t, sql in indexes if t == name):
                    await conn.execute(sql)
                    built += 1
                    report()
                await conn.execute(f'ANALYZE "{name}"')
                analysed += 1
                report()
        finally:
            await conn.close()

    report()
    await asyncio.gather(builder(), builder())
