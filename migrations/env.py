"""Alembic environment: runs on a connection handed in by ``register.migrate``, or on the configured database."""

import asyncio

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

import register.models  # noqa: F401  (registers every table on the metadata)
from register.base import metadata
from register.db import resolve_migration_database_url
from register.settings import Settings

config = context.config


def do_run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        compare_server_default=False,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    url = await resolve_migration_database_url(Settings())  # the schema owner, not the app's role
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; run against a database.")

given = config.attributes.get("connection")
if given is not None:
    do_run_migrations(given)
else:
    asyncio.run(run_async_migrations())
