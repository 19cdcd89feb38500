"""Loading the demo: every trust's board with a whole FPPT file, written through the register's own services.

Each step is taken by the actor the service requires (the trust's HR team, the director, the chair or senior
independent director, a regulator), so versions, audit events and the hash chain are those a real file has.
Dates are relative to the day of the load, so the data reads as current whenever it is loaded.
"""

import asyncio
import datetime as dt
import multiprocessing
import os
import random
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from faker import Faker
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from register.access import policy
from register.access.principal import Actor, Principal, Role
from register.appraisals.models import LcfDomain, LcfRating
from register.appraisals.service import RATING_COLUMNS, record_appraisal
from register.assessments.models import AssessmentKind, AssessmentOutcome
from register.assessments.service import create_assessment, sign_off_assessment, submit_assessment
from register.attestations.models import Schedule4Item
from register.attestations.service import Answer, sign_attestation
from register.candidates.service import CandidateIdentifier, check_candidate_json
from register.checks.models import ANNUAL_REQUIRED, CheckResult, CheckType
from register.checks.service import NewCheck, current_checks, record_check, record_mitigation
from register.db import SessionRunner, create_engine, create_session_factory, transaction
from register.demo import texts
from register.demo.reference_data import BOARD, ORGANISATIONS, TRUSTS
from register.directors.models import RegistrationStatus
from register.directors.registrations import update_registration
from register.directors.service import NewAppointment, NewRegistration, create_director
from register.employment.coverage import years_before
from register.employment.models import AppointmentType, BoardRole, EmploymentKind
from register.employment.service import EmploymentEntry, GapEntry, explain_gap, record_employment, update_employment
from register.errors import RuleViolation
from register.findings.models import FindingStatus, FindingType
from register.findings.service import FindingEntry, move_finding, record_finding
from register.identifiers import RegistrationBody, check_registration_number
from register.organisations.models import Organisation
from register.qualifications.service import QualificationEntry, add_qualification
from register.records.history import PartChange
from register.references.models import BMR_QUESTIONS
from register.references.service import answer_request, decline_request, request_reference, write_leaver_reference
from register.returns.service import submit_return
from register.settings import Settings
from register.statements.service import StatementEntry, add_statement

PURPOSE = "demo data"
CHAIR_SEAT, SID_SEAT, DEPUTY_SEAT = 0, 6, 7
NED_ROLES = (BoardRole.NON_EXECUTIVE_DIRECTOR, BoardRole.ASSOCIATE_NED)
# The checks done before appointment and repeated every three years rather than yearly.
APPOINTMENT_ONLY = tuple(t for t in CheckType if t not in ANNUAL_REQUIRED)
THREE_YEARS = 1095
LETTERS = "ABCDEFGHJKLMNPRSTUVWY"


def hr(code: str) -> Actor:
    """The HR team (company secretary) of a trust."""
    return Actor(Principal(sub=f"demo-hr-{code.lower()}", role=Role.TRUST_HR, org=code), purpose=PURPOSE)


def as_director(director_id: uuid.UUID) -> Actor:
    """A director signed in as themself (also how a chair or senior independent director acts)."""
    sub = f"demo-director-{director_id.hex[:12]}"
    return Actor(Principal(sub=sub, role=Role.DIRECTOR, director_id=director_id), purpose=PURPOSE)


REGULATOR = Actor(Principal(sub="demo-regulator-nhse", role=Role.REGULATOR), purpose=PURPOSE)


@dataclass
class Person:
    """One synthetic board member as the load knows them."""

    id: uuid.UUID
    code: str  # the trust whose board they sit (or sat) on
    name: str
    board_role: BoardRole
    portfolio: str | None
    start: dt.date
    appointment_id: uuid.UUID
    seat: int  # index in BOARD; -1 for a former member
    leaves_on: dt.date | None = None
    moves_to: str | None = None
    clinical: RegistrationBody | None = None
    registration: str | None = None
    problem: str | None = None  # what is wrong with one of their checks, if anything
    assessments: dict[int, uuid.UUID] = field(default_factory=dict)


@dataclass
class Board:
    code: str
    name: str
    members: list[Person] = field(default_factory=list)
    leavers: list[Person] = field(default_factory=list)

    @property
    def chair(self) -> Person:
        return self.members[CHAIR_SEAT]

    @property
    def sid(self) -> Person:
        return self.members[SID_SEAT]

    def signer_for(self, person: Person) -> Person:
        """The chair signs off; the senior independent director signs the chair's (FPPT framework)."""
        return self.sid if person.id == self.chair.id else self.chair


class DemoWriter:
    """Writes one part of the demo (a trust's board, or the steps across trusts) with its own seeded generators,
    so that the same seed gives the same data whichever order, or process, the parts are written in."""

    def __init__(self, seed: int, part: str, settings: Settings) -> None:
        self.rng = random.Random(f"{seed}:{part}")
        self.fake = Faker("en_GB")
        self.fake.seed_instance(f"{seed}:{part}")
        self.settings = settings
        self.today = policy.today()
        self.this_year = self.today.year
        self.last_year = self.this_year - 1
        self.boards: list[Board] = []
        self.serial = 0

    def ago(self, low: int, high: int) -> dt.date:
        return self.today - dt.timedelta(days=self.rng.randint(low, high))

    def evidence(self, code: str, what: str) -> str:
        self.serial += 1
        return f"{code}/FPPT/{what}/{self.serial:05d}"

    # --- people and their history ---

    async def add_person(
        self,
        session: AsyncSession,
        code: str,
        seat: int,
        board_role: BoardRole,
        portfolio: str | None,
        start: dt.date,
    ) -> Person:
        """The director, with their board appointment at ``code`` and a verified registration if clinical."""
        rng, fake = self.rng, self.fake
        body, number = self.registration(portfolio)
        given, family = fake.first_name(), fake.last_name()
        created = await create_director(
            session,
            hr(code),
            given_name=given,
            family_name=family,
            date_of_birth=fake.date_of_birth(minimum_age=38, maximum_age=70),
            former_names=[{"given_name": given, "family_name": fake.last_name()}] if rng.random() < 0.15 else [],
            registrations=[NewRegistration(body, number)] if body and number else [],
            appointment=NewAppointment(
                board_role=board_role,
                appointment_type=AppointmentType.INTERIM if rng.random() < 0.08 else AppointmentType.PERMANENT,
                start_date=start,
                portfolio=portfolio,
                senior_independent_director=seat == SID_SEAT,
                deputy_chair=seat == DEPUTY_SEAT,
            ),
            synthetic=True,
        )
        file = created.file
        person = Person(
            id=uuid.UUID(str(file.director["id"])),
            code=code,
            name=f"{given} {family}",
            board_role=board_role,
            portfolio=portfolio,
            start=start,
            appointment_id=uuid.UUID(str(file.appointments[0]["id"])),
            seat=seat,
            clinical=body,
            registration=number,
        )
        for reg in file.registrations:  # the trust checks the register of the professional body
            await update_registration(
                session,
                hr(code),
                self.settings,
                person.id,
                PartChange(
                    uuid.UUID(str(reg["id"])),
                    int(reg["version"]),
                    {
                        "status": RegistrationStatus.REGISTERED,
                        "verified": True,
                        "verified_by": f"{rng.choice(texts.CHECK_PERFORMERS)}, {code}",
                        "verified_on": min(start, self.today) - dt.timedelta(days=rng.randint(7, 40)),
                    },
                ),
            )
        return person

    def registration(self, portfolio: str | None) -> tuple[RegistrationBody | None, str | None]:
        """GMC numbers are 7 digits and NMC PINs 2 digits, a letter, 4 digits and a letter (DESIGN.md §2)."""
        rng = self.rng
        if portfolio == "medical":
            return RegistrationBody.GMC, check_registration_number(
                RegistrationBody.GMC, str(rng.randint(10**6, 10**7 - 1))
            )
        if portfolio == "nursing":
            pin = f"{rng.randint(0, 99):02d}{rng.choice(LETTERS)}{rng.randint(0, 9999):04d}{rng.choice(LETTERS)}"
            return RegistrationBody.NMC, check_registration_number(RegistrationBody.NMC, pin)
        return None, None

    async def history(self, session: AsyncSession, person: Person, *, unexplained_gap: bool) -> None:
        """Earlier roles reaching back past six years: mostly back to back, some gaps explained, a few not."""
        rng, actor = self.rng, hr(person.code)
        key = texts.career_key(person.board_role, person.portfolio)
        titles = texts.EARLIER_TITLES[key]
        horizon = years_before(self.today, 6) - dt.timedelta(days=120)
        end = person.start - dt.timedelta(days=1)
        gap_placed = False
        first = True
        while True:
            roll = rng.random()
            if unexplained_gap and not gap_placed:
                gap, explained = rng.randint(90, 240), False
                gap_placed = True
            elif roll < 0.72 or first:
                gap, explained = 0, True
            elif roll < 0.86:
                gap, explained = rng.randint(5, 20), True  # shorter than the threshold: not reported
            else:
                gap, explained = rng.randint(45, 300), True
            first = False
            if gap:
                gap_end = end
                end = end - dt.timedelta(days=gap)
                if gap > self.settings.coverage_gap_threshold_days and explained:
                    explanation = await explain_gap(
                        session,
                        actor,
                        self.settings,
                        person.id,
                        GapEntry(end + dt.timedelta(days=1), gap_end, rng.choice(texts.GAP_REASONS)),
                    )
                    if rng.random() < 0.12:
                        await add_statement(
                            session,
                            as_director(person.id),
                            self.settings,
                            person.id,
                            StatementEntry(rng.choice(texts.GAP_STATEMENTS), "gap_explanation", explanation.id),
                        )
            start = end - dt.timedelta(days=rng.randint(700, 2600))
            nhs = rng.random() < 0.6
            await record_employment(
                session,
                actor,
                self.settings,
                person.id,
                EmploymentEntry(
                    kind=EmploymentKind.ROLE,
                    start_date=start,
                    end_date=end,
                    employer_name=f"{self.fake.city()} {rng.choice(texts.NHS_EMPLOYERS)}"[:200]
                    if nhs
                    else self.fake.company()[:200],
                    role_title=rng.choice(titles),
                    reason_for_leaving=rng.choice(texts.LEAVING_REASONS),
                ),
            )
            if start < horizon:
                return
            end = start - dt.timedelta(days=1)

    async def qualifications(self, session: AsyncSession, person: Person) -> None:
        rng = self.rng
        key = texts.career_key(person.board_role, person.portfolio)
        held = list(texts.QUALIFICATIONS.get(key, texts.QUALIFICATIONS[None]))
        if rng.random() < 0.6:
            held.append(rng.choice(texts.LEADERSHIP))
        for title, body, level in held[: rng.randint(1, len(held))]:
            verified = rng.random() < 0.85
            awarded = self.ago(8 * 365, 30 * 365)
            await add_qualification(
                session,
                hr(person.code),
                self.settings,
                person.id,
                QualificationEntry(
                    title=title,
                    awarding_body=body,
                    level=level,
                    awarded_on=awarded,
                    verified=verified,
                    verified_by=f"{rng.choice(texts.CHECK_PERFORMERS)}, {person.code}" if verified else None,
                    verified_on=min(person.start, self.today) - dt.timedelta(days=rng.randint(5, 40))
                    if verified
                    else None,
                    evidence_reference=self.evidence(person.code, "QUAL"),
                ),
            )

    # --- the FPPT cycle ---

    async def checks(self, session: AsyncSession, person: Person, *, latest: dt.date, problem: str | None) -> None:
        """A result of every check type: the appointment checks every three years, the rest yearly.

        ``problem``: "overdue" (one yearly check missed), "not_done", "concern" (mitigated), "unmitigated", or None.
        ``latest``: the last day a check may be dated (a former member's last day in post).
        """
        rng, actor, code = self.rng, hr(person.code), person.code
        performer = f"{rng.choice(texts.CHECK_PERFORMERS)}, {code}"
        for check_type in APPOINTMENT_ONLY:
            at_start = min(person.start, self.today) - dt.timedelta(days=rng.randint(14, 60))
            performed = at_start
            while (latest - performed).days > THREE_YEARS - 30 and rng.random() < 0.9:
                performed = performed + dt.timedelta(days=THREE_YEARS - rng.randint(10, 60))
            performed = min(performed, latest)
            result = CheckResult.CLEAR
            if check_type is CheckType.SETTLEMENT_AGREEMENTS and rng.random() < 0.5:
                result = CheckResult.NOT_APPLICABLE
            outcome_only = check_type in (CheckType.DBS, CheckType.MEDICAL_CLEARANCE)
            await record_check(
                session,
                actor,
                person.id,
                NewCheck(
                    check_type=check_type,
                    result=result,
                    performed_on=performed,
                    performed_by=performer,
                    evidence_reference=None if outcome_only else self.evidence(code, check_type.value.upper()),
                    next_due=performed + dt.timedelta(days=THREE_YEARS),
                ),
            )
        yearly = [t for t in ANNUAL_REQUIRED if t is not CheckType.SELF_ATTESTATION]  # written by the attestation
        troubled = rng.choice(yearly) if problem else None
        for check_type in yearly:
            span = (self.today - latest).days
            if rng.random() < 0.12:
                done_on: dt.date | None = self.ago(max(span, 335), 360)  # due again within the month
            else:
                done_on = self.ago(max(span, 15), max(span + 15, 320))
            result = CheckResult.CLEAR
            notes = None
            not_applicable = check_type is CheckType.PROFESSIONAL_REGISTRATION and person.clinical is None
            if not_applicable or (check_type is CheckType.CHARITY_REMOVED_TRUSTEES and rng.random() < 0.3):
                result = CheckResult.NOT_APPLICABLE
            if check_type is troubled:
                if problem == "overdue":
                    done_on = self.ago(375, 460)
                elif problem == "not_done":
                    result, done_on, notes = CheckResult.NOT_DONE, None, "Booked; awaiting the provider's report."
                else:
                    result, notes = CheckResult.CONCERN, "A matter found that the chair should weigh; see the file."
            check = await record_check(
                session,
                actor,
                person.id,
                NewCheck(
                    check_type=check_type,
                    result=result,
                    performed_on=done_on,
                    performed_by=performer if done_on else None,
                    evidence_reference=self.evidence(code, check_type.value.upper()) if done_on else None,
                    notes=notes,
                ),
            )
            if check_type is troubled and problem == "concern":
                assert check.id is not None
                await record_mitigation(
                    session,
                    actor,
                    person.id,
                    check.id,
                    expected_version=check.version,
                    mitigation="Discussed with the chair; the director's explanation is on file and no risk remains.",
                    mitigated_on=min(self.today, (done_on or self.today) + dt.timedelta(days=rng.randint(3, 20))),
                )

    async def attest(self, session: AsyncSession, person: Person, years: list[int]) -> None:
        """The director signs the self-attestation against every Schedule 4 matter, for each year given."""
        rng = self.rng
        for year in years:
            declares = rng.random() < 0.02
            answers = {item: Answer(False) for item in Schedule4Item}
            if declares:
                answers[Schedule4Item.CONVICTIONS] = Answer(
                    True, "A spent conviction for a driving offence, disclosed at appointment."
                )
            signed = await sign_attestation(
                session, as_director(person.id), person.id, year=year, answers=answers, no_change_since_last_year=False
            )
            if declares:  # the attestation's "yes" is a concern the trust weighs and mitigates
                check = (await current_checks(session, [person.id]))[person.id][CheckType.SELF_ATTESTATION]
                assert check.id is not None and signed.attestation.id is not None
                await record_mitigation(
                    session,
                    hr(person.code),
                    person.id,
                    check.id,
                    expected_version=check.version,
                    mitigation="Spent conviction; no bearing on fitness for the role (chair's note on file).",
                    mitigated_on=self.today,
                )

    async def appraise(self, session: AsyncSession, person: Person, board: Board, years: list[int]) -> None:
        rng = self.rng
        if person.id == board.chair.id:
            appraiser, role = board.sid.name, "Senior independent director"
        elif person.board_role in NED_ROLES or person.board_role is BoardRole.CHIEF_EXECUTIVE:
            appraiser, role = board.chair.name, "Chair"
        else:
            ceo = board.members[1]
            appraiser, role = ceo.name, "Chief executive"
        for year in years:
            ratings = {
                RATING_COLUMNS[d]: rng.choices(
                    [LcfRating.MET, LcfRating.EXCEEDED, LcfRating.PARTIALLY_MET, LcfRating.NOT_MET], [70, 20, 9, 1]
                )[0]
                for d in LcfDomain
            }
            picked = rng.sample(texts.OBJECTIVES, 2)
            objectives: list[dict[str, Any]] = [
                {"description": text, "domain": domain, "equality_diversity_inclusion": False}
                for text, domain in picked
            ]
            objectives.append(
                {
                    "description": rng.choice(texts.EDI_OBJECTIVES),
                    "domain": LcfDomain.EQUALITY_AND_INCLUSION.value,
                    "equality_diversity_inclusion": True,
                }
            )
            # Chairs' appraisals go to NHS England by 30 June; NEDs' are due by 30 September.
            submitted = None
            if person.id == board.chair.id:
                submitted = min(self.today, dt.date(year, 6, rng.randint(10, 30)))
            await record_appraisal(
                session,
                hr(person.code),
                person.id,
                fields={
                    "year": year,
                    "appraiser_name": appraiser,
                    "appraiser_role": role,
                    **ratings,
                    "objectives": objectives,
                    "multi_source_feedback": rng.random() < 0.8,
                    "submitted_to_nhse_on": submitted,
                },
            )

    async def assess(
        self,
        session: AsyncSession,
        person: Person,
        board: Board,
        *,
        kind: AssessmentKind,
        year: int,
        stage: str,
        outcome: AssessmentOutcome = AssessmentOutcome.FIT_AND_PROPER,
        trigger_reason: str | None = None,
        outcome_reason: str | None = None,
    ) -> str:
        """HR prepares, submits, and the chair (the SID for the chair) signs off; ``stage`` says how far it goes.

        Returns the stage reached: a sign-off the register refuses (a check overdue, not done or with a concern
        unmitigated) leaves the assessment awaiting sign-off, with its blocking checks shown.
        """
        actor = hr(person.code)
        view = await create_assessment(
            session,
            actor,
            person.id,
            kind=kind,
            year=year,
            trigger_reason=trigger_reason,
            summary=f"{kind.value.capitalize()} FPPT assessment for {year}.",
            mitigations=None,
        )
        assessment_id = uuid.UUID(str(view.data["id"]))
        person.assessments[year] = assessment_id
        if stage == "draft":
            return stage
        view = await submit_assessment(session, actor, person.id, assessment_id, expected_version=view.data["version"])
        if stage == "awaiting":
            return stage
        try:
            await sign_off_assessment(
                session,
                as_director(board.signer_for(person).id),
                person.id,
                assessment_id,
                expected_version=view.data["version"],
                outcome=outcome,
                outcome_reason=outcome_reason,
            )
        except RuleViolation:
            return "awaiting"
        return "signed"

    async def file(self, session: AsyncSession, person: Person, board: Board, *, problem: str | None) -> None:
        """Everything a trust keeps for one board member, up to this year's assessment."""
        rng = self.rng
        latest = min(self.today, person.leaves_on or self.today)
        await self.qualifications(session, person)
        await self.checks(session, person, latest=latest, problem=problem)
        in_post_last_year = person.start <= dt.date(self.last_year, 12, 31)
        new_this_year = person.start.year >= self.this_year
        years = [self.last_year] if in_post_last_year and rng.random() < 0.6 else []
        if person.leaves_on is None and rng.random() < 0.95:
            years.append(self.this_year)
        if in_post_last_year and not years:
            years = [self.last_year]
        await self.attest(session, person, years)
        appraised = [self.last_year] if in_post_last_year else []
        if person.leaves_on is None and (rng.random() < 0.75 or person.seat == CHAIR_SEAT):
            appraised.append(self.this_year)
        await self.appraise(session, person, board, appraised)
        if in_post_last_year:
            await self.assess(session, person, board, kind=AssessmentKind.ANNUAL, year=self.last_year, stage="signed")
        if person.leaves_on is not None:
            return
        stage = rng.choices(["signed", "awaiting", "draft"], [80, 12, 8])[0]
        if board.signer_for(person).id == person.id:
            stage = "awaiting"
        kind = AssessmentKind.APPOINTMENT if new_this_year else AssessmentKind.ANNUAL
        await self.assess(session, person, board, kind=kind, year=self.this_year, stage=stage)


Seat = tuple[int, str | None, bool]  # seat in BOARD, what is wrong with a check, an unexplained gap
Leaver = tuple[int, str | None]  # seat held, the trust they moved to (None: left the NHS boards)
TrustPlan = tuple[list[Seat], list[Leaver]]


async def load_demo(
    factory: async_sessionmaker[AsyncSession],
    *,
    seed: int = 2019,
    max_directors: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    settings: Settings | None = None,
    workers: int | None = None,
) -> tuple[int, int]:
    """Load the organisations and a synthetic board with a whole FPPT file for every trust.

    Returns (organisations, directors). The same seed gives the same data on the same day. ``max_directors``
    stops the boards early (the later steps then use what was made). The boards are written by ``workers``
    processes at once (default: one per core, at most four), each trust in one transaction of its own; the steps
    across trusts (moves, findings, returns) follow in this process.
    """
    settings = settings or Settings()
    national = DemoWriter(seed, "national", settings)
    async with transaction(factory) as session:
        for code, name, kind, region in ORGANISATIONS:
            session.add(Organisation(ods_code=code, name=name, kind=kind, region=region, version=1))
    plan = _plan(national.rng, max_directors)
    total = sum(len(seats) + len(leavers) for seats, leavers in plan.values())
    names = {code: name for code, name, _kind, _region in TRUSTS}
    engine = factory.kw.get("bind")
    workers = min(os.cpu_count() or 1, 4) if workers is None else workers
    boards: dict[str, Board] = {}
    made = 0

    def done(count: int) -> None:
        nonlocal made
        made += count
        if progress:
            progress(made, total)

    if workers > 1 and isinstance(engine, AsyncEngine):
        # Writing a board is mostly Python work, so processes (not tasks) are what use a second core.
        loop = asyncio.get_running_loop()
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            pending = [
                loop.run_in_executor(
                    pool, _write_board_in_process, engine.url, seed, settings, code, names[code], plan[code]
                )
                for code in plan
            ]
            for next_done in asyncio.as_completed(pending):
                board = await next_done
                boards[board.code] = board
                done(len(board.members) + len(board.leavers))
    else:
        for code, trust_plan in plan.items():
            boards[code] = await write_board(factory, seed, settings, code, names[code], trust_plan, done)
    national.boards = [boards[code] for code in plan]
    await _movers(factory, national)
    await _findings(factory, national)
    await _returns(factory, national)
    return len(ORGANISATIONS), made


def _write_board_in_process(url: URL, seed: int, settings: Settings, code: str, name: str, plan: TrustPlan) -> Board:
    """A worker process's task: one trust's board, on a connection of its own."""

    async def run() -> Board:
        engine = create_engine(url, pool_size=1)
        try:
            return await write_board(create_session_factory(engine), seed, settings, code, name, plan)
        finally:
            await engine.dispose()

    return asyncio.run(run())


async def write_board(
    factory: async_sessionmaker[AsyncSession],
    seed: int,
    settings: Settings,
    code: str,
    name: str,
    plan: TrustPlan,
    done: Callable[[int], None] | None = None,
) -> Board:
    """One trust's board and former members with their whole files, in one transaction."""
    load = DemoWriter(seed, code, settings)
    seats, leavers = plan
    board = Board(code, name)
    async with transaction(factory) as session:
        for seat, problem, gap in seats:
            board_role, portfolio = BOARD[seat]
            start = load.ago(60, 6 * 365) if seat != CHAIR_SEAT else load.ago(400, 5 * 365)
            person = await load.add_person(session, code, seat, board_role, portfolio, start)
            await load.history(session, person, unexplained_gap=gap)
            person.problem = problem
            board.members.append(person)
        for person in board.members:
            await load.file(session, person, board, problem=person.problem)
            if done:
                done(1)
        for seat, moves in leavers:
            board_role, portfolio = BOARD[seat]
            leaves_on = load.ago(25, 150)
            start = leaves_on - dt.timedelta(days=load.rng.randint(3 * 365, 7 * 365))
            person = await load.add_person(session, code, -1, board_role, portfolio, start)
            person.leaves_on = leaves_on
            person.moves_to = moves
            await load.history(session, person, unexplained_gap=False)
            await load.file(session, person, board, problem=None)
            await update_employment(
                session,
                hr(code),
                settings,
                person.id,
                PartChange(
                    person.appointment_id,
                    1,
                    {"end_date": leaves_on, "reason_for_leaving": "Appointed elsewhere" if moves else "Stepped down"},
                ),
            )
            board.leavers.append(person)
            if done:
                done(1)
    return board


def _plan(rng: random.Random, max_directors: int | None) -> dict[str, TrustPlan]:
    """Per trust: its seats (seat, check problem, unexplained gap) and its former members (seat, trust moved to)."""
    plan: dict[str, TrustPlan] = {}
    budget = max_directors if max_directors is not None else 10**9
    codes = [t[0] for t in TRUSTS]
    for index, code in enumerate(codes):
        seats: list[Seat] = []
        for seat in range(len(BOARD)):
            if budget <= 0:
                break
            problem = rng.choices([None, "overdue", "not_done", "concern", "unmitigated"], [88, 4, 2, 5, 1])[0]
            if seat in (CHAIR_SEAT, SID_SEAT):
                problem = None  # the signers' own files are in order, so the board's sign-offs can go ahead
            gap = rng.random() < 0.06 or (index == 0 and seat == 4)  # the first trust's nurse: a gap to show
            seats.append((seat, problem, gap))
            budget -= 1
        leavers: list[Leaver] = []
        if index % 2 == 0 and budget > 0 and len(seats) == len(BOARD):
            moves = codes[index + 1] if index % 4 == 0 and index + 1 < len(codes) else None
            leavers.append((rng.choice([2, 5, 7, 8, 9]), moves))
            budget -= 1
        if seats:
            plan[code] = (seats, leavers)
    return plan


def _board(load: DemoWriter, code: str) -> Board | None:
    return next((b for b in load.boards if b.code == code), None)


def _bmr(load: DemoWriter, signatory: str, *, concerns: bool = False) -> dict[str, Any]:
    """A Board Member Reference's answers, competence view and signature."""
    rng = load.rng
    answers: dict[str, dict[str, Any]] = {key: {"answer": False, "detail": None} for key in BMR_QUESTIONS}
    if concerns:
        answers["grievances_against_them"] = {"answer": True, "detail": "One grievance, not upheld, in the last year."}
    competence = {
        d.value: {"rating": rng.choice([LcfRating.MET.value, LcfRating.EXCEEDED.value]), "comment": None}
        for d in LcfDomain
    }
    return {
        "answers": answers,
        "competence": competence,
        "signatory_name": signatory,
        "signatory_role": "Chair",
        "signed_on": load.today,
    }


async def _movers(factory: async_sessionmaker[AsyncSession], load: DemoWriter) -> None:
    """Former members who joined another trust's board: the candidate check, the BMR request, the appointment;
    then the former employer answers most requests, declines one, and owes the rest. Retired members' leaver
    references are written by about half their trusts; the others are still owed. Other trusts check a few
    serving directors as candidates for their vacancies."""
    rng, settings = load.rng, load.settings
    requests: list[tuple[Person, Board, uuid.UUID]] = []
    async with transaction(factory) as session:
        for board in load.boards:
            for person in board.leavers:
                if person.moves_to is None or (target := _board(load, person.moves_to)) is None:
                    continue
                actor = hr(target.code)
                who = (
                    CandidateIdentifier(registration_body=person.clinical, registration_number=person.registration)
                    if person.clinical
                    else CandidateIdentifier(director_id=person.id)
                )
                await check_candidate_json(
                    SessionRunner(session),
                    actor,
                    settings,
                    who=who,
                    purpose=f"Pre-appointment check for a {person.board_role.value.replace('_', ' ')} vacancy",
                    vacancy_board_role=person.board_role,
                    vacancy_title=None,
                )
                request = await request_reference(
                    session,
                    actor,
                    settings,
                    director_id=person.id,
                    employment_id=person.appointment_id,
                    note="Board Member Reference for a new board appointment.",
                )
                assert person.leaves_on is not None and request.id is not None
                start = min(load.today, person.leaves_on + dt.timedelta(days=rng.randint(7, 21)))
                await record_employment(
                    session,
                    actor,
                    settings,
                    person.id,
                    EmploymentEntry(
                        kind=EmploymentKind.BOARD_APPOINTMENT,
                        start_date=start,
                        ods_code=target.code,
                        board_role=person.board_role,
                        portfolio=person.portfolio,
                        appointment_type=AppointmentType.PERMANENT,
                    ),
                )
                requests.append((person, board, request.id))
        for index, (_person, board, request_id) in enumerate(requests):
            if index % 4 == 1:
                await decline_request(
                    session,
                    hr(board.code),
                    request_id,
                    expected_version=1,
                    reason="The director's file is with our legal team; we will write the leaver reference instead.",
                )
            elif index % 4 != 3:
                await answer_request(
                    session, hr(board.code), request_id, expected_version=1, bmr=_bmr(load, board.chair.name)
                )
        retired = [(p, b) for b in load.boards for p in b.leavers if p.moves_to is None]
        for person, board in retired[1::2]:  # the others' leaver references are still owed
            await write_leaver_reference(
                session,
                hr(board.code),
                board.code,
                employment_id=person.appointment_id,
                bmr=_bmr(load, board.chair.name, concerns=rng.random() < 0.3),
            )
        for board, other in zip(load.boards[::5], load.boards[2::5], strict=False):
            if len(other.members) < len(BOARD):
                continue
            candidate = other.members[rng.choice([6, 7, 8, 9])]
            await check_candidate_json(
                SessionRunner(session),
                hr(board.code),
                settings,
                who=CandidateIdentifier(director_id=candidate.id),
                purpose="Shortlisting for a non-executive director vacancy",
                vacancy_board_role=BoardRole.NON_EXECUTIVE_DIRECTOR,
                vacancy_title=None,
            )


async def _findings(factory: async_sessionmaker[AsyncSession], load: DemoWriter) -> None:
    """A regulator records a few open and upheld findings and two bars; the directors reply with statements;
    each director's trust makes a triggered assessment of what is open or upheld."""
    rng, settings = load.rng, load.settings
    serving = [(p, b) for b in load.boards for p in b.members if p.seat not in (CHAIR_SEAT, SID_SEAT)]
    if not serving:
        return
    # The first trust's people director carries an upheld finding, so the trust's own HR can see one too.
    first = next((pb for pb in serving if pb[1] is load.boards[0] and pb[0].seat == 5), serving[0])
    others = [pb for pb in serving if pb is not first]
    chosen = rng.sample(others, min(len(others), len(texts.FINDING_OPEN) + len(texts.FINDING_UPHELD) - 1))
    upheld_people = [first, *chosen[: len(texts.FINDING_UPHELD) - 1]]
    open_people = chosen[len(texts.FINDING_UPHELD) - 1 :]
    async with transaction(factory) as session:
        for index, ((person, board), (kind, summary)) in enumerate(zip(open_people, texts.FINDING_OPEN, strict=False)):
            status = FindingStatus.UNDER_INVESTIGATION if index % 2 else FindingStatus.REPORTED
            await record_finding(
                session,
                REGULATOR,
                settings,
                person.id,
                FindingEntry(FindingType(kind), status, summary, reported_on=load.ago(10, 120)),
            )
            await load.assess(
                session,
                person,
                board,
                kind=AssessmentKind.TRIGGERED,
                year=load.this_year,
                stage="signed",
                outcome=AssessmentOutcome.PENDING_INVESTIGATION,
                trigger_reason=f"A regulator has recorded a concern: {summary}",
            )
        for index, ((person, board), (kind, summary)) in enumerate(
            zip(upheld_people, texts.FINDING_UPHELD, strict=False)
        ):
            reported = load.ago(200, 500)
            finding = await record_finding(
                session,
                REGULATOR,
                settings,
                person.id,
                FindingEntry(FindingType(kind), FindingStatus.UNDER_INVESTIGATION, summary, reported_on=reported),
            )
            assert finding.id is not None
            decided = load.ago(30, 150)
            finding = await move_finding(
                session,
                REGULATOR,
                person.id,
                finding.id,
                expected_version=finding.version,
                to=FindingStatus.UPHELD,
                on=decided,
                note="Upheld after investigation.",
            )
            assert finding.id is not None
            await add_statement(
                session,
                as_director(person.id),
                settings,
                person.id,
                StatementEntry(texts.FINDING_STATEMENTS[index % len(texts.FINDING_STATEMENTS)], "finding", finding.id),
            )
            if index == 1:
                await move_finding(
                    session,
                    REGULATOR,
                    person.id,
                    finding.id,
                    expected_version=finding.version,
                    to=FindingStatus.APPEALED,
                    on=min(load.today, decided + dt.timedelta(days=14)),
                    note="Appeal lodged by the director.",
                )
            await load.assess(
                session,
                person,
                board,
                kind=AssessmentKind.TRIGGERED,
                year=load.this_year,
                stage="signed" if index == 2 else "awaiting",
                outcome=AssessmentOutcome.NOT_FIT_AND_PROPER,
                trigger_reason=f"Finding upheld: {summary}",
                outcome_reason="The upheld finding goes to the heart of the role; the board has been told.",
            )
        retired = [p for b in load.boards for p in b.leavers if p.moves_to is None]
        for index, person in enumerate(retired[:2]):
            assert person.leaves_on is not None
            decided = min(load.today, person.leaves_on + dt.timedelta(days=rng.randint(5, 20)))
            misconduct = await record_finding(
                session,
                REGULATOR,
                settings,
                person.id,
                FindingEntry(
                    FindingType.SERIOUS_MISCONDUCT,
                    FindingStatus.UPHELD,
                    "Falsification of waiting-list data reported to the board.",
                    reported_on=person.leaves_on - dt.timedelta(days=rng.randint(120, 300)),
                    decided_on=decided,
                    decision_reference=f"SM-{load.last_year}-{index + 1:03d}",
                ),
            )
            bar = await record_finding(
                session,
                REGULATOR,
                settings,
                person.id,
                FindingEntry(
                    FindingType.BARRING_DECISION,
                    FindingStatus.UPHELD,
                    texts.BAR_SUMMARY,
                    reported_on=decided,
                    decided_on=decided,
                    decision_reference=f"BAR-{load.this_year}-{index + 1:03d}",
                    bar_start=decided,
                    bar_end=None if index else decided + dt.timedelta(days=5 * 365),
                ),
            )
            assert bar.id is not None and misconduct.id is not None
            await add_statement(
                session,
                as_director(person.id),
                settings,
                person.id,
                StatementEntry(texts.BAR_STATEMENT, "finding", bar.id),
            )
        for board in load.boards[1::9]:
            person = board.members[3]
            await add_statement(
                session, as_director(person.id), settings, person.id, StatementEntry(texts.FILE_STATEMENT)
            )


async def _returns(factory: async_sessionmaker[AsyncSession], load: DemoWriter) -> None:
    """Every trust's chair submits last year's return; about four in ten have submitted this year's too."""
    rng = load.rng
    async with transaction(factory) as session:
        for index, board in enumerate(load.boards):
            chair = as_director(board.chair.id)
            declaration = (
                f"I confirm, as chair of {board.name}, that the fit and proper person test has been applied to every "
                "board member listed."
            )
            await submit_return(session, chair, board.code, load.last_year, expected_version=0, declaration=declaration)
            if index == 3:  # a correction after a late sign-off: the second submission supersedes the first
                await submit_return(
                    session, chair, board.code, load.last_year, expected_version=1, declaration=declaration
                )
            if rng.random() < 0.4:
                await submit_return(
                    session, chair, board.code, load.this_year, expected_version=0, declaration=declaration
                )
