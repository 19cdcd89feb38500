"""Running the webhook worker inside the API process (``REGISTER_RUN_WORKER``, on by default)."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from litestar import Litestar

from register.monitoring.worker import run_worker
from register.settings import Settings

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def monitoring_worker(app: Litestar) -> AsyncIterator[None]:
    """Start the worker as a background task at start-up; at shutdown let its round finish, then stop it."""
    settings: Settings = app.state.settings
    if not settings.run_worker:
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(settings, stop), name="register-webhook-worker")
    try:
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, timeout=settings.webhook_timeout_seconds + 5)
        except TimeoutError:
            log.warning("webhook worker did not stop in time; cancelled (unfinished deliveries are retried)")
        except Exception:
            log.exception("webhook worker ended with an error")
