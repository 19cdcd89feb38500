"""Demonstration data: real-format ODS codes across the seven regions and clearly synthetic directors.

Organisation codes and names are public NHS reference data. Every director is generated, is flagged
``synthetic`` and describes no real person.
"""

import datetime as dt
import random
from collections.abc import Callable

import sqlalchemy as sa
from faker import Faker
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from register.access.principal import Actor, Principal, Role
from register.db import transaction
from register.directors.models import Director
from register.directors.service import NewAppointment, NewRegistration, create_director
from register.employment.models import AppointmentType, BoardRole, EmploymentKind, EmploymentRecord
from register.identifiers import OrganisationKind as K
from register.identifiers import Region, RegistrationBody
from register.organisations.models import Organisation
from register.versions.service import write_version

R = Region
ORGANISATIONS: list[tuple[str, str, K, Region | None]] = [
    ("X24", "NHS England", K.NATIONAL_BODY, None),
    ("RJ1", "Guy's and St Thomas' NHS Foundation Trust", K.FOUNDATION_TRUST, R.LONDON),
    ("RRV", "University College London Hospitals NHS Foundation Trust", K.FOUNDATION_TRUST, R.LONDON),
    ("RYJ", "Imperial College Healthcare NHS Trust", K.NHS_TRUST, R.LONDON),
    ("R1H", "Barts Health NHS Trust", K.NHS_TRUST, R.LONDON),
    ("RJZ", "King's College Hospital NHS Foundation Trust", K.FOUNDATION_TRUST, R.LONDON),
    ("RAL", "Royal Free London NHS Foundation Trust", K.FOUNDATION_TRUST, R.LONDON),
    ("RTH", "Oxford University Hospitals NHS Foundation Trust", K.FOUNDATION_TRUST, R.SOUTH_EAST),
    ("RHM", "University Hospital Southampton NHS Foundation Trust", K.FOUNDATION_TRUST, R.SOUTH_EAST),
    ("RN5", "Hampshire Hospitals NHS Foundation Trust", K.FOUNDATION_TRUST, R.SOUTH_EAST),
    ("RWF", "Maidstone and Tunbridge Wells NHS Trust", K.NHS_TRUST, R.SOUTH_EAST),
    ("RTK", "Ashford and St Peter's Hospitals NHS Foundation Trust", K.FOUNDATION_TRUST, R.SOUTH_EAST),
    ("RH8", "Royal Devon University Healthcare NHS Foundation Trust", K.FOUNDATION_TRUST, R.SOUTH_WEST),
    ("RK9", "University Hospitals Plymouth NHS Trust", K.NHS_TRUST, R.SOUTH_WEST),
    ("REF", "Royal Cornwall Hospitals NHS Trust", K.NHS_TRUST, R.SOUTH_WEST),
    ("RVJ", "North Bristol NHS Trust", K.NHS_TRUST, R.SOUTH_WEST),
    ("RNZ", "Salisbury NHS Foundation Trust", K.FOUNDATION_TRUST, R.SOUTH_WEST),
    ("RRK", "University Hospitals Birmingham NHS Foundation Trust", K.FOUNDATION_TRUST, R.MIDLANDS),
    ("RX1", "Nottingham University Hospitals NHS Trust", K.NHS_TRUST, R.MIDLANDS),
    ("RWE", "University Hospitals of Leicester NHS Trust", K.NHS_TRUST, R.MIDLANDS),
    ("RKB", "University Hospitals Coventry and Warwickshire NHS Trust", K.NHS_TRUST, R.MIDLANDS),
    ("RJE", "University Hospitals of North Midlands NHS Trust", K.NHS_TRUST, R.MIDLANDS),
    ("RGT", "Cambridge University Hospitals NHS Foundation Trust", K.FOUNDATION_TRUST, R.EAST_OF_ENGLAND),
    (
        "RM1",
        "Norfolk and Norwich University Hospitals NHS Foundation Trust",
        K.FOUNDATION_TRUST,
        R.EAST_OF_ENGLAND,
    ),
    ("RGN", "North West Anglia NHS Foundation Trust", K.FOUNDATION_TRUST, R.EAST_OF_ENGLAND),
    ("RDE", "East Suffolk and North Essex NHS Foundation Trust", K.FOUNDATION_TRUST, R.EAST_OF_ENGLAND),
    ("RC9", "Bedfordshire Hospitals NHS Foundation Trust", K.FOUNDATION_TRUST, R.EAST_OF_ENGLAND),
    ("R0A", "Manchester University NHS Foundation Trust", K.FOUNDATION_TRUST, R.NORTH_WEST),
    ("REM", "Liverpool University Hospitals NHS Foundation Trust", K.FOUNDATION_TRUST, R.NORTH_WEST),
    ("RXN", "Lancashire Teaching Hospitals NHS Foundation Trust", K.FOUNDATION_TRUST, R.NORTH_WEST),
    ("RM3", "Northern Care Alliance NHS Foundation Trust", K.FOUNDATION_TRUST, R.NORTH_WEST),
    ("RBT", "Mid Cheshire Hospitals NHS Foundation Trust", K.FOUNDATION_TRUST, R.NORTH_WEST),
    (
        "RTD",
        "The Newcastle upon Tyne Hospitals NHS Foundation Trust",
        K.FOUNDATION_TRUST,
        R.NORTH_EAST_AND_YORKSHIRE,
    ),
    ("RR8", "Leeds Teaching Hospitals NHS Trust", K.NHS_TRUST, R.NORTH_EAST_AND_YORKSHIRE),
    (
        "RHQ",
        "Sheffield Teaching Hospitals NHS Foundation Trust",
        K.FOUNDATION_TRUST,
        R.NORTH_EAST_AND_YORKSHIRE,
    ),
    (
        "RCB",
        "York and Scarborough Teaching Hospitals NHS Foundation Trust",
        K.FOUNDATION_TRUST,
        R.NORTH_EAST_AND_YORKSHIRE,
    ),
    ("RWA", "Hull University Teaching Hospitals NHS Trust", K.NHS_TRUST, R.NORTH_EAST_AND_YORKSHIRE),
    ("QWE", "NHS South West London Integrated Care Board", K.ICB, R.LONDON),
    ("QOP", "NHS Greater Manchester Integrated Care Board", K.ICB, R.NORTH_WEST),
    ("QHM", "NHS North East and North Cumbria Integrated Care Board", K.ICB, R.NORTH_EAST_AND_YORKSHIRE),
    ("QUE", "NHS Cambridgeshire and Peterborough Integrated Care Board", K.ICB, R.EAST_OF_ENGLAND),
    ("QHL", "NHS Birmingham and Solihull Integrated Care Board", K.ICB, R.MIDLANDS),
    ("QRL", "NHS Hampshire and Isle of Wight Integrated Care Board", K.ICB, R.SOUTH_EAST),
    ("QSL", "NHS Somerset Integrated Care Board", K.ICB, R.SOUTH_WEST),
]

# A typical unitary board: chair, chief executive, four executive directors and five non-executives.
BOARD: list[tuple[BoardRole, str | None]] = [
    (BoardRole.CHAIR, None),
    (BoardRole.CHIEF_EXECUTIVE, None),
    (BoardRole.EXECUTIVE_DIRECTOR, "finance"),
    (BoardRole.EXECUTIVE_DIRECTOR, "medical"),
    (BoardRole.EXECUTIVE_DIRECTOR, "nursing"),
    (BoardRole.EXECUTIVE_DIRECTOR, "people"),
    (BoardRole.NON_EXECUTIVE_DIRECTOR, None),
    (BoardRole.NON_EXECUTIVE_DIRECTOR, None),
    (BoardRole.NON_EXECUTIVE_DIRECTOR, None),
    (BoardRole.NON_EXECUTIVE_DIRECTOR, None),
    (BoardRole.ASSOCIATE_NED, None),
]


def _registration(rng: random.Random, portfolio: str | None) -> list[NewRegistration]:
    if portfolio == "medical":
        return [NewRegistration(RegistrationBody.GMC, f"{rng.randint(1_000_000, 9_999_999)}")]
    if portfolio == "nursing":
        letter = rng.choice("ABCDEFGHJKLMNPRSTUVWY")
        return [
            NewRegistration(
                RegistrationBody.NMC,
                f"{rng.randint(0, 99):02d}{letter}{rng.randint(0, 9999):04d}{rng.choice('ABCDEFGHJKLMNPRSTUVWY')}",
            )
        ]
    return []


async def load_demo(
    factory: async_sessionmaker[AsyncSession],
    *,
    seed: int = 2019,
    max_directors: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Load the organisations and a synthetic board for every trust; returns (organisations, directors)."""
    rng = random.Random(seed)
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    today = dt.date.today()
    async with transaction(factory) as session:
        for code, name, kind, region in ORGANISATIONS:
            session.add(Organisation(ods_code=code, name=name, kind=kind, region=region, version=1))
    trusts = [o for o in ORGANISATIONS if o[2] in (K.NHS_TRUST, K.FOUNDATION_TRUST)]
    total = len(trusts) * len(BOARD)
    if max_directors is not None:
        total = min(total, max_directors)
    made = 0
    for code, _name, _kind, _region in trusts:
        actor = Actor(Principal(sub=f"demo-hr-{code.lower()}", role=Role.TRUST_HR, org=code), purpose="demo data")
        async with transaction(factory) as session:
            for index, (board_role, portfolio) in enumerate(BOARD):
                if made >= total:
                    break
                born = fake.date_of_birth(minimum_age=38, maximum_age=70)
                start = today - dt.timedelta(days=rng.randint(60, 6 * 365))
                created = await create_director(
                    session,
                    actor,
                    given_name=fake.first_name(),
                    family_name=fake.last_name(),
                    date_of_birth=born,
                    former_names=[{"given_name": fake.first_name(), "family_name": fake.last_name()}]
                    if rng.random() < 0.15
                    else [],
                    registrations=_registration(rng, portfolio),
                    appointment=NewAppointment(
                        board_role=board_role,
                        appointment_type=AppointmentType.INTERIM if rng.random() < 0.08 else AppointmentType.PERMANENT,
                        start_date=start,
                        portfolio=portfolio,
                        senior_independent_director=index == 6,
                        deputy_chair=index == 7,
                    ),
                )
                director_id = created.file.director["id"]
                await session.execute(sa.update(Director).where(col(Director.id) == director_id).values(synthetic=True))
                await _previous_role(session, actor, rng, fake, director_id, start)
                made += 1
                if progress:
                    progress(made, total)
    return len(ORGANISATIONS), made


async def _previous_role(
    session: AsyncSession, actor: Actor, rng: random.Random, fake: Faker, director_id: object, before: dt.date
) -> None:
    """A role held before the current appointment, so that histories are not empty."""
    end = before - dt.timedelta(days=rng.choice([1, 1, 1, 14, 45, 120]))
    start = end - dt.timedelta(days=rng.randint(2 * 365, 8 * 365))
    entry = EmploymentRecord(
        director_id=director_id,  # type: ignore[arg-type]
        kind=EmploymentKind.ROLE,
        employer_name=fake.company(),
        role_title=fake.job()[:200],
        start_date=start,
        end_date=end,
        reason_for_leaving="Appointed to the board",
        version=1,
    )
    session.add(entry)
    await session.flush()
    await write_version(
        session,
        actor,
        entry,
        record_type="employment",
        record_id=str(entry.id),
        director_id=entry.director_id,
        change="created",
    )


async def is_empty(factory: async_sessionmaker[AsyncSession]) -> bool:
    async with factory() as session:
        return (await session.execute(sa.select(sa.func.count()).select_from(Organisation))).scalar_one() == 0
