"""The benchmark data generator: it loads what it says, and the same seed gives the same rows."""

import os
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy.engine import URL

from bench.generate import TABLES, load, pools
from register.db import asyncpg_dsn, drop_database
from register.names import normalise_name

TABLE_NAMES = ["organisations", *(t.name for t in TABLES), "name_token_variants"]


@pytest.fixture
async def scratch(admin_url: URL) -> AsyncIterator[list[str]]:
    """Names for throw-away databases on the test server, dropped afterwards."""
    names = [f"register_bench_test_{os.getpid()}_{uuid.uuid4().hex[:6]}_{i}" for i in range(3)]
    yield names
    for name in names:
        await drop_database(admin_url.set(database="postgres"), name)


async def fingerprints(url: URL) -> dict[str, str]:
    """A digest of every row of every generated table, leaving out the times the server stamps."""
    conn = await asyncpg.connect(**asyncpg_dsn(url))
    try:
        out = {}
        for name in TABLE_NAMES:
            columns = await conn.fetch(
                "SELECT column_name FROM information_schema.columns WHERE table_name = $1 "
                "AND column_name NOT IN ('created_at', 'updated_at') ORDER BY ordinal_position",
                name,
            )
            listed = ", ".join(f'"{c[0]}"' for c in columns)
            out[name] = await conn.fetchval(
                f"SELECT md5(string_agg(x::text, '|' ORDER BY x::text)) FROM (SELECT {listed} FROM {name}) x"  # noqa: S608
            )
        return out
    finally:
        await conn.close()


async def test_generator_loads_directors_with_their_files_and_search_names(admin_url: URL, scratch: list[str]) -> None:
    report = await load(admin_url, scratch[0], directors=300, seed=11, workers=1)
    rows = report.rows
    assert rows["directors"] == 300
    assert rows["organisations"] == len(pools(11).organisations) > 300
    assert 3 * 300 <= rows["employment_records"] <= 7 * 300
    assert 300 < rows["director_names"] < 300 * 1.3  # ~15% have a former name
    assert rows["professional_registrations"] > 0
    conn = await asyncpg.connect(**asyncpg_dsn(admin_url.set(database=scratch[0])))
    try:
        # every director has a board appointment, at an organisation on the register
        assert (
            await conn.fetchval(
                "SELECT count(DISTINCT director_id) FROM employment_records e JOIN organisations o USING (ods_code) "
                "WHERE e.kind = 'board_appointment'"
            )
            == 300
        )
        # the search names are the normalised names, and the secondary indexes were rebuilt
        given, family, name = await conn.fetchrow(
            "SELECT given_name, family_name, n.name FROM directors d "
            "JOIN director_names n ON n.director_id = d.id AND n.kind = 'current' LIMIT 1"
        )
        assert name == normalise_name(given, family)
        indexes = {r[0] for r in await conn.fetch("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}
        assert {"ix_director_names_tokens", "ix_employment_records_director_id"} <= indexes
        # registrations are unique per body even though generated in bulk
        assert await conn.fetchval("SELECT count(*) = count(DISTINCT (body, number)) FROM professional_registrations")
    finally:
        await conn.close()


async def test_the_same_seed_gives_the_same_rows(admin_url: URL, scratch: list[str]) -> None:
    await load(admin_url, scratch[0], directors=250, seed=5, workers=1)
    await load(admin_url, scratch[1], directors=250, seed=5, workers=1)
    await load(admin_url, scratch[2], directors=250, seed=6, workers=1)
    first, again, other = [await fingerprints(admin_url.set(database=name)) for name in scratch]
    assert first == again
    assert first["directors"] != other["directors"]
    assert first["employment_records"] != other["employment_records"]
