"""Apply and revert the Alembic migrations from code (the CLI, the service start-up and the tests)."""

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def alembic_config(connection: Connection | None = None) -> Config:
    """The project's Alembic configuration (kept in pyproject.toml)."""
    cfg = Config(toml_file=PROJECT_ROOT / "pyproject.toml")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


async def upgrade(bind: AsyncEngine | AsyncConnection, revision: str = "head") -> None:
    """Bring the schema up to ``revision``."""
    await _run(bind, lambda conn: command.upgrade(alembic_config(conn), revision))


async def downgrade(bind: AsyncEngine | AsyncConnection, revision: str) -> None:
    """Take the schema down to ``revision`` (``base`` removes everything)."""
    await _run(bind, lambda conn: command.downgrade(alembic_config(conn), revision))


async def current_revision(bind: AsyncEngine | AsyncConnection) -> str | None:
    """The revision the database is at, or None when no migration has run."""

    def read(conn: Connection) -> str | None:
        return MigrationContext.configure(conn).get_current_revision()

    if isinstance(bind, AsyncEngine):
        async with bind.connect() as conn:
            return await conn.run_sync(read)
    return await bind.run_sync(read)


def head_revision() -> str | None:
    """The newest revision in ``migrations/versions``."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def _run(bind: AsyncEngine | AsyncConnection, fn: Callable[[Connection], None]) -> None:
    if isinstance(bind, AsyncEngine):
        async with bind.connect() as conn:
            await conn.run_sync(fn)
            await conn.commit()
    else:
        await bind.run_sync(fn)
