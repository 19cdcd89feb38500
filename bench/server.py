"""Which PostgreSQL server the benchmarks use, and its memory settings.

The server is the one the service uses: ``REGISTER_DATABASE_URL``, or the embedded server in the data folder.
On the embedded server the benchmark raises ``shared_buffers`` (RUNTIME-NOTES: the machine's file cache is
dropped within minutes, so without it a warmed database falls back to disk reads).
"""

import asyncpg
from sqlalchemy.engine import URL

from register.db import asyncpg_dsn, sqlalchemy_url, start_embedded_server, stop_embedded_server
from register.settings import Settings

SHARED_BUFFERS = "2GB"


def server_url(settings: Settings) -> URL:
    """Admin URL of the server (database ``postgres``)."""
    if settings.database_url:
        return sqlalchemy_url(settings.database_url, "postgres")
    return sqlalchemy_url(start_embedded_server(settings.pgdata_dir), "postgres")


async def ensure_memory(settings: Settings) -> tuple[URL, str]:
    """Ask for ``shared_buffers`` = 2GB (and a larger WAL) on the embedded server; returns (url, value in force).

    The setting needs a restart: when this process started the embedded server it restarts it; when another
    process shares it the value in force is reported as it is.
    """
    url = server_url(settings)
    if settings.database_url:
        return url, await _show(url)
    conn = await asyncpg.connect(**asyncpg_dsn(url))
    try:
        current = await conn.fetchval("SHOW shared_buffers")
        if current != SHARED_BUFFERS:
            await conn.execute(f"ALTER SYSTEM SET shared_buffers = '{SHARED_BUFFERS}'")
            await conn.execute("ALTER SYSTEM SET max_wal_size = '8GB'")
            await conn.execute("ALTER SYSTEM SET effective_cache_size = '8GB'")
    finally:
        await conn.close()
    if current != SHARED_BUFFERS:
        stop_embedded_server(settings.pgdata_dir)
        url = server_url(settings)
    return url, await _show(url)


async def _show(url: URL) -> str:
    conn = await asyncpg.connect(**asyncpg_dsn(url))
    try:
        value: str = await conn.fetchval("SHOW shared_buffers")
        return value
    finally:
        await conn.close()
