"""Audit-trail fixtures: throw-away databases built by the real migrations, and the app logged in as its own role.

The shared ``engine`` fixture connects as the owner (a superuser on the embedded server); these tests also need the
application's role, to show what its grants allow, and databases of their own, because they commit for real and
then tamper with the trail.
"""

import os
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from register import migrate
from register.access.principal import Actor, Principal, Role
from register.audit.chain import ChainReport, seal_pending, verify_chain
from register.audit.service import record_event
from register.db import asyncpg_dsn, create_engine, create_session_factory, drop_database, transaction
from register.identifiers import OrganisationKind, Region
from register.organisations.models import Organisation
from register.settings import Settings


async def _admin(admin_url: URL) -> Any:
    return await asyncpg.connect(**asyncpg_dsn(admin_url.set(database="postgres")))


@pytest.fixture(scope="module")
async def audit_template(admin_url: URL) -> AsyncIterator[str]:
    """A database migrated to head, used as the template of each test's own database."""
    name = f"register_audit_tpl_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    conn = await _admin(admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    engine = create_engine(admin_url.set(database=name), pool_size=1)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()
    yield name
    await drop_database(admin_url.set(database="postgres"), name)


@pytest.fixture
async def audit_db(admin_url: URL, audit_template: str) -> AsyncIterator[URL]:
    """A fresh database for one test (a copy of the migrated template), as the owner; dropped afterwards."""
    name = f"register_audit_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    conn = await _admin(admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{audit_template}"')
    finally:
        await conn.close()
    yield admin_url.set(database=name)
    await drop_database(admin_url.set(database="postgres"), name)


@pytest.fixture
async def owner_engine(audit_db: URL) -> AsyncIterator[AsyncEngine]:
    """The test database as its owner (the superuser that ran the migrations)."""
    engine = create_engine(audit_db, pool_size=2)
    yield engine
    await engine.dispose()


@pytest.fixture
async def app_engine(audit_db: URL, settings: Settings) -> AsyncIterator[AsyncEngine]:
    """The test database as the application's role, exactly as the embedded service logs in."""
    engine = create_engine(audit_db.set(username=settings.app_db_role, password=None), pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture
async def app_client(settings: Settings, app_engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """The real app on the application role's pool, committing for real."""
    app = create_app(settings, engine=app_engine)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://register.test") as c:
        yield c
    await app.state.connections.close()


@pytest.fixture
async def trusts(owner_engine: AsyncEngine) -> list[str]:
    """Two trusts, committed."""
    async with async_sessionmaker(bind=owner_engine)() as session:
        session.add_all(
            [
                Organisation(
                    ods_code="RJ1",
                    name="Guy's and St Thomas' NHS Foundation Trust",
                    kind=OrganisationKind.FOUNDATION_TRUST,
                    region=Region.LONDON,
                    version=1,
                ),
                Organisation(
                    ods_code="RRV",
                    name="University College London Hospitals NHS Foundation Trust",
                    kind=OrganisationKind.FOUNDATION_TRUST,
                    region=Region.LONDON,
                    version=1,
                ),
            ]
        )
        await session.commit()
    return ["RJ1", "RRV"]


@pytest.fixture
def make_events(app_engine: AsyncEngine, trusts: list[str]) -> Callable[..., Any]:
    """Write audit events as the service does (``record_event``, as the app's role), one transaction per event:
    for each of ``count`` directors, HR records its creation and a regulator reads it. Returns the director ids."""
    factory = create_session_factory(app_engine)

    async def make(count: int = 4) -> list[uuid.UUID]:
        made = []
        for i in range(count):
            org = trusts[i % len(trusts)]
            director_id = uuid.uuid4()
            hr = Actor(Principal(sub=f"hr-{org.lower()}", role=Role.TRUST_HR, org=org), request_id=uuid.uuid4().hex)
            regulator = Actor(Principal(sub="reg-1", role=Role.REGULATOR), purpose="barring review")
            for actor, action in ((hr, "director.create"), (regulator, "director.read")):
                async with transaction(factory) as session:
                    await record_event(
                        session,
                        actor,
                        action,
                        record_type="director",
                        record_id=str(director_id),
                        director_id=director_id,
                        detail={"n": i},
                    )
            made.append(director_id)
        return made

    return make


async def seal_all(engine: AsyncEngine, *, attempts: int = 200) -> ChainReport:
    """Seal until no event is left in flight, then verify (others' transactions on the server can hold xmin back)."""
    import asyncio

    factory: async_sessionmaker[AsyncSession] = create_session_factory(engine)
    report: ChainReport | None = None
    for _ in range(attempts):
        async with transaction(factory) as session:
            await seal_pending(session)
            report = await verify_chain(session)
        if report.unsealed == 0 or not report.intact:
            return report
        await asyncio.sleep(0.1)
    assert report is not None
    return report


async def chain_rows(engine: AsyncEngine) -> list[dict[str, Any]]:
    """The chain joined to its events, in seq order (as the owner sees it)."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.text(
                "SELECT c.seq, c.event_id, e.txid, e.action FROM audit_chain c "
                "LEFT JOIN audit_events e ON e.id = c.event_id ORDER BY c.seq"
            )
        )
        return [dict(r._mapping) for r in rows]
