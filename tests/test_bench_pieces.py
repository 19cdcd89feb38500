"""Pieces of the benchmarks that can be checked without a load: the by-layer split of py-spy samples
(bench/profile.py) on hand-made stacks, how a benchmark writes its section of a page (bench/markdown.py), and
the benchmarks' own command (bench/cli.py)."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.cli import main as bench
from bench.markdown import write_section
from bench.profile import layer_of, layer_shares

SITE = "/srv/app/.venv/lib/python3.11/site-packages"


def test_a_frame_belongs_to_the_layer_of_its_file() -> None:
    assert layer_of(f"handle ({SITE}/litestar/routes/http.py:120)") == "Litestar"
    assert layer_of(f"_execute ({SITE}/asyncpg/connection.py:1800)") == "asyncpg"
    assert layer_of("read_file_json (/srv/app/register/directors/service.py:40)") == "register's own code"
    assert layer_of("run (/usr/lib/python3.11/asyncio/events.py:80)") == "Python's standard library"
    # An installed package is never the register's code or the standard library, whatever its folder names.
    assert layer_of(f"call ({SITE}/somepkg/api/core.py:3)") == "other packages"
    assert layer_of("<native>") is None


def test_a_sample_counts_for_its_innermost_known_frame() -> None:
    app = "app (/srv/app/api/auth.py:10)"
    shares = layer_shares(
        [
            f"{app};validate_python ({SITE}/pydantic/main.py:5) 3",
            f"{app};fetch ({SITE}/asyncpg/pool.py:9);<native> 1",
            f"{app} 4",
            "<native> 2",
            "not a sample line",
        ]
    )
    assert shares["pydantic, msgspec (validation, JSON)"] == 0.3
    assert shares["asyncpg"] == 0.1
    assert shares["register's own code"] == 0.4
    assert shares["other"] == 0.2
    assert abs(sum(shares.values()) - 1) < 1e-9


def test_a_benchmark_replaces_only_its_own_section_of_a_page(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text(
        "# Benchmarks\n\n## Search\n\nold search\n\n## Service throughput\n\nold figures\n\n## Later\n\nkept\n"
    )
    write_section(page, "## Service throughput\n\nnew figures\n", "## Service throughput")
    write_section(page, "## Exports: last run\n\nappended\n", "## Exports: last run")
    assert page.read_text() == (
        "# Benchmarks\n\n## Search\n\nold search\n\n## Service throughput\n\nnew figures\n\n## Later\n\nkept\n\n"
        "## Exports: last run\n\nappended\n"
    )


@pytest.mark.parametrize("database", ["live_register", "postgres", "template1"])
def test_bench_data_refuses_to_rebuild_a_database_that_is_not_a_benchmark_one(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command drops and rebuilds its database: never the service's own one or PostgreSQL's.
    monkeypatch.setenv("REGISTER_DATABASE_URL", "postgresql://register@db.invalid/live_register")
    result = CliRunner().invoke(bench, ["data", "--directors", "10", "--database", database])
    assert result.exit_code == 2, result.output
    assert f"--database {database} is not a benchmark database; it would be dropped." in result.output
