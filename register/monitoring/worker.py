"""The webhook worker: fan events out to subscriptions, deliver what is due, sleep briefly, repeat.

It runs inside ``register serve`` (REGISTER_RUN_WORKER, the default) or alone as ``register worker``. Any
number may run against one database: the fan-out cursor is locked per round and deliveries are claimed with
``SKIP LOCKED``, so PostgreSQL is the only queue.
"""

import asyncio
import contextlib
import logging

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from register.audit.sealer import seal_round
from register.db import create_engine, create_session_factory, resolve_database_url, transaction
from register.idempotency.service import purge_expired
from register.monitoring.addresses import GuardedTransport
from register.monitoring.delivery import USER_AGENT, deliver_due, fan_out
from register.retention.service import daily_retention
from register.settings import Settings

log = logging.getLogger(__name__)


async def run_round(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession], http_client: httpx.AsyncClient
) -> int:
    """One round: fan out a batch of events, then try the due deliveries; returns the work done."""
    async with transaction(session_factory) as session:
        fanned = await fan_out(session, settings.worker_batch)
        await purge_expired(session)  # idempotency keys past their 24 hours (issue 9)
    fanned += await daily_retention(settings, session_factory)  # at most once a day; never raises (issue 7)
    fanned += await seal_round(session_factory, batch=settings.audit_seal_batch)  # audit hash chain; never raises
    tried = await deliver_due(
        session_factory,
        http_client,
        settings.worker_batch,
        max_attempts=settings.webhook_max_attempts,
        request_timeout=settings.webhook_timeout_seconds,
    )
    return fanned + tried


def webhook_client(settings: Settings) -> httpx.AsyncClient:
    """The worker's HTTP client: public receivers only, connected at the address checked (addresses.py), no
    redirects followed, and no proxy from the environment (a proxy transport would bypass the check)."""
    return httpx.AsyncClient(
        transport=GuardedTransport(settings.webhook_private_hosts),
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT},
    )


async def run_worker(
    settings: Settings,
    stop_event: asyncio.Event,
    *,
    session_factory: async_sessionmaker[AsyncSession] | None = None,
    http_client: httpx.AsyncClient | None = None,
) -> None:
    """Loop until ``stop_event`` is set; a failing round is logged and retried, never fatal.

    Stopping lets the current round finish: its deliveries are recorded, and anything not yet fanned out or
    delivered waits in the database for the next start.
    """
    engine: AsyncEngine | None = None
    if session_factory is None:
        engine = create_engine(await resolve_database_url(settings), pool_size=2)
        session_factory = create_session_factory(engine)
    async with contextlib.AsyncExitStack() as stack:
        if http_client is None:
            http_client = await stack.enter_async_context(webhook_client(settings))
        log.info("webhook worker started")
        try:
            while not stop_event.is_set():
                try:
                    done = await run_round(settings, session_factory, http_client)
                except Exception:
                    log.exception("webhook worker round failed; retrying")
                    done = 0
                if done == 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop_event.wait(), timeout=settings.worker_poll_seconds)
        finally:
            if engine is not None:
                await engine.dispose()
            log.info("webhook worker stopped")
