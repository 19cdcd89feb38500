"""The outbox: an event commits with the change it reports, and disappears with it when the change rolls back."""

import asyncio
import uuid
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

from register.access.principal import Actor, Principal, Role
from register.db import transaction
from register.directors.models import Director
from register.directors.service import update_director
from register.events.models import OutboundEvent
from register.events.service import EventType, emit
from register.monitoring.delivery import fan_out
from tests.conftest import TokenFactory
from tests.monitoring.conftest import Subscribe, emit_committed

HR = Actor(Principal(sub="hr-rj1", role=Role.TRUST_HR, org="RJ1"))


class Crash(Exception):
    """The process failing after the change was written but before it committed."""


async def _change_and_announce(session: AsyncSession, director_id: uuid.UUID, name: str, version: int) -> None:
    await update_director(session, HR, director_id, expected_version=version, changes={"given_name": name})
    await emit(
        session,
        EventType.FINDING_CHANGED,
        director_id=director_id,
        record_type="director",
        record_id=str(director_id),
        payload={"field": "given_name"},
    )


async def _state(engine: AsyncEngine, director_id: uuid.UUID) -> tuple[str, int]:
    """The director's name and how many events name them, read on a fresh connection (committed data only)."""
    async with engine.connect() as conn:
        name = (await conn.execute(sa.select(col(Director.given_name)).where(col(Director.id) == director_id))).scalar()
        events = (
            await conn.execute(
                sa.select(sa.func.count())
                .select_from(OutboundEvent)
                .where(
                    col(OutboundEvent.director_id) == director_id,
                    col(OutboundEvent.type) == EventType.FINDING_CHANGED.value,
                )
            )
        ).scalar_one()
    assert name is not None
    return name, events


async def test_event_is_committed_with_its_change(
    committed_director: dict[str, Any], engine: AsyncEngine, factory: async_sessionmaker[AsyncSession]
) -> None:
    director_id = uuid.UUID(committed_director["id"])

    async with transaction(factory) as session:
        await _change_and_announce(session, director_id, "Adaeze", version=1)
        # Not yet committed: another connection sees neither the change nor its event.
        assert await _state(engine, director_id) == ("Amara", 0)

    assert await _state(engine, director_id) == ("Adaeze", 1)


async def test_event_is_absent_when_its_change_rolls_back(
    committed_director: dict[str, Any], engine: AsyncEngine, factory: async_sessionmaker[AsyncSession]
) -> None:
    director_id = uuid.UUID(committed_director["id"])

    with pytest.raises(Crash):
        async with transaction(factory) as session:
            await _change_and_announce(session, director_id, "Adaeze", version=1)
            raise Crash

    assert await _state(engine, director_id) == ("Amara", 0)


async def test_readers_wait_for_an_earlier_event_still_being_written(
    trusts: dict[str, str],
    subscribe: Subscribe,
    factory: async_sessionmaker[AsyncSession],
    committed_client: httpx.AsyncClient,
    auth: TokenFactory,
) -> None:
    # Ids are handed out in insert order but commit in any order: a reader that took the later event and moved
    # its cursor past it would never see the earlier one. The feed and the fan-out wait for it instead.
    await subscribe("RJ1")
    async with factory() as slow:
        await emit(
            slow,
            EventType.FINDING_RECORDED,
            director_id=uuid.UUID(trusts["RJ1"]),
            record_type="finding",
            record_id="slow",
        )
        [later] = await emit_committed(factory, trusts["RJ1"])

        async def fan_out_now() -> int:
            async with transaction(factory) as session:
                return await fan_out(session)

        fanning = asyncio.create_task(fan_out_now())
        reading = asyncio.create_task(committed_client.get("/v1/events", headers=auth("regulator")))
        await asyncio.sleep(0.2)
        assert not fanning.done() and not reading.done(), "a reader went past an event still being written"
        await slow.commit()

    assert await fanning >= 2
    feed = (await reading).json()
    ours = [e for e in feed["items"] if e["director_id"] == trusts["RJ1"] and e["type"] == "finding.recorded"]
    assert len(ours) == 2
    assert (ours[0]["record_id"], ours[1]["id"]) == ("slow", later)
