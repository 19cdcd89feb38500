"""Sealing in the background: one bounded round at a time, for the worker (``register serve`` / ``register worker``)."""

import logging

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from register.audit.chain import SEAL_LOCK_KEY, seal_pending
from register.db import transaction

log = logging.getLogger(__name__)


async def seal_round(session_factory: async_sessionmaker[AsyncSession], *, batch: int = 5000) -> int:
    """Seal up to ``batch`` finished events in a short transaction of its own; returns how many.

    Skips the round when another sealer holds the lock (another worker, or a verification walking the chain), and
    never raises: a failed round is logged and the events wait for the next one.
    """
    try:
        async with transaction(session_factory) as session:
            if not await session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(SEAL_LOCK_KEY))):
                return 0
            result = await seal_pending(session, batch=batch, max_batches=1)
            return result.sealed
    except Exception:
        log.exception("sealing the audit trail failed; retrying next round")
        return 0
