"""The request's database: a lazy session, one-statement requests on the app's connections, and the same runner in
tests as in production."""

import ast
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from register.db import Database, PoolSource, SessionSource
from register.settings import Settings
from tests.conftest import PROJECT_ROOT, TokenFactory, director_body


class Logged(PoolSource):
    """The production pool, with every query sent on it kept."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queries: list[str] = []

    def keep(self, query: Any) -> None:
        self.queries.append(query.query)

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[Any]:
        async with super().acquire() as conn:
            conn.add_query_logger(self.keep)
            yield conn


async def test_a_hot_read_is_one_statement_on_the_pool_with_no_transaction_block(
    settings: Settings, engine: AsyncEngine, committed_director: dict[str, Any], auth: TokenFactory
) -> None:
    source = Logged(engine.url, size=1)
    app = create_app(settings, engine=engine, connections=source)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://register.test") as client:
            response = await client.get(
                f"/v1/directors/{committed_director['id']}", headers=auth("trust_hr", org="RJ1")
            )
    finally:
        await source.close()
    assert response.status_code == 200, response.text
    assert response.json()["id"] == committed_director["id"]
    assert len(source.queries) == 1
    assert not re.match(r"\s*(BEGIN|COMMIT|SAVEPOINT)", source.queries[0], re.IGNORECASE)


async def test_the_session_opens_only_when_asked_and_then_carries_the_statements(
    session_factory: async_sessionmaker[AsyncSession], conn: AsyncConnection
) -> None:
    db = Database(session_factory, SessionSource(session_factory))
    assert (await db.fetchrow("SELECT $1::int + 1", [41]))[0] == 42
    session = await db.session()
    assert await db.session() is session
    await session.execute(sa.text("CREATE TEMPORARY TABLE probe (n int)"))
    await session.execute(sa.text("INSERT INTO probe VALUES (7)"))
    # Inside the session's transaction: the statement sees what the session wrote and has not committed.
    assert (await db.fetchrow("SELECT count(*) FROM probe", []))[0] == 1
    await db.finish(failed=True)
    # Rolled back: the table the session made is gone.
    assert (await conn.execute(sa.text("SELECT to_regclass('probe') IS NULL"))).scalar_one() is True


async def test_a_shared_transaction_is_left_to_its_owner(session_factory: async_sessionmaker[AsyncSession]) -> None:
    async with session_factory() as shared:
        await shared.execute(sa.text("CREATE TEMPORARY TABLE probe (n int)"))
        db = Database(session_factory, SessionSource(session_factory), shared)
        assert await db.session() is shared
        await db.fetchrow("INSERT INTO probe VALUES (1) RETURNING n", [])
        await db.finish(failed=True)
        # Not rolled back by the request's database: the owner (api/idempotency.py) decides.
        assert (await shared.execute(sa.text("SELECT count(*) FROM probe"))).scalar_one() == 1


async def test_tests_run_one_statement_requests_through_the_production_runner(
    settings: Settings,
    engine: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
    conn: AsyncConnection,
) -> None:
    app = create_app(settings, engine=engine, session_factory=session_factory)
    source = app.state.connections
    assert isinstance(source, SessionSource)
    db = Database(session_factory, source)
    # A statement that fails rolls back alone (as on its own on the pool): the test's transaction goes on.
    with pytest.raises(asyncpg.DivisionByZeroError):
        await db.fetchrow("SELECT 1 / $1::int", [0])
    assert (await conn.execute(sa.text("SELECT 1"))).scalar_one() == 1


async def test_a_rolled_back_test_sees_its_data_on_the_fast_path(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Any
) -> None:
    created = await client.post("/v1/directors", json=director_body(), headers=auth("trust_hr", org="RJ1"))
    assert created.status_code == 201, created.text
    read = await client.get(f"/v1/directors/{created.json()['id']}", headers=auth("trust_hr", org="RJ1"))
    assert read.status_code == 200, read.text
    assert read.json()["family_name"] == created.json()["family_name"]


def test_no_handler_chooses_a_data_access_style_or_opens_a_transaction() -> None:
    """Handlers take ``db`` (or ``session``, a view of it); none opens a transaction or takes a runner."""
    found = []
    for path in sorted((PROJECT_ROOT / "api" / "routes").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name in {"transaction", "session_factory"}:
                    found.append(f"{path.name}:{node.lineno} calls {name}()")
            if isinstance(node, ast.Name) and node.id in {"StatementRunner", "SessionRunner", "PoolSource"}:
                found.append(f"{path.name}:{node.lineno} uses {node.id}")
    assert found == []
