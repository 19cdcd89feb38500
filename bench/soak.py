"""Soak: mixed traffic at about half the measured peak for a long time; errors, memory, connections, latency.

    .venv/bin/python -m bench.soak [--seconds 600] [--write docs/reliability.md]     (SOAK_SECONDS also sets it)

Starts ``register serve`` on its own embedded PostgreSQL (bench/chaos.py's ``Service``), adds two trusts and 50
directors, measures the peak request rate of the mix with 8 closed-loop clients for 15 s, then sends the mix
open-loop at half that rate: director reads, name searches, candidate checks and writes (a new employment
entry, a new director). Every window (a minute, or a tenth of a short run) it samples the service's RSS
(psutil), the service's database connections (``pg_stat_activity`` by application_name) and latency. Latency
counts from the moment each request was due, so a stall shows as slow requests, never as requests not sent.

Passes when there are no errors, RSS grows less than 10% from the first window after warm-up to the last, the
connection count stays within the pool, and the p99 of the last three windows together is within 2x that of the
three windows after warm-up: a latency that grows with running time shows there, while one window's spike on a
shared machine (another process's burst, a checkpoint) does not decide the verdict alone. Every window's p99,
slowest request and the machine's load average are in the report.
"""

import argparse
import asyncio
import contextlib
import datetime as dt
import itertools
import os
import random
import shutil
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil  # type: ignore[import-untyped]

from bench.chaos import EMPLOYMENT, Service, new_data_dir
from bench.markdown import write_section

GIVEN_NAMES = ("Amara", "Ben", "Chloe", "Dev", "Eilidh", "Farah", "Gareth", "Hannah", "Imran", "Jo", "Kwame", "Lucy")
# Requests in flight at which the service counts as stuck: over three seconds of the soak's traffic.
MAX_IN_FLIGHT = 500
MIX = (("read", 45), ("search", 25), ("candidate_check", 10), ("write_employment", 15), ("create_director", 5))


@dataclass
class Window:
    started: float
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rss_mb: float = 0.0
    connections: int = 0
    load: float = 0.0  # the machine's one-minute load average when the window closed


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Traffic:
    """The request mix against one service, with the directors it set up."""

    def __init__(self, service: Service, clients: list[httpx.AsyncClient]) -> None:
        self.service, self.client = service, clients[0]
        self.clients = itertools.cycle(clients)
        self.hr = service.token("trust_hr", org="RJ1", sub="soak-hr")
        self.hiring = service.token("trust_hr", org="RRV", sub="soak-hiring")
        self.directors: list[str] = []
        self.family_names: list[str] = []
        self.rng = random.Random(2019)
        self.kinds = [k for k, w in MIX for _ in range(w)]

    async def setup(self, directors: int = 50) -> None:
        admin = self.service.token("admin")
        for code, name in (("RJ1", "Soak Trust"), ("RRV", "Soak Hiring Trust")):
            body = {"ods_code": code, "name": name, "kind": "nhs_trust", "region": "london"}
            r = await self.client.post("/v1/organisations", json=body, headers=admin)
            assert r.status_code == 201, r.text
        for _ in range(directors):
            r = await self.client.post("/v1/directors", json=self.new_director(), headers=self.hr)
            assert r.status_code == 201, r.text
            self.remember(r.json())

    def new_director(self) -> dict[str, Any]:
        """A director as trusts add them: varied names and birth dates, so that duplicate checks and name
        searches see a realistic spread rather than thousands of namesakes born on one day."""
        family = "".join(self.rng.choice("bcdfghjklmnprstvwz") + self.rng.choice("aeiou") for _ in range(4))
        born = dt.date(1950, 1, 1) + dt.timedelta(days=self.rng.randrange(35 * 365))
        return {
            "given_name": self.rng.choice(GIVEN_NAMES),
            "family_name": family.capitalize(),
            "date_of_birth": born.isoformat(),
            "registrations": [],
            "appointment": {"board_role": "non_executive_director", "start_date": "2024-01-01"},
        }

    def remember(self, director: dict[str, Any]) -> None:
        # New directors join the pool, so writes spread over the file as it grows (a few entries each).
        self.directors.append(director["id"])
        self.family_names.append(director["family_name"])

    async def one(self, scheduled: float | None = None) -> tuple[float, str | None]:
        """Send one request of the mix; returns (seconds, error or None).

        The seconds count from ``scheduled`` (the moment an open-loop generator meant to send it) when given,
        so time spent waiting for a free client connection behind a slow response counts as latency.
        """
        kind = self.rng.choice(self.kinds)
        target = self.rng.choice(self.directors)
        client = next(self.clients)
        started = time.monotonic() if scheduled is None else scheduled
        if kind == "read":
            r = await client.get(f"/v1/directors/{target}", headers=self.hr)
            expected = 200
        elif kind == "search":
            name = self.rng.choice(self.family_names)
            r = await client.get("/v1/directors", params={"q": name, "limit": 20}, headers=self.hr)
            expected = 200
        elif kind == "candidate_check":
            body = {"director_id": target, "purpose": "Soak shortlisting", "vacancy": {"board_role": "chair"}}
            r = await client.post("/v1/candidate-checks", json=body, headers=self.hiring)
            expected = 201
        elif kind == "write_employment":
            r = await client.post(f"/v1/directors/{target}/employment", json=EMPLOYMENT, headers=self.hr)
            expected = 201
        else:
            r = await client.post("/v1/directors", json=self.new_director(), headers=self.hr)
            expected = 201
            if r.status_code == 201:
                self.remember(r.json())
        seconds = time.monotonic() - started
        return seconds, None if r.status_code == expected else f"{kind}: {r.status_code} {r.text[:120]}"


async def peak(traffic: Traffic, seconds: float, clients: int = 8) -> float:
    """Requests per second of the mix with ``clients`` closed-loop clients."""
    done = 0
    deadline = time.monotonic() + seconds

    async def loop() -> None:
        nonlocal done
        while time.monotonic() < deadline:
            await traffic.one()
            done += 1

    await asyncio.gather(*(loop() for _ in range(clients)))
    return done / seconds


async def service_connections(service: Service) -> int:
    conn = await service.admin()
    try:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'fpp-register'"
        )
        return count
    finally:
        await conn.close()


def service_rss_mb(service: Service) -> float:
    assert service.process is not None
    process = psutil.Process(service.process.pid)
    return float(sum(p.memory_info().rss for p in [process, *process.children(recursive=True)])) / 2**20


async def soak(traffic: Traffic, rate: float, seconds: float, window_s: float) -> list[Window]:
    """Open loop at ``rate`` requests a second for ``seconds``, sampled per window.

    Requests are sent on schedule whatever the service is doing, and each one's latency counts from its
    scheduled moment: a stall shows as latency of every request it held up, not as requests left unsent
    (which would hide it). Only a backlog of MAX_IN_FLIGHT requests, seconds of traffic, is counted as errors.
    """
    windows: list[Window] = []
    in_flight: set[asyncio.Task[None]] = set()
    start = time.monotonic()

    async def send(window: Window, scheduled: float) -> None:
        try:
            seconds_taken, error = await traffic.one(scheduled)
            window.latencies.append(seconds_taken)
            if error:
                window.errors.append(error)
        except httpx.HTTPError as exc:
            window.errors.append(f"transport: {exc!r}")

    for i in itertools.count():
        now = time.monotonic()
        if now - start >= seconds:
            break
        index = int((now - start) // window_s)
        while len(windows) <= index:
            if windows:  # close the previous window with its samples
                await close(windows[-1], traffic)
            windows.append(Window(started=now))
        if len(in_flight) < MAX_IN_FLIGHT:
            task = asyncio.create_task(send(windows[-1], start + i / rate))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        else:
            windows[-1].errors.append(f"client backlog: {MAX_IN_FLIGHT} requests in flight")
        await asyncio.sleep(max(0.0, start + (i + 1) / rate - time.monotonic()))
    await asyncio.gather(*in_flight)
    await close(windows[-1], traffic)
    return windows


async def close(window: Window, traffic: Traffic) -> None:
    """Sample the service's memory and connections and the machine's load at the end of ``window``."""
    window.rss_mb = service_rss_mb(traffic.service)
    window.connections = await service_connections(traffic.service)
    window.load = os.getloadavg()[0]


def pooled_p99(windows: list[Window]) -> float:
    return percentile([x for w in windows for x in w.latencies], 0.99)


def verdict(windows: list[Window], pool_limit: int) -> list[str]:
    problems = []
    errors = [e for w in windows for e in w.errors]
    if errors:
        kinds: dict[str, int] = {}
        for e in errors:
            kinds[e.split(":")[0]] = kinds.get(e.split(":")[0], 0) + 1
        by_kind = ", ".join(f"{k}: {n}" for k, n in sorted(kinds.items()))
        problems.append(f"{len(errors)} errors ({by_kind}), e.g. {errors[0]}")
    base = windows[1] if len(windows) > 2 else windows[0]  # the first window is warm-up
    growth = (windows[-1].rss_mb - base.rss_mb) / base.rss_mb
    if growth >= 0.10:
        problems.append(f"RSS grew {growth:.0%}")
    if max(w.connections for w in windows) > pool_limit:
        problems.append(f"connections exceeded the pool ({max(w.connections for w in windows)} > {pool_limit})")
    first, last = (windows[1:4], windows[-3:]) if len(windows) >= 7 else ([base], windows[-1:])
    p99_first, p99_last = pooled_p99(first), pooled_p99(last)
    if p99_last > 2 * max(p99_first, 0.005):
        problems.append(f"p99 rose from {p99_first * 1000:.0f} ms to {p99_last * 1000:.0f} ms")
    return problems


def markdown(args: argparse.Namespace, peak_rps: float, rate: float, windows: list[Window], problems: list[str]) -> str:
    total = sum(len(w.latencies) for w in windows)
    rows = [
        f"| {i + 1} | {len(w.latencies)} | {len(w.errors)} | {percentile(w.latencies, 0.5) * 1000:.0f} | "
        f"{percentile(w.latencies, 0.99) * 1000:.0f} | {max(w.latencies, default=0) * 1000:.0f} | {w.rss_mb:.0f} | "
        f"{w.connections} | {w.load:.1f} |"
        for i, w in enumerate(windows)
    ]
    base = windows[1] if len(windows) > 2 else windows[0]
    growth = (windows[-1].rss_mb - base.rss_mb) / base.rss_mb
    mix = ", ".join(f"{k} {w}%" for k, w in MIX)
    return "\n".join(
        [
            "## Soak",
            "",
            f"`make soak` (`.venv/bin/python -m bench.soak --write docs/reliability.md`; `SOAK_SECONDS` shortens it), "
            f"run on {time.strftime('%Y-%m-%d')} for **{args.seconds:.0f} s** on this 2-core machine (load generator, "
            "service and PostgreSQL share the cores): `register serve` (uvicorn, one worker; pools of 10 + 10 overflow "
            "and 10) "
            f"on its own embedded PostgreSQL. Mix: {mix}. Peak of the mix (8 closed-loop clients, 15 s): "
            f"{peak_rps:.0f} req/s; soak rate {rate:.0f} req/s open-loop; {total} requests. Latency counts from "
            "the moment each request was due.",
            "",
            "| window | requests | errors | p50 ms | p99 ms | max ms | service RSS MB | DB connections "
            "| load average |",
            "|---|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            f"RSS growth from window 2 to the last: {growth:+.1%}. p99 of windows 2 to 4 together "
            f"{pooled_p99(windows[1:4]) * 1000:.0f} ms, of the last three {pooled_p99(windows[-3:]) * 1000:.0f} ms. "
            + (
                "Verdict: all checks passed (0 errors, RSS < +10%, connections within the pool, p99 stable)."
                if not problems
                else "Verdict: " + "; ".join(problems) + "."
            ),
            "",
        ]
    )


async def run(args: argparse.Namespace) -> tuple[float, float, list[Window]]:
    data_dir = new_data_dir("register-soak-")
    service = Service(data_dir)
    try:
        service.start()
        # Eight small connection pools rather than one of 64: httpcore scans every connection of its pool for
        # each request it places, so one large pool costs the load generator more CPU the more requests are in
        # flight. On two shared cores that made the generator, not the service, the bottleneck (profiled).
        limits = httpx.Limits(max_connections=8, max_keepalive_connections=8)
        async with contextlib.AsyncExitStack() as stack:
            clients = [
                await stack.enter_async_context(httpx.AsyncClient(base_url=service.url, timeout=30, limits=limits))
                for _ in range(8)
            ]
            traffic = Traffic(service, clients)
            await traffic.setup()
            peak_rps = await peak(traffic, 15)
            rate = args.rate or peak_rps / 2
            window_s = 60.0 if args.seconds >= 600 else args.seconds / 10
            windows = await soak(traffic, rate, args.seconds, window_s)
        return peak_rps, rate, windows
    finally:
        service.stop()
        service.stop_postgres()
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", "600")))
    parser.add_argument("--write", type=Path, default=None, help="Replace the Soak section of this file.")
    parser.add_argument("--rate", type=float, default=None, help="Requests a second (default: half the peak).")
    args = parser.parse_args()
    peak_rps, rate, windows = asyncio.run(run(args))
    # The ORM's pool (10 + 10 overflow) and the one-statement requests' asyncpg pool (10), register/db.py.
    problems = verdict(windows, pool_limit=30)
    section = markdown(args, peak_rps, rate, windows, problems)
    print(section)
    print("median latency overall (ms):", statistics.median(x for w in windows for x in w.latencies) * 1000)
    if args.write:
        write_section(args.write, section, "## Soak")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
