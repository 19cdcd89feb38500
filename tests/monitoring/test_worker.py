"""The webhook worker: the right trusts are told, deliveries are signed, failures are retried after a backoff,
and nothing is lost when the worker stops, dies or runs twice."""

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import time_machine
from click.testing import CliRunner
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

from api.app import create_app
from api.cli import main
from api.monitoring_lifespan import monitoring_worker
from register.db import transaction
from register.monitoring.delivery import deliver_due, fan_out
from register.monitoring.models import DeliveryStatus, WebhookDelivery, WorkerCursor
from register.monitoring.worker import run_worker
from register.settings import Settings
from tests.conftest import TEST_DB
from tests.monitoring.conftest import SECRET, Subscribe, emit_committed
from tests.monitoring.receiver import Receiver, client_for, verify_signature

Factory = async_sessionmaker[AsyncSession]


async def deliveries(factory: Factory, subscription_id: str | None = None) -> list[WebhookDelivery]:
    async with factory() as session:
        query = sa.select(WebhookDelivery).order_by(col(WebhookDelivery.event_id))
        if subscription_id:
            query = query.where(col(WebhookDelivery.subscription_id) == uuid.UUID(subscription_id))
        return list((await session.execute(query)).scalars())


async def fan_out_now(factory: Factory) -> int:
    async with transaction(factory) as session:
        return await fan_out(session)


async def until(predicate: Callable[[], bool], seconds: float = 5.0) -> None:
    """Wait (in short steps) for something the worker does in the background."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not predicate():
        assert loop.time() < deadline, "the worker did not get there in time"
        await asyncio.sleep(0.02)


class Router:
    """Several receivers behind one client, by path."""

    def __init__(self, routes: dict[str, Receiver]) -> None:
        self.routes = routes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await self.routes[scope["path"]](scope, receive, send)


class Killed(BaseException):
    """The worker's process dying in the middle of a POST."""


async def dies_mid_post(scope: dict[str, Any], receive: Any, send: Any) -> None:
    raise Killed


async def test_receiver_verifies_the_signature_and_gets_the_event(
    trusts: dict[str, str], subscribe: Subscribe, factory: Factory
) -> None:
    subscription = await subscribe("RJ1")
    [event_id] = await emit_committed(factory, trusts["RJ1"])
    receiver = Receiver(SECRET)

    assert await fan_out_now(factory) >= 1
    async with client_for(receiver) as http:
        assert await deliver_due(factory, http) == 1

    [call] = receiver.calls
    assert call.verified, "the receiver could not verify the signature with its secret"
    assert call.path == "/hooks/rj1"
    assert call.headers["x-register-event-id"] == str(event_id)
    assert call.headers["x-register-signature"].startswith(f"t={call.headers['x-register-timestamp']},v1=")
    [event] = receiver.accepted
    assert event == {
        "id": event_id,
        "type": "finding.recorded",
        "occurred_at": event["occurred_at"],
        "director_id": trusts["RJ1"],
        "record_type": "finding",
        "record_id": event["record_id"],
        "payload": {"kind": "disciplinary"},
    }
    # The signature binds the body and the secret: a changed body, or another secret, does not verify.
    signed = call.headers["x-register-signature"]
    assert not verify_signature(SECRET, signed, call.body.replace(b"disciplinary", b"nothing-at-all"))
    assert not verify_signature("x" * 40, signed, call.body)
    [delivery] = await deliveries(factory, subscription["id"])
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.DELIVERED, 1, 200)
    assert delivery.delivered_at is not None
    assert [a["status_code"] for a in delivery.attempt_log] == [200]


async def test_receiver_refuses_a_delivery_signed_with_another_secret(
    trusts: dict[str, str], subscribe: Subscribe, factory: Factory
) -> None:
    subscription = await subscribe("RJ1")
    await emit_committed(factory, trusts["RJ1"])
    receiver = Receiver("the-receiver-holds-a-different-secret-entirely")
    await fan_out_now(factory)
    async with client_for(receiver) as http:
        await deliver_due(factory, http)
    assert [c.verified for c in receiver.calls] == [False]
    [delivery] = await deliveries(factory, subscription["id"])
    assert (delivery.status, delivery.last_status_code, delivery.last_error) == (DeliveryStatus.FAILED, 401, "HTTP 401")


async def test_failing_receiver_gets_the_event_again_after_the_backoff(
    trusts: dict[str, str], subscribe: Subscribe, factory: Factory
) -> None:
    subscription = await subscribe("RJ1")
    [event_id] = await emit_committed(factory, trusts["RJ1"])
    receiver = Receiver(SECRET, statuses=[500])
    await fan_out_now(factory)

    async with client_for(receiver) as http:
        assert await deliver_due(factory, http) == 1
        [failed] = await deliveries(factory, subscription["id"])
        assert (failed.status, failed.attempts, failed.last_status_code) == (DeliveryStatus.FAILED, 1, 500)
        assert failed.last_attempt_at is not None
        wait = failed.next_attempt_at - failed.last_attempt_at
        assert dt.timedelta(seconds=7.5) <= wait <= dt.timedelta(seconds=10), wait

        assert await deliver_due(factory, http) == 0, "retried before its backoff was over"
        with time_machine.travel(failed.next_attempt_at + dt.timedelta(seconds=1)):
            assert await deliver_due(factory, http) == 1

    assert [e["id"] for e in receiver.accepted] == [event_id]
    assert [c.status for c in receiver.calls] == [500, 200]
    [delivered] = await deliveries(factory, subscription["id"])
    assert (delivered.status, delivered.attempts) == (DeliveryStatus.DELIVERED, 2)
    assert [(a["status_code"], a["error"]) for a in delivered.attempt_log] == [(500, "HTTP 500"), (200, None)]


async def test_delivery_is_given_up_after_the_last_attempt(
    trusts: dict[str, str], subscribe: Subscribe, factory: Factory
) -> None:
    subscription = await subscribe("RJ1")
    await emit_committed(factory, trusts["RJ1"])
    receiver = Receiver(SECRET, statuses=[503, 503, 503])
    await fan_out_now(factory)
    async with client_for(receiver) as http:
        await deliver_due(factory, http, max_attempts=2)
        with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=11)):
            assert await deliver_due(factory, http, max_attempts=2) == 1
        with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)):
            assert await deliver_due(factory, http, max_attempts=2) == 0
    [dead] = await deliveries(factory, subscription["id"])
    assert (dead.status, dead.attempts, len(dead.attempt_log)) == (DeliveryStatus.DEAD, 2, 2)
    assert len(receiver.calls) == 2


async def test_unreachable_receiver_is_recorded_without_stopping_the_worker(
    trusts: dict[str, str], subscribe: Subscribe, factory: Factory
) -> None:
    subscription = await subscribe("RJ1", url="http://127.0.0.1:9/nobody-listens")
    await emit_committed(factory, trusts["RJ1"])
    await fan_out_now(factory)
    async with httpx.AsyncClient() as real:
        assert await deliver_due(factory, real, request_timeout=1) == 1
    [failed] = await deliveries(factory, subscription["id"])
    assert failed.status is DeliveryStatus.FAILED
    assert failed.last_status_code is None
    assert failed.last_error is not None and failed.last_error.startswith("could not deliver")


async def test_trust_is_notified_only_of_its_own_directors_since_it_subscribed(
    trusts: dict[str, str], subscribe: Subscribe, factory: Factory
) -> None:
    before = await emit_committed(factory, trusts["RJ1"])
    rj1, rrv = await subscribe("RJ1"), await subscribe("RRV")
    own = await emit_committed(factory, trusts["RJ1"], 2)
    other = await emit_committed(factory, trusts["RRV"], 1)
    receivers = {"/hooks/rj1": Receiver(SECRET), "/hooks/rrv": Receiver(SECRET)}

    await fan_out_now(factory)
    async with client_for(Router(receivers)) as http:
        assert await deliver_due(factory, http) == 3

    assert sorted(e["id"] for e in receivers["/hooks/rj1"].accepted) == own
    assert [e["id"] for e in receivers["/hooks/rrv"].accepted] == other
    assert not set(before) & {d.event_id for d in await deliveries(factory, rj1["id"])}
    assert {d.event_id for d in await deliveries(factory, rrv["id"])} == set(other)


async def test_deactivated_subscription_is_sent_nothing_more(
    trusts: dict[str, str], subscribe: Subscribe, factory: Factory, committed_client: Any, auth: Any
) -> None:
    subscription = await subscribe("RJ1")
    await emit_committed(factory, trusts["RJ1"])
    await fan_out_now(factory)  # owed, not yet delivered
    response = await committed_client.post(
        f"/v1/subscriptions/{subscription['id']}/deactivate",
        headers={**auth("trust_hr", org="RJ1"), "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    await emit_committed(factory, trusts["RJ1"])
    await fan_out_now(factory)
    receiver = Receiver(SECRET)
    async with client_for(receiver) as http:
        assert await deliver_due(factory, http) == 0
    assert receiver.calls == []
    assert [(d.status, d.last_error) for d in await deliveries(factory, subscription["id"])] == [
        (DeliveryStatus.DEAD, "subscription deactivated")
    ]


async def test_no_event_is_lost_when_the_worker_stops_and_starts(
    trusts: dict[str, str], subscribe: Subscribe, factory: Factory, settings: Settings
) -> None:
    subscription = await subscribe("RJ1")
    receiver = Receiver(SECRET)
    quick = settings.model_copy(update={"worker_poll_seconds": 0.02})

    async def start() -> tuple[asyncio.Event, asyncio.Task[None]]:
        stop = asyncio.Event()
        return stop, asyncio.create_task(run_worker(quick, stop, session_factory=factory, http_client=http))

    async with client_for(receiver) as http:
        first = await emit_committed(factory, trusts["RJ1"], 3)
        stop, task = await start()
        await until(lambda: len(receiver.accepted) == 3)
        stop.set()
        await asyncio.wait_for(task, 5)

        # While no worker runs: events fanned out but not delivered (stopped between the two steps) ...
        fanned = await emit_committed(factory, trusts["RJ1"], 2)
        assert await fan_out_now(factory) == 2
        # ... and events nobody has read yet.
        unread = await emit_committed(factory, trusts["RJ1"], 2)
        assert len(receiver.calls) == 3

        stop, task = await start()
        await until(lambda: len(receiver.accepted) == 7)
        stop.set()
        await asyncio.wait_for(task, 5)

    assert sorted(e["id"] for e in receiver.accepted) == first + fanned + unread
    assert len(receiver.calls) == 7, "an event was delivered twice"
    assert {d.status for d in await deliveries(factory, subscription["id"])} == {DeliveryStatus.DELIVERED}


async def test_a_fan_out_that_dies_before_committing_is_done_again(
    trusts: dict[str, str], subscribe: Subscribe, factory: Factory
) -> None:
    subscription = await subscribe("RJ1")
    ids = await emit_committed(factory, trusts["RJ1"], 2)
    with pytest.raises(Killed):
        async with transaction(factory) as session:
            await fan_out(session)
            raise Killed
    assert await deliveries(factory) == []
    async with factory() as session:
        assert await session.get(WorkerCursor, "webhook_fan_out") is None

    assert await fan_out_now(factory) >= 2
    assert [d.event_id for d in await deliveries(factory, subscription["id"])] == ids


async def test_a_worker_that_dies_mid_post_leaves_the_delivery_to_be_retried(
    trusts: dict[str, str], subscribe: Subscribe, factory: Factory
) -> None:
    subscription = await subscribe("RJ1")
    [event_id] = await emit_committed(factory, trusts["RJ1"])
    await fan_out_now(factory)
    async with client_for(dies_mid_post) as http:
        with pytest.raises(Killed):
            await deliver_due(factory, http)
    [claimed] = await deliveries(factory, subscription["id"])
    assert (claimed.status, claimed.attempts) == (DeliveryStatus.PENDING, 0)

    receiver = Receiver(SECRET)
    async with client_for(receiver) as http:
        assert await deliver_due(factory, http) == 0, "another worker took a delivery that is still claimed"
        with time_machine.travel(claimed.next_attempt_at + dt.timedelta(seconds=1)):
            assert await deliver_due(factory, http) == 1
    assert [e["id"] for e in receiver.accepted] == [event_id]


async def test_two_workers_never_send_the_same_delivery(
    trusts: dict[str, str], subscribe: Subscribe, factory: Factory
) -> None:
    await subscribe("RJ1")
    ids = await emit_committed(factory, trusts["RJ1"], 6)
    await fan_out_now(factory)
    receiver = Receiver(SECRET)
    async with client_for(receiver) as http:
        tried = await asyncio.gather(deliver_due(factory, http, 6), deliver_due(factory, http, 6))
    assert sum(tried) == 6
    assert sorted(e["id"] for e in receiver.accepted) == ids
    assert len(receiver.calls) == 6


async def test_serve_runs_the_worker_in_the_app_lifespan(
    committed_client: Any, engine: AsyncEngine, admin_url: URL, settings: Settings, factory: Factory
) -> None:
    url = admin_url.set(database=TEST_DB).render_as_string(hide_password=False)
    app = create_app(
        settings.model_copy(update={"run_worker": True, "database_url": url, "worker_poll_seconds": 0.02}),
        engine=engine,
    )
    async with monitoring_worker(app):
        [task] = [t for t in asyncio.all_tasks() if t.get_name() == "register-webhook-worker"]

        async def cursor() -> WorkerCursor | None:
            async with factory() as session:
                return await session.get(WorkerCursor, "webhook_fan_out")

        for _ in range(250):
            if await cursor() is not None:
                break
            await asyncio.sleep(0.02)
        assert await cursor() is not None, "the worker ran no round"
    assert task.done() and task.exception() is None


async def test_the_worker_can_be_started_on_its_own() -> None:
    result = CliRunner().invoke(main, ["worker", "--help"])
    assert result.exit_code == 0
    assert "webhook worker" in result.output
