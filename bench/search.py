"""Search benchmark: one-typo name queries against the generated register, through the service's own function.

    .venv/bin/python -m bench.search [--database register_bench] [--queries 1000] [--seed 7]

Each query is a generated director's current name with one typo (a substitution, deletion or transposition
in the given or the family name). It runs ``register.search.service.search_directors`` as a regulator (a
national search: the largest scope) for the top 20, in its own transaction, including the audit writes; the
transaction is rolled back so that the benchmark leaves the database as it found it. Before measuring, the
search tables and indexes are loaded into shared buffers with pg_prewarm and a warm-up round is run.

Reports p50/p95/p99 latency and recall@20: the share of queries whose intended director is in the top 20.
``--compare-trigram`` also times a plain pg_trgm search (``%`` on a GIN trigram index, built if missing) on the
same queries, for comparison.
"""

import argparse
import asyncio
import datetime as dt
import os
import platform
import random
import statistics
import string
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from bench.generate import uuid_text
from bench.markdown import write_section
from bench.server import ensure_memory
from register.access.principal import Actor, Principal, Role
from register.db import asyncpg_dsn, create_engine, create_session_factory
from register.names import normalise_name
from register.search.service import SearchCriteria, search_directors
from register.settings import Settings

PREWARM = [
    "directors",
    "pk_directors",
    "director_names",
    "pk_director_names",
    "ix_director_names_tokens",
    "name_token_variants",
    "pk_name_token_variants",
]


SECTION = "## Search: last `make bench` run"


@dataclass(frozen=True)
class Query:
    text: str
    director_id: uuid.UUID
    name: str  # the director's normalised current name


def typo(word: str, rng: random.Random) -> str:
    """One substitution, deletion or transposition at a letter of ``word`` (never a no-op)."""
    letters = [i for i, c in enumerate(word) if c.isalpha()]
    kinds = ["substitution", "deletion", "transposition"]
    while True:
        kind = rng.choice(kinds)
        i = rng.choice(letters)
        if kind == "substitution":
            c = rng.choice([x for x in string.ascii_lowercase if x != word[i].lower()])
            return word[:i] + c + word[i + 1 :]
        if kind == "deletion" and len(letters) > 2:
            return word[:i] + word[i + 1 :]
        if kind == "transposition" and i + 1 < len(word) and word[i + 1].isalpha() and word[i] != word[i + 1]:
            return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def make_query(given: str, family: str, rng: random.Random) -> str:
    """The name as typed, with one typo in one word of the given or the family name."""
    parts = [given.split(), family.split()]
    which = rng.randrange(2)
    words = parts[which]
    k = rng.randrange(len(words))
    words[k] = typo(words[k], rng)
    return " ".join(parts[0] + parts[1])


async def sample_queries(conn: asyncpg.Connection, count: int, seed: int) -> list[Query]:
    """Random generated directors (ids are a function of the row number), each with a one-typo query."""
    total = await conn.fetchval("SELECT count(*) FROM directors")
    rng = random.Random(seed)
    ids = [uuid.UUID(uuid_text(1, rng.randrange(total))) for _ in range(count)]
    rows = {r["id"]: r for r in await conn.fetch("SELECT * FROM directors WHERE id = ANY($1::uuid[])", ids)}
    out = []
    for i in ids:
        r = rows[i]
        out.append(
            Query(
                make_query(r["given_name"], r["family_name"], rng), i, normalise_name(r["given_name"], r["family_name"])
            )
        )
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


async def run(args: argparse.Namespace) -> None:
    settings = Settings()
    server, shared_buffers = await ensure_memory(settings)
    url = server.set(database=args.database)
    dsn = asyncpg_dsn(url)
    conn = await asyncpg.connect(**dsn)
    try:
        t0 = time.perf_counter()
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        pages = sum([await conn.fetchval("SELECT pg_prewarm($1)", rel) for rel in PREWARM])
        prewarm_s = time.perf_counter() - t0
        queries = await sample_queries(conn, args.queries + args.warmup, args.seed)
        directors = await conn.fetchval("SELECT count(*) FROM directors")
        name_rows = await conn.fetchval("SELECT count(*) FROM director_names")
        employment = await conn.fetchval("SELECT count(*) FROM employment_records")
    finally:
        await conn.close()

    engine = create_engine(url, pool_size=2)
    factory = create_session_factory(engine)
    actor = Actor(Principal(sub="bench", role=Role.REGULATOR), purpose="benchmark")
    latencies: list[float] = []
    found = 0
    same_name_found = 0
    misses: list[tuple[Query, list[str]]] = []
    try:
        for n, q in enumerate(queries):
            async with factory() as session:
                start = time.perf_counter()
                hits, _ = await search_directors(session, actor, SearchCriteria(q=q.text), limit=args.limit)
                elapsed = time.perf_counter() - start
                ids = [h.director.id for h in hits]
                names = [normalise_name(h.director.given_name, h.director.family_name) for h in hits]
                await session.rollback()
            if n < args.warmup:
                continue
            latencies.append(elapsed * 1000)
            if q.director_id in ids:
                found += 1
            else:
                misses.append((q, names[:3]))
            if q.name in names:
                same_name_found += 1
    finally:
        await engine.dispose()

    trigram = await compare_trigram(dsn, queries[args.warmup :], args.limit) if args.compare_trigram else None

    measured = len(latencies)
    out = [
        SECTION,
        "",
        f"Measured {dt.date.today().isoformat()} by `make bench` (`.venv/bin/python -m bench.search --database "
        f"{args.database} --queries {args.queries} --seed {args.seed}`).",
        "",
    ]
    out.append(
        f"- machine: {os.cpu_count()} cores, {_memory()} RAM, {platform.platform()}, Python {platform.python_version()}"
    )
    out.append(
        f"- data: {directors} directors, {name_rows} names, {employment} employment rows; "
        f"shared_buffers {shared_buffers}"
    )
    out.append(f"- prewarm: {pages} pages in {prewarm_s:.1f} s; {args.warmup} warm-up queries not counted")
    out.append(
        f"- {measured} one-typo queries, top {args.limit}, one at a time, through search_directors as a regulator"
    )
    out.append(
        f"- latency ms: p50 {percentile(latencies, 50):.1f}, p95 {percentile(latencies, 95):.1f}, "
        f"p99 {percentile(latencies, 99):.1f}, mean {statistics.fmean(latencies):.1f}, max {max(latencies):.1f}"
    )
    out.append(f"- recall@{args.limit}: {found / measured:.1%} (intended director in the top {args.limit})")
    out.append(f"- a director of the intended name in the top {args.limit}: {same_name_found / measured:.1%}")
    if trigram:
        out.append(
            f"- plain pg_trgm `%` (GIN, threshold 0.3), same queries: p50 {trigram[0]:.1f}, p95 {trigram[1]:.1f}, "
            f"p99 {trigram[2]:.1f} ms; recall@{args.limit} {trigram[3]:.1%}"
        )
    print("\n".join(out))
    for q, top in misses[: args.show_misses]:
        print(f"  miss: {q.text!r} for {q.name!r}; top: {top}")
    if args.write:
        write_section(Path(args.write), "\n".join(out), SECTION)


async def compare_trigram(dsn: dict[str, Any], queries: list[Query], limit: int) -> tuple[float, float, float, float]:
    """The same queries as a plain trigram search: GIN gin_trgm_ops, ``%`` then similarity order."""
    conn = await asyncpg.connect(**dsn)
    try:
        await conn.execute("SET maintenance_work_mem = '1GB'")
        await conn.execute(
            "CREATE INDEX IF NOT EXISTS bench_director_names_trgm ON director_names USING gin (name gin_trgm_ops)"
        )
        await conn.fetchval("SELECT pg_prewarm('bench_director_names_trgm')")
        sql = (
            "SELECT director_id FROM director_names WHERE name % $1 GROUP BY director_id "
            "ORDER BY max(similarity(name, $1)) DESC, director_id LIMIT $2"
        )
        for q in queries[:50]:
            await conn.fetch(sql, normalise_name(q.text), limit)
        times, found = [], 0
        for q in queries:
            start = time.perf_counter()
            rows = await conn.fetch(sql, normalise_name(q.text), limit)
            times.append((time.perf_counter() - start) * 1000)
            found += q.director_id in {r[0] for r in rows}
        return percentile(times, 50), percentile(times, 95), percentile(times, 99), found / len(queries)
    finally:
        await conn.close()


def _memory() -> str:
    try:
        with open("/proc/meminfo") as f:  # noqa: PTH123
            kb = int(f.readline().split()[1])
        return f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="register_bench")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--show-misses", type=int, default=5)
    parser.add_argument("--compare-trigram", action="store_true")
    parser.add_argument("--write", default=None, help="docs/benchmarks.md: replace its section of this benchmark")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
