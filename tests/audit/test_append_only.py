"""The trail is append-only: the app's role may insert and read it but not change it (grants), and even the owner
cannot (triggers)."""

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from register.db import create_engine
from tests.audit.conftest import seal_all

CHANGES = [
    "UPDATE audit_events SET purpose = 'changed'",
    "DELETE FROM audit_events",
    "UPDATE audit_chain SET hash = repeat('0', 64)",
    "DELETE FROM audit_chain",
    "TRUNCATE audit_events",
    "TRUNCATE audit_chain",
]


@pytest.fixture
async def with_chain(app_engine: AsyncEngine, make_events: Any) -> None:
    await make_events(2)
    report = await seal_all(app_engine)
    assert report.events == 4


async def _sqlstate(engine: AsyncEngine, statement: str) -> tuple[str | None, str]:
    async with engine.connect() as conn:
        with pytest.raises(DBAPIError) as caught:
            await conn.execute(sa.text(statement))
        await conn.rollback()
    orig: Any = caught.value.orig
    return getattr(orig, "sqlstate", None), str(caught.value)


@pytest.mark.parametrize("statement", CHANGES)
async def test_app_role_cannot_change_the_trail(app_engine: AsyncEngine, with_chain: None, statement: str) -> None:
    sqlstate, message = await _sqlstate(app_engine, statement)
    assert sqlstate == "42501", message  # insufficient_privilege: the grant is missing
    assert "permission denied" in message


@pytest.mark.parametrize("statement", CHANGES[:4])
async def test_owner_cannot_change_the_trail_either(
    owner_engine: AsyncEngine, with_chain: None, statement: str
) -> None:
    sqlstate, message = await _sqlstate(owner_engine, statement)
    assert sqlstate == "P0001", message  # raised by the append-only trigger
    assert "append-only" in message


async def test_a_non_superuser_granted_truncate_is_stopped_by_the_trigger(
    audit_db: URL, owner_engine: AsyncEngine, with_chain: None
) -> None:
    # Only a superuser (who can switch any trigger off anyway) may empty the trail, e.g. the test harness.
    role = f"audit_test_{uuid.uuid4().hex[:8]}"
    async with owner_engine.begin() as conn:
        await conn.execute(sa.text(f"CREATE ROLE {role} LOGIN"))
        await conn.execute(sa.text(f"GRANT TRUNCATE, UPDATE, DELETE ON audit_events, audit_chain TO {role}"))
    engine = create_engine(audit_db.set(username=role, password=None), pool_size=1)
    try:
        for statement in ("TRUNCATE audit_events", "TRUNCATE audit_chain", "DELETE FROM audit_events"):
            sqlstate, message = await _sqlstate(engine, statement)
            assert sqlstate == "P0001", message
    finally:
        await engine.dispose()
        async with owner_engine.begin() as conn:
            await conn.execute(sa.text(f"REVOKE ALL ON audit_events, audit_chain FROM {role}"))
            await conn.execute(sa.text(f"DROP ROLE {role}"))
    async with owner_engine.connect() as conn:
        assert await conn.scalar(sa.text("SELECT count(*) FROM audit_events")) == 4


async def test_app_role_can_insert_and_read_the_trail_and_change_ordinary_tables(
    app_engine: AsyncEngine, with_chain: None
) -> None:
    async with app_engine.begin() as conn:
        await conn.execute(
            sa.text("INSERT INTO audit_events (actor_sub, actor_role, action) VALUES ('a', 'auditor', 'x.y')")
        )
        assert await conn.scalar(sa.text("SELECT count(*) FROM audit_events")) == 5
        assert await conn.scalar(sa.text("SELECT count(*) FROM audit_chain")) == 4
        changed = await conn.execute(sa.text("UPDATE organisations SET name = name || ' ' WHERE ods_code = 'RJ1'"))
        assert changed.rowcount == 1
    # Every other table, those made by later migrations too (default privileges), is the app's to change; the
    # migrations' own bookkeeping is only readable.
    async with app_engine.connect() as conn:
        assert await conn.scalar(sa.text("SELECT version_num FROM alembic_version")) is not None
        lacking = await conn.scalars(
            sa.text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'r' "
                "AND c.relname NOT IN ('audit_events', 'audit_chain', 'alembic_version') "
                "AND NOT (has_table_privilege(c.oid, 'SELECT') AND has_table_privilege(c.oid, 'INSERT') "
                "AND has_table_privilege(c.oid, 'UPDATE') AND has_table_privilege(c.oid, 'DELETE'))"
            )
        )
        assert list(lacking) == []
        later = await conn.scalar(
            sa.text("SELECT count(*) FROM information_schema.tables WHERE table_name = 'erasure_tombstones'")
        )
        assert later == 1, "a table made after the audit migration is among those checked"
    sqlstate, _ = await _sqlstate(app_engine, "UPDATE alembic_version SET version_num = version_num")
    assert sqlstate == "42501"


async def test_app_role_is_who_the_service_logs_in_as(app_engine: AsyncEngine) -> None:
    async with app_engine.connect() as conn:
        me = await conn.scalar(sa.text("SELECT current_user"))
        superuser = await conn.scalar(sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
    assert me == "register_app"
    assert superuser is False
