"""Committed data for the worker: it commits for real, so these tests use the app on its own pool
(``committed_client``, tables emptied afterwards) and sessions on the test engine."""

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

from register.db import create_session_factory, transaction
from register.events.models import OutboundEvent
from register.events.service import EventType, emit
from register.identifiers import OrganisationKind, Region
from register.organisations.models import Organisation
from register.settings import Settings
from tests.conftest import TokenFactory, director_body

SECRET = "a-receivers-secret-of-at-least-32-characters"


@pytest.fixture(scope="session")
def settings(settings: Settings) -> Settings:
    """The receivers here listen on this machine: name it as a private webhook host (never in production)."""
    return settings.model_copy(update={"webhook_private_hosts": ["127.0.0.1"]})


@pytest.fixture
def factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that commit for real, as the worker's do."""
    return create_session_factory(engine)


@pytest.fixture
async def trusts(
    committed_client: httpx.AsyncClient,
    committed_director: dict[str, Any],
    factory: async_sessionmaker[AsyncSession],
    auth: TokenFactory,
) -> dict[str, str]:
    """Two trusts with a director each, committed: {"RJ1": director_id, "RRV": director_id}."""
    async with transaction(factory) as session:
        session.add(
            Organisation(
                ods_code="RRV",
                name="University College London Hospitals NHS Foundation Trust",
                kind=OrganisationKind.FOUNDATION_TRUST,
                region=Region.LONDON,
                version=1,
            )
        )
    response = await committed_client.post("/v1/directors", json=director_body(), headers=auth("trust_hr", org="RRV"))
    assert response.status_code == 201, response.text
    return {"RJ1": committed_director["id"], "RRV": response.json()["id"]}


Subscribe = Callable[..., Any]


@pytest.fixture
def subscribe(committed_client: httpx.AsyncClient, auth: TokenFactory) -> Subscribe:
    """Create a subscription through the API for ``org``; returns the response JSON (with the secret)."""

    async def make(org: str = "RJ1", url: str | None = None, secret: str = SECRET) -> dict[str, Any]:
        response = await committed_client.post(
            "/v1/subscriptions",
            json={"url": url or f"http://127.0.0.1/hooks/{org.lower()}", "secret": secret},
            headers=auth("trust_hr", org=org),
        )
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()
        return data

    return make


async def emit_committed(
    factory: async_sessionmaker[AsyncSession],
    director_id: str,
    n: int = 1,
    event: EventType = EventType.FINDING_RECORDED,
) -> list[int]:
    """Commit ``n`` events about a director, each in its own transaction; returns their ids."""
    ids: list[int] = []
    for _ in range(n):
        async with transaction(factory) as session:
            await emit(
                session,
                event,
                director_id=uuid.UUID(director_id),
                record_type="finding",
                record_id=str(uuid.uuid4()),
                payload={"kind": "disciplinary"},
            )
            newest = (await session.execute(sa.select(sa.func.max(col(OutboundEvent.id))))).scalar_one()
            assert newest is not None
            ids.append(newest)
    return ids
