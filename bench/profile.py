"""Where a request's time goes, measured while the load runs: CPU per request by process, and the workers' CPU
by layer of the code.

Used by ``bench.service run`` after its rounds. Two measurements, both on the server set-up of the rounds:

* **CPU per request by process**: the CPU seconds the service's workers, PostgreSQL's processes (on the embedded
  server) and the load generator used during one bounded ``wrk`` run, divided by the requests it completed. On
  a machine whose cores are all busy, ``cores ÷ (total CPU per request)`` is the throughput to expect, so the
  split says which process an endpoint's ratio is lost in.
* **Worker CPU by layer** (when ``py-spy`` is installed and may attach): py-spy samples one worker during the
  same kind of run, and each sample counts for the layer of the innermost frame that belongs to a known package
  (the register's own code, Litestar, validation and serialisation, asyncpg, SQLAlchemy, the server, ...;
  "other" is a sample with no Python file in it, such as the event loop waiting in C).
"""

import contextlib
import resource
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import psutil  # type: ignore[import-untyped]

# The layer of a frame, by the first pattern found in its file name; the first matching layer wins, and a sample
# counts for the innermost frame that has a layer ("other" when none has).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("register's own code", ("/register/", "/api/", "/schemas/")),
    ("Litestar", ("/litestar/",)),
    ("pydantic, msgspec (validation, JSON)", ("/pydantic/", "/pydantic_core/", "/msgspec/")),
    ("asyncpg", ("/asyncpg/",)),
    ("SQLAlchemy, SQLModel", ("/sqlalchemy/", "/sqlmodel/")),
    ("uvicorn, httptools, uvloop", ("/uvicorn/", "/httptools/", "/uvloop/")),
    ("tokens (PyJWT, cryptography)", ("/jwt/", "/cryptography/")),
    ("Python's standard library", ("/lib/python3",)),
)
OUTSIDE_SITE_PACKAGES = {"register's own code", "Python's standard library"}


@dataclass(frozen=True)
class CpuSplit:
    """CPU milliseconds per completed request, by process, over one bounded load run."""

    requests: int
    service_ms: float
    postgres_ms: float | None  # None: the server is not local (REGISTER_DATABASE_URL elsewhere)
    load_ms: float

    @property
    def total_ms(self) -> float:
        return self.service_ms + (self.postgres_ms or 0.0) + self.load_ms

    def expected_rps(self, cores: int) -> float:
        """Requests a second the machine's cores allow at this cost, were they all busy with nothing else."""
        return cores * 1000 / self.total_ms if self.total_ms else 0.0


def _family(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def _cpu(processes: Iterable[psutil.Process]) -> dict[int, float]:
    seconds = {}
    for p in processes:
        with contextlib.suppress(psutil.Error):
            t = p.cpu_times()
            seconds[p.pid] = t.user + t.system
    return seconds


def _used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds between two samples; a process that started in between counts whole."""
    return sum(v - before.get(pid, 0.0) for pid, v in after.items())


def cpu_split(run_load: Callable[[], int], service_pid: int, postmaster_pid: int | None) -> CpuSplit:
    """Run the load (which returns the requests it completed) and measure each process group's CPU meanwhile."""
    service_before = _cpu(_family(service_pid))
    pg_before = _cpu(_family(postmaster_pid)) if postmaster_pid else {}
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    requests = run_load()
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    service = _used(service_before, _cpu(_family(service_pid)))
    pg = _used(pg_before, _cpu(_family(postmaster_pid))) if postmaster_pid else None
    load = (children_after.ru_utime + children_after.ru_stime) - (children_before.ru_utime + children_before.ru_stime)
    per = 1000 / max(requests, 1)
    return CpuSplit(requests, service * per, None if pg is None else pg * per, load * per)


def postmaster_pid(pgdata: Path) -> int | None:
    """The embedded server's postmaster, or None when the benchmark runs against another server."""
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return None
    with contextlib.suppress(ValueError, IndexError, psutil.Error):
        pid = int(pid_file.read_text().splitlines()[0])
        if psutil.pid_exists(pid):
            return pid
    return None


def workers(service_pid: int) -> list[int]:
    """The worker processes of a uvicorn started with ``--workers`` (multiprocessing's spawned children)."""
    found = []
    for p in psutil.Process(service_pid).children(recursive=True):
        with contextlib.suppress(psutil.Error):
            command = " ".join(p.cmdline())
            if "spawn_main" in command and "resource_tracker" not in command:
                found.append(p.pid)
    return found


def py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"  # installed into the project's environment
    return str(beside) if beside.exists() else shutil.which("py-spy")


def sample_layers(
    run_load: Callable[[], int], pid: int, seconds: int, keep: Path | None = None
) -> dict[str, float] | None:
    """Share of one worker's CPU samples per layer while the load runs; None when py-spy cannot attach.

    ``keep``: also copy py-spy's raw samples there (one ``frame;frame;... count`` line per stack, the input of
    flame-graph tools), to look deeper than the layers.
    """
    binary = py_spy()
    if binary is None:
        return None
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        out = Path(tmp) / "samples.txt"
        command = [binary, "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "250"]
        command += ["--format", "raw", "--full-filenames", "--nonblocking", "--output", str(out)]
        spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        run_load()
        try:
            _, err = spy.communicate(timeout=seconds + 30)
        except subprocess.TimeoutExpired:
            spy.kill()
            return None
        if spy.returncode != 0 or not out.exists():
            print(f"  py-spy could not sample the worker: {err.decode(errors='replace')[-300:]}", flush=True)
            return None
        if keep is not None:
            keep.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out, keep)
        return layer_shares(out.read_text().splitlines())


def layer_of(frame: str) -> str | None:
    """The layer of a py-spy frame (``function (path:line)``); the own code and the standard library are the
    frames outside site-packages."""
    installed = "site-packages" in frame
    for layer, patterns in LAYERS:
        if (layer in OUTSIDE_SITE_PACKAGES) == installed:
            continue
        if any(p in frame for p in patterns):
            return layer
    return "other packages" if installed else None


def layer_shares(lines: Iterable[str]) -> dict[str, float]:
    """py-spy's raw format (``frame;frame;... count``, outermost first) → share of samples per layer."""
    counts: Counter[str] = Counter()
    for line in lines:
        stack, _, n = line.rstrip().rpartition(" ")
        if not stack or not n.isdigit():
            continue
        layer = next((x for x in map(layer_of, reversed(stack.split(";"))) if x is not None), "other")
        counts[layer] += int(n)
    total = sum(counts.values()) or 1
    return {layer: counts[layer] / total for layer in [*(name for name, _ in LAYERS), "other packages", "other"]}
