"""The benchmarks' own command, ``python -m bench``: the synthetic register the benchmarks run against."""

import asyncio
from typing import Any

import click

from api.cli import progress_bar
from register.settings import Settings


@click.group()
def main() -> None:
    """Benchmark data for the NHS Directors' Fit-and-Proper Register (docs/benchmarks.md)."""


@main.command("data")
@click.option("--directors", default=1_000_000, show_default=True, type=click.IntRange(1, 20_000_000))
@click.option("--seed", default=2019, show_default=True, type=int)
@click.option("--database", default="register_bench", show_default=True, help="Dropped and rebuilt.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 16), help="Generator processes.")
def data(directors: int, seed: int, database: str, workers: int) -> None:
    """Generate a synthetic register for benchmarks (bench/generate.py) into a separate database."""
    settings = Settings()
    live = settings.database_name
    if settings.database_url:
        from sqlalchemy.engine import make_url

        live = make_url(settings.database_url).database or live
    if database in (live, "postgres", "template0", "template1"):
        raise click.UsageError(f"--database {database} is not a benchmark database; it would be dropped.")
    from bench.generate import load
    from bench.server import ensure_memory

    async def go() -> Any:
        url, shared_buffers = await ensure_memory(settings)
        click.echo(f"Server shared_buffers: {shared_buffers}")
        with progress_bar() as bar:
            tasks: dict[str, Any] = {}

            def progress(phase: str, done: int, total: int) -> None:
                if phase not in tasks:
                    tasks[phase] = bar.add_task(phase, total=total)
                bar.update(tasks[phase], completed=done, total=total)

            return await load(url, database, directors=directors, seed=seed, workers=workers, progress=progress)

    report = asyncio.run(go())
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in report.phases.items())
    click.echo(f"Loaded {report.directors} directors into {report.database} in {report.seconds:.1f} s ({phases}).")
    for name, count in report.rows.items():
        click.echo(f"  {name}: {count}")
