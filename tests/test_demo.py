"""The demo load: real organisations, synthetic boards, and a whole FPPT file behind every director.

The demo is loaded once for the module into a database of its own (the load commits, as `register demo` does).
"""

import datetime as dt
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

from register import migrate
from register.access.principal import Actor, Principal, Role
from register.db import create_engine, create_session_factory, drop_database, ensure_database
from register.demo import load_demo, lookup
from register.directors.models import Director
from register.employment.coverage import years_before
from register.employment.models import BoardRole, EmploymentKind, EmploymentRecord
from register.exports.datasets import ExportFilters, ExportFormat
from register.exports.service import plan_export, stream_export
from register.findings.models import UPHELD, Finding
from register.identifiers import OrganisationKind, Region
from register.organisations.models import Organisation
from register.references.models import BoardMemberReference
from register.returns.models import AnnualReturn
from register.settings import Settings
from register.statements.models import Statement

TRUST_KINDS = [OrganisationKind.NHS_TRUST, OrganisationKind.FOUNDATION_TRUST]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def demo(admin_url: URL) -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], int, int]]:
    """A new database on the test server with the demo loaded; dropped afterwards."""
    name = f"register_demo_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    server = admin_url.set(database="postgres")
    await ensure_database(server, name, recreate=True)
    engine: AsyncEngine = create_engine(admin_url.set(database=name), pool_size=2)
    try:
        await migrate.upgrade(engine)
        factory = create_session_factory(engine)
        organisations, directors = await load_demo(factory)
        yield factory, organisations, directors
    finally:
        await engine.dispose()
        await drop_database(server, name)


async def _count(session: AsyncSession, statement: sa.Select[Any]) -> int:
    return int((await session.execute(statement)).scalar_one())


async def test_demo_loader_fills_every_region_with_synthetic_boards(
    demo: tuple[async_sessionmaker[AsyncSession], int, int],
) -> None:
    factory, organisations, directors = demo
    assert organisations >= 40
    assert directors >= 300

    async with factory() as session:
        org_count = await _count(session, sa.select(sa.func.count()).select_from(Organisation))
        regions = set((await session.execute(sa.select(col(Organisation.region)).distinct())).scalars())
        director_count = await _count(session, sa.select(sa.func.count()).select_from(Director))
        real = await _count(session, sa.select(sa.func.count()).select_from(Director).where(~col(Director.synthetic)))
        trusts = set(
            (
                await session.execute(
                    sa.select(col(Organisation.ods_code)).where(col(Organisation.kind).in_(TRUST_KINDS))
                )
            ).scalars()
        )
        today = dt.date.today()
        chair_rows = await session.execute(
            sa.select(col(EmploymentRecord.ods_code), sa.func.count())
            .where(
                col(EmploymentRecord.kind) == EmploymentKind.BOARD_APPOINTMENT,
                col(EmploymentRecord.board_role) == BoardRole.CHAIR,
                col(EmploymentRecord.withdrawn_at).is_(None),
                col(EmploymentRecord.start_date) <= today,
                sa.or_(col(EmploymentRecord.end_date).is_(None), col(EmploymentRecord.end_date) >= today),
            )
            .group_by(col(EmploymentRecord.ods_code))
        )
        chairs = {code: count for code, count in chair_rows}

    assert org_count == organisations
    assert set(Region) <= regions, f"regions without an organisation: {set(Region) - regions}"
    assert director_count == directors
    assert real == 0, "every demo director must be flagged synthetic"
    assert trusts, "the demo has no trusts"
    assert {code: chairs.get(code, 0) for code in trusts} == dict.fromkeys(trusts, 1), (
        "every trust needs exactly one current chair"
    )


async def test_demo_files_reach_back_six_years_and_every_trust_returned_last_year(
    demo: tuple[async_sessionmaker[AsyncSession], int, int],
) -> None:
    factory, _organisations, _directors = demo
    today = dt.date.today()
    async with factory() as session:
        # Six years of history, or a gap the coverage view shows: the earliest entry starts before the window.
        earliest = sa.func.min(col(EmploymentRecord.start_date))
        short = await _count(
            session,
            sa.select(sa.func.count()).select_from(
                sa.select(col(EmploymentRecord.director_id))
                .where(col(EmploymentRecord.withdrawn_at).is_(None))
                .group_by(col(EmploymentRecord.director_id))
                .having(earliest > years_before(today, 6))
                .subquery()
            ),
        )
        without_history = await _count(
            session,
            sa.select(sa.func.count())
            .select_from(Director)
            .where(~sa.exists().where(col(EmploymentRecord.director_id) == col(Director.id))),
        )
        trusts = set(
            (
                await session.execute(
                    sa.select(col(Organisation.ods_code)).where(col(Organisation.kind).in_(TRUST_KINDS))
                )
            ).scalars()
        )
        returned = set(
            (
                await session.execute(
                    sa.select(col(AnnualReturn.ods_code)).where(
                        col(AnnualReturn.year) == sa.select(sa.func.min(col(AnnualReturn.year))).scalar_subquery()
                    )
                )
            ).scalars()
        )
        years = set((await session.execute(sa.select(col(AnnualReturn.year)).distinct())).scalars())
        bars = await _count(
            session,
            sa.select(sa.func.count()).select_from(Finding).where(col(Finding.bar_start).is_not(None)),
        )
        upheld_answered = await _count(
            session,
            sa.select(sa.func.count())
            .select_from(Finding)
            .where(
                col(Finding.status).in_(UPHELD),
                sa.exists().where(col(Statement.about_record_id) == sa.cast(col(Finding.id), sa.String)),
            ),
        )
        references = await _count(session, sa.select(sa.func.count()).select_from(BoardMemberReference))

    assert short == 0, "every demo director's history reaches back six years (gaps and all)"
    assert without_history == 0
    assert len(years) == 2, f"returns for last year and this: {sorted(years)}"
    assert returned == trusts, f"trusts without last year's return: {sorted(trusts - returned)}"
    assert bars >= 1
    assert upheld_answered >= 1, "an upheld finding the director has answered with a statement"
    assert references >= 1


async def test_demo_ids_name_the_showcase_records(demo: tuple[async_sessionmaker[AsyncSession], int, int]) -> None:
    factory, _organisations, _directors = demo
    ids = await lookup(factory)
    async with factory() as session:
        owed = await session.get(EmploymentRecord, ids.owed_reference_employment_id)
        barred = await session.get(Director, ids.barred_director_id)
        finding = await session.get(Finding, ids.upheld_finding_id)
    assert owed is not None and owed.end_date is not None and owed.ods_code == ids.owed_reference_trust
    assert barred is not None and barred.synthetic
    assert finding is not None and finding.director_id == ids.finding_director_id
    env = ids.as_environment()
    assert env["DEMO_TRUST"] == ids.trust
    assert set(env) >= {"DEMO_CHAIR", "DEMO_GAP_DIRECTOR", "DEMO_BARRED_DIRECTOR", "DEMO_UPHELD_FINDING"}


def test_demo_ids_command_explains_an_empty_database() -> None:
    from api.cli import main

    result = CliRunner().invoke(main, ["demo-ids", "--help"])
    assert result.exit_code == 0
    assert "shell variables" in result.output


async def test_an_auditors_export_of_the_demo_has_hundreds_of_rows(
    demo: tuple[async_sessionmaker[AsyncSession], int, int],
) -> None:
    factory, _organisations, _directors = demo
    auditor = Actor(Principal(sub="demo-auditor", role=Role.AUDITOR), purpose="demo export check")
    rows: dict[str, int] = {}
    for name in ("checks", "assessments", "findings", "references"):
        plan = plan_export(auditor, name, ExportFormat.NDJSON, ExportFilters())
        body = b"".join([chunk async for chunk in stream_export(factory, plan, Settings())])
        rows[name] = len(body.splitlines())
    assert sum(rows.values()) >= 300, rows
    assert all(rows.values()), f"an empty export: {rows}"
