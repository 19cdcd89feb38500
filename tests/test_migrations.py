"""The Alembic migrations: they go up and down cleanly, and they build exactly the schema the models describe."""

import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import URL, Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import register.models  # noqa: F401  (registers every table on the metadata)
from register import migrate
from register.base import metadata
from register.db import create_engine, drop_database, ensure_database


@pytest.fixture
async def scratch_engine(admin_url: URL) -> AsyncIterator[AsyncEngine]:
    """An engine on a new, empty database on the test server, dropped afterwards."""
    name = f"register_migrations_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    server = admin_url.set(database="postgres")
    await ensure_database(server, name, recreate=True)
    engine = create_engine(admin_url.set(database=name), pool_size=1)
    try:
        yield engine
    finally:
        await engine.dispose()
        await drop_database(server, name)


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.text("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        )
        return {row[0] for row in rows}


async def _columns(engine: AsyncEngine) -> set[tuple[str, str, str, str]]:
    """Every column of the public schema with its type and nullability: a fingerprint of the schema."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.text(
                "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name <> 'alembic_version'"
            )
        )
        return {(row[0], row[1], row[2], row[3]) for row in rows}


FOUNDATION_TABLES = {"organisations", "directors", "professional_registrations", "employment_records"}


async def test_migrations_upgrade_downgrade_and_upgrade_again(scratch_engine: AsyncEngine) -> None:
    assert await migrate.current_revision(scratch_engine) is None

    await migrate.upgrade(scratch_engine)
    assert await migrate.current_revision(scratch_engine) == migrate.head_revision()
    tables = await _tables(scratch_engine)
    assert tables >= FOUNDATION_TABLES | {"alembic_version"}, f"missing after upgrade: {FOUNDATION_TABLES - tables}"
    schema = await _columns(scratch_engine)

    await migrate.downgrade(scratch_engine, "base")
    assert await migrate.current_revision(scratch_engine) is None
    left = await _tables(scratch_engine) - {"alembic_version"}
    assert left == set(), f"downgrade to base left tables behind: {sorted(left)}"

    await migrate.upgrade(scratch_engine)
    assert await migrate.current_revision(scratch_engine) == migrate.head_revision()
    assert await _tables(scratch_engine) == tables
    assert await _columns(scratch_engine) == schema, "upgrading again built a different schema"


def _describe(diff: Any) -> str:
    """One line per difference found by Alembic's autogenerate comparison."""
    if isinstance(diff, list):
        return "; ".join(_describe(d) for d in diff)
    op = diff[0]
    if op in ("add_table", "remove_table"):
        return f"{op} {diff[1].name}"
    if op in ("add_column", "remove_column"):
        return f"{op} {diff[2]}.{diff[3].name}"
    if op in ("add_index", "remove_index", "add_constraint", "remove_constraint", "add_fk", "remove_fk"):
        return f"{op} {diff[1].name} on {diff[1].table.name}"
    if op.startswith("modify_"):
        return f"{op} {diff[2]}.{diff[3]}: database {diff[-2]!r}, models {diff[-1]!r}"
    return repr(diff)


async def test_migrations_match_the_models(scratch_engine: AsyncEngine) -> None:
    await migrate.upgrade(scratch_engine)

    def differences(conn: Connection) -> list[Any]:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs: list[Any] = compare_metadata(context, metadata)
        return diffs

    async with scratch_engine.connect() as conn:
        diffs = await conn.run_sync(differences)
    # add_* is in the models but not built by the migrations; remove_* is built by the migrations but not modelled.
    assert diffs == [], (
        "The models and the schema the migrations build differ; write a migration (or fix the models) for:\n"
        + "\n".join(f"  - {_describe(d)}" for d in diffs)
    )
