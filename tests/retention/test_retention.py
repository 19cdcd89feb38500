"""Retention: who is erased at 75, what is left (a tombstone), and the regulator's recorded erasure."""

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import time_machine
from click.testing import CliRunner
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

import register.models  # noqa: F401  (every table on the metadata)
from register.assessments.models import Assessment
from register.audit.models import AuditEvent
from register.base import metadata
from register.directors.models import Director
from register.events.models import OutboundEvent
from register.retention.models import ErasureBasis, ErasureTombstone, RetentionRun
from register.retention.service import (
    DailyRetention,
    eligible_directors,
    retention_cutoff,
    run_retention,
)
from register.search.models import NameTokenVariant
from register.settings import Settings
from tests.conftest import TokenFactory, director_body
from tests.fppt_helpers import make_board
from tests.retention.full_file import make_full_file, owe_a_delivery

CreateDirector = Callable[..., Any]
Factory = async_sessionmaker[AsyncSession]
TODAY = dt.date.today()


def born(years: int, days: int = 0) -> str:
    """A birth date ``years`` ago today, moved ``days`` later."""
    try:
        day = TODAY.replace(year=TODAY.year - years)
    except ValueError:
        day = TODAY.replace(year=TODAY.year - years, day=28)
    return (day + dt.timedelta(days=days)).isoformat()


async def open_finding(client: httpx.AsyncClient, auth: TokenFactory, director_id: str) -> None:
    response = await client.post(
        f"/v1/directors/{director_id}/findings",
        headers=auth("regulator"),
        json={
            "finding_type": "serious_misconduct",
            "summary": "Allegation under investigation.",
            "status": "under_investigation",
            "reported_on": (TODAY - dt.timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 201, response.text


def personal_tables() -> list[sa.Table]:
    return [
        t
        for t in metadata.sorted_tables
        if "director_id" in t.c and t.name not in {"audit_events", "erasure_tombstones"}
    ]


async def rows_about(db: AsyncSession, director_id: str) -> dict[str, int]:
    """How many rows every table with a director_id column (and the directors table) holds for this id."""
    counts = {}
    for table in personal_tables():
        counts[table.name] = (
            await db.execute(sa.select(sa.func.count()).select_from(table).where(table.c.director_id == director_id))
        ).scalar_one()
    counts["directors"] = (
        await db.execute(sa.select(sa.func.count()).where(col(Director.id) == director_id))
    ).scalar_one()
    return {k: v for k, v in counts.items() if v}


async def audit_rows(db: AsyncSession, director_id: str) -> list[dict[str, Any]]:
    """Every audit event about the director, every column, in order."""
    table: Any = AuditEvent.__table__  # type: ignore[attr-defined]
    rows = await db.execute(sa.select(table).where(table.c.director_id == director_id).order_by(table.c.id))
    return [dict(r._mapping) for r in rows]


# --- the rule ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "cutoff"),
    [
        (dt.date(2030, 6, 15), dt.date(1955, 6, 15)),
        (dt.date(2027, 2, 28), dt.date(1952, 2, 28)),  # born 29 Feb 1952: not 75 yet
        (dt.date(2027, 3, 1), dt.date(1952, 3, 1)),  # ... and 75 on 1 March
        (dt.date(2028, 2, 29), dt.date(1953, 2, 28)),  # a leap day today: born 28 Feb 1953 is 75
    ],
)
def test_cutoff_is_the_latest_birth_date_that_is_75_today(today: dt.date, cutoff: dt.date) -> None:
    assert retention_cutoff(today) == cutoff


async def test_only_the_75_year_old_without_an_open_finding_is_erased(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    create_director: CreateDirector,
    session_factory: Factory,
    db: AsyncSession,
) -> None:
    due = await create_director(date_of_birth=born(75))
    older = await create_director(date_of_birth=born(82))
    investigated = await create_director(date_of_birth=born(80))
    await open_finding(client, auth, investigated["id"])
    young = await create_director(date_of_birth=born(75, days=1))  # 75 tomorrow
    await create_director(date_of_birth=born(50))

    report = await run_retention(session_factory)

    assert sorted(map(str, report.erased)) == sorted([due["id"], older["id"]])
    assert report.skipped == {}
    for kept in (investigated, young):
        assert (await db.get(Director, uuid.UUID(kept["id"]))) is not None
    tombstones = (await db.execute(sa.select(ErasureTombstone))).scalars().all()
    assert {(str(t.director_id), t.basis, t.erased_on) for t in tombstones} == {
        (due["id"], ErasureBasis.AGE_75, TODAY),
        (older["id"], ErasureBasis.AGE_75, TODAY),
    }
    assert all(t.erased_by == "system:retention" and "75th birthday" in t.reason for t in tombstones)
    assert await eligible_directors(db) == []  # nobody is erased twice


async def test_29_february_birthday_is_erased_on_1_march_of_a_common_year(
    create_director: CreateDirector, session_factory: Factory, db: AsyncSession
) -> None:
    leapling = await create_director(date_of_birth="1952-02-29")
    with time_machine.travel(dt.datetime(2027, 2, 28, 23, 0, tzinfo=dt.UTC), tick=False):
        assert (await run_retention(session_factory, dry_run=True)).eligible == []
    with time_machine.travel(dt.datetime(2027, 3, 1, 0, 30, tzinfo=dt.UTC), tick=False):
        report = await run_retention(session_factory)
    assert [str(d) for d in report.erased] == [leapling["id"]]
    tombstone = await db.get(ErasureTombstone, uuid.UUID(leapling["id"]))
    assert tombstone is not None and tombstone.erased_on == dt.date(2027, 3, 1)


async def test_dry_run_lists_the_eligible_and_changes_nothing(
    create_director: CreateDirector, session_factory: Factory, db: AsyncSession
) -> None:
    due = await create_director(date_of_birth=born(76))
    before = await rows_about(db, due["id"])
    report = await run_retention(session_factory, dry_run=True)
    assert [str(d) for d in report.eligible] == [due["id"]] and report.erased == []
    assert await rows_about(db, due["id"]) == before
    assert (await db.execute(sa.select(sa.func.count()).select_from(ErasureTombstone))).scalar_one() == 0


# --- what erasure removes and keeps ----------------------------------------------------------------------------


async def test_erasure_leaves_nothing_personal_in_any_table_and_keeps_the_audit_trail(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    create_director: CreateDirector,
    session_factory: Factory,
    db: AsyncSession,
) -> None:
    director = await make_full_file(client, auth, create_director, db, date_of_birth=born(75))
    did = director["id"]
    event_id = (
        await db.execute(sa.select(sa.func.min(col(OutboundEvent.id))).where(col(OutboundEvent.director_id) == did))
    ).scalar_one()
    assert event_id is not None
    await owe_a_delivery(db, event_id)
    before = await rows_about(db, did)
    assert set(before) >= {
        "directors",
        "professional_registrations",
        "qualifications",
        "employment_records",
        "employment_gap_explanations",
        "fppt_checks",
        "attestations",
        "fppt_assessments",
        "lcf_appraisals",
        "findings",
        "statements",
        "board_member_references",
        "reference_requests",
        "candidate_checks",
        "record_versions",
        "outbound_events",
        "director_names",
    }
    audit_before = await audit_rows(db, did)

    report = await run_retention(session_factory)

    assert [str(d) for d in report.erased] == [did]
    assert await rows_about(db, did) == {}
    assert (await db.execute(sa.text("SELECT count(*) FROM webhook_deliveries"))).scalar_one() == 0
    left = (
        (
            await db.execute(
                sa.select(col(NameTokenVariant.token)).where(col(NameTokenVariant.token).in_(["bhriain", "walsh"]))
            )
        )
        .scalars()
        .all()
    )
    assert left == []
    audit_after = await audit_rows(db, did)
    assert audit_after[: len(audit_before)] == audit_before  # never changed, only appended to
    [erased] = [e for e in audit_after[len(audit_before) :] if e["action"] == "director.erased"]
    assert erased["record_id"] == did and erased["detail"] == {"basis": "age_75"}
    names = await db.execute(
        sa.text(
            "SELECT count(*) FROM audit_events WHERE detail::text ILIKE '%bhriain%' OR detail::text ILIKE '%walsh%'"
        )
    )
    assert names.scalar_one() == 0
    # Gone for every reader, including the director.
    assert (await client.get(f"/v1/directors/{did}", headers=auth("regulator"))).status_code == 404
    assert (await client.get("/v1/me/record", headers=auth("director", director_id=did))).status_code == 404
    assert (await client.get(f"/v1/directors/{did}/fhir", headers=auth("auditor"))).status_code == 404


async def test_a_chair_who_signed_others_assessments_keeps_only_a_blank_row(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    create_director: CreateDirector,
    session_factory: Factory,
    db: AsyncSession,
) -> None:
    board = await make_board(client, auth, create_director)
    assessment = await board.ready_for_sign_off(board.ceo)
    assert (await board.sign_off(assessment, board.chair)).status_code == 200
    await db.execute(
        sa.update(Director).where(col(Director.id) == board.chair).values(date_of_birth=dt.date.fromisoformat(born(77)))
    )
    await db.commit()

    report = await run_retention(session_factory)

    assert [str(d) for d in report.erased] == [board.chair]
    assert await rows_about(db, board.chair) == {"directors": 1}
    row = (await db.execute(sa.select(Director.__table__).where(col(Director.id) == board.chair))).one()  # type: ignore[attr-defined]
    assert (row.given_name, row.family_name, row.former_names, row.date_of_birth) == ("", "", [], dt.date(1900, 1, 1))
    # The CEO's signed assessment is the CEO's record: it still names its signer by id.
    signers = await db.execute(
        sa.select(col(Assessment.signed_off_by_director_id)).where(col(Assessment.director_id) == board.ceo)
    )
    assert [str(s) for s in signers.scalars()] == [board.chair]


# --- recorded erasure by a regulator -------------------------------------------------------------------------


async def test_regulator_records_an_erasure_by_the_same_path(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector, db: AsyncSession
) -> None:
    director = await make_full_file(client, auth, create_director, db)
    url = f"/v1/directors/{director['id']}/erasure"
    body = {"reason": "Erasure request ER-2026-014 granted"}
    for role, claims in (
        ("trust_hr", {"org": "RRV"}),
        ("auditor", {}),
        ("admin", {}),
        ("director", {"director_id": director["id"]}),
    ):
        refused = await client.post(url, json=body, headers=auth(role, **claims))
        assert refused.status_code == 403, role
    assert (await client.post(url, json={}, headers=auth("regulator"))).status_code == 400

    response = await client.post(url, json=body, headers=auth("regulator", sub="nhse-london"))

    assert response.status_code == 201, response.text
    assert response.json() == {
        "director_id": director["id"],
        "erased_on": TODAY.isoformat(),
        "basis": "recorded_erasure",
        "reason": body["reason"],
        "erased_by": "nhse-london",
    }
    assert await rows_about(db, director["id"]) == {}
    again = await client.post(url, json=body, headers=auth("regulator"))
    assert again.status_code == 409 and again.json()["erased_on"] == TODAY.isoformat()
    unknown = await client.post(f"/v1/directors/{uuid.uuid4()}/erasure", json=body, headers=auth("regulator"))
    assert unknown.status_code == 404


async def test_recorded_erasure_is_refused_while_a_finding_is_open(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector, db: AsyncSession
) -> None:
    director = await create_director()
    await open_finding(client, auth, director["id"])
    response = await client.post(
        f"/v1/directors/{director['id']}/erasure", json={"reason": "Request granted"}, headers=auth("regulator")
    )
    assert response.status_code == 409 and "open finding" in response.json()["detail"]
    assert "directors" in await rows_about(db, director["id"])


# --- running it ------------------------------------------------------------------------------------------------


async def test_daily_job_runs_once_a_day(
    create_director: CreateDirector, session_factory: Factory, settings: Settings, db: AsyncSession
) -> None:
    await create_director(date_of_birth=born(80))
    first, second = DailyRetention(), DailyRetention()  # two workers
    assert await first(settings, session_factory) == 1
    later = await create_director(date_of_birth=born(90))
    assert await second(settings, session_factory) == 0  # today's run is claimed
    assert await first(settings, session_factory) == 0
    run = await db.get(RetentionRun, TODAY)
    assert run is not None and run.erased == 1 and run.finished_at is not None
    with time_machine.travel(dt.datetime.combine(TODAY + dt.timedelta(days=1), dt.time(3), dt.UTC), tick=False):
        assert await second(settings, session_factory) == 1
    assert await db.get(ErasureTombstone, uuid.UUID(later["id"])) is not None
    off = settings.model_copy(update={"retention_daily": False})
    assert await DailyRetention()(off, session_factory) == 0


def test_cli_has_a_retention_run_command_with_dry_run() -> None:
    from api.cli import main

    result = CliRunner().invoke(main, ["retention", "run", "--help"])
    assert result.exit_code == 0 and "--dry-run" in result.output


# --- the audit chain -----------------------------------------------------------------------------------------


async def test_audit_chain_still_verifies_after_an_erasure(
    committed_client: httpx.AsyncClient, engine: AsyncEngine, auth: TokenFactory, committed_director: dict[str, Any]
) -> None:
    chain = pytest.importorskip("register.audit.chain")
    async with engine.connect() as conn:
        has_chain = (await conn.execute(sa.text("SELECT to_regclass('public.audit_chain') IS NOT NULL"))).scalar_one()
    if not has_chain:
        pytest.skip("the audit chain's migration is not in this schema yet")
    factory = async_sessionmaker(bind=engine, expire_on_commit=False)
    created = await committed_client.post(
        "/v1/directors", json=director_body(date_of_birth=born(75)), headers=auth("trust_hr", org="RJ1")
    )
    assert created.status_code == 201, created.text
    await committed_client.get(f"/v1/directors/{created.json()['id']}", headers=auth("regulator"))
    async with factory() as session:
        await chain.seal_pending(session)
        await session.commit()

    report = await run_retention(factory)
    assert [str(d) for d in report.erased] == [created.json()["id"]]

    async with factory() as session:
        await chain.seal_pending(session)
        await session.commit()
        verified = await chain.verify_chain(session)
    assert verified.intact, verified.summary
