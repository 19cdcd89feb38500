"""Resource limits: body size, page size, search term length and the per-caller rate limit."""

from collections.abc import AsyncIterator

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from api.ratelimit import TokenBucketLimiter
from register.audit.models import AuditEvent
from register.directors.models import Director
from register.settings import Settings
from tests.conftest import Orgs, TokenFactory, director_body


async def count(db: AsyncSession, model: type) -> int:
    return (await db.execute(sa.select(sa.func.count()).select_from(model))).scalar_one()


def is_problem(response: httpx.Response, status: int, slug: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith(f"/problems/{slug}")


@pytest.mark.parametrize("idempotency_key", [None, "big-body"], ids=["plain", "with-idempotency-key"])
async def test_a_body_over_the_limit_is_413_and_changes_nothing(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    orgs: Orgs,
    db: AsyncSession,
    settings: Settings,
    idempotency_key: str | None,
) -> None:
    directors, audit = await count(db, Director), await count(db, AuditEvent)
    body = director_body(given_name="A" * (settings.request_max_body_bytes + 1))
    headers = auth("trust_hr", org="RJ1")
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key

    response = await client.post("/v1/directors", json=body, headers=headers)

    is_problem(response, 413, "payload-too-large")
    assert await count(db, Director) == directors
    assert await count(db, AuditEvent) == audit


async def test_a_streamed_body_over_the_limit_is_413(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession, settings: Settings
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(settings.request_max_body_bytes // 65536 + 2):
            yield b" " * 65536

    headers = {**auth("trust_hr", org="RJ1"), "Content-Type": "application/json", "Idempotency-Key": "streamed"}
    response = await client.post("/v1/directors", content=chunks(), headers=headers)
    is_problem(response, 413, "payload-too-large")
    assert await count(db, Director) == 0


@pytest.mark.parametrize("idempotency_key", [None, "big-body"], ids=["plain", "with-idempotency-key"])
@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "streamed"])
async def test_the_413_states_the_limit(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    orgs: Orgs,
    settings: Settings,
    idempotency_key: str | None,
    streamed: bool,
) -> None:
    limit = settings.request_max_body_bytes
    body = b'{"given_name": "' + b"A" * limit + b'"}'

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    headers = {**auth("trust_hr", org="RJ1"), "Content-Type": "application/json"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    response = await client.post("/v1/directors", content=chunks() if streamed else body, headers=headers)

    is_problem(response, 413, "payload-too-large")
    assert response.json()["max_body_bytes"] == limit
    assert f"at most {limit:,} bytes" in response.json()["detail"]


@pytest.mark.parametrize("limit", ["0", "201", "1000"])
async def test_a_page_size_over_the_cap_is_400(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, limit: str
) -> None:
    response = await client.get("/v1/organisations", params={"limit": limit}, headers=auth("regulator"))
    is_problem(response, 400, "validation-error")
    assert any(e["field"] == "limit" for e in response.json()["errors"])


async def test_the_largest_page_is_allowed(client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs) -> None:
    response = await client.get("/v1/organisations", params={"limit": "200"}, headers=auth("regulator"))
    assert response.status_code == 200


@pytest.mark.parametrize("q", ["a", "x" * 101], ids=["one-character", "101-characters"])
async def test_a_search_term_out_of_bounds_is_400(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, q: str
) -> None:
    response = await client.get("/v1/directors", params={"q": q}, headers=auth("regulator"))
    is_problem(response, 400, "validation-error")
    assert any(e["field"] == "q" for e in response.json()["errors"])


@pytest.fixture
async def limited_client(
    settings: Settings, engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with a tiny budget: 3 requests at once, then one a second."""
    tight = settings.model_copy(update={"rate_limit_per_minute": 60, "rate_limit_burst": 3})
    app = create_app(tight, engine=engine, session_factory=session_factory)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://register.test") as c:
        yield c


async def test_a_caller_over_budget_gets_429_with_retry_after(
    limited_client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs
) -> None:
    headers = auth("regulator", sub="busy-regulator")
    statuses = [(await limited_client.get("/v1/organisations", headers=headers)).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]

    refused = await limited_client.get("/v1/organisations", headers=headers)

    is_problem(refused, 429, "too-many-requests")
    assert refused.headers["retry-after"] == "1"
    # Another caller has a budget of their own; health probes are never counted.
    assert (await limited_client.get("/v1/organisations", headers=auth("regulator", sub="calm"))).status_code == 200
    assert (await limited_client.get("/health/live")).status_code == 200


async def test_a_refused_post_changes_nothing(
    limited_client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession
) -> None:
    headers = auth("trust_hr", org="RJ1")
    for _ in range(3):
        await limited_client.get("/v1/organisations", headers=headers)
    refused = await limited_client.post("/v1/directors", json=director_body(), headers=headers)
    is_problem(refused, 429, "too-many-requests")
    assert await count(db, Director) == 0


def test_the_bucket_refills_at_the_configured_rate() -> None:
    now = [100.0]
    limiter = TokenBucketLimiter(per_minute=120, burst=2, clock=lambda: now[0])
    assert [limiter.acquire("a"), limiter.acquire("a")] == [0.0, 0.0]
    assert limiter.acquire("a") == pytest.approx(0.5)
    now[0] += 0.5
    assert limiter.acquire("a") == 0.0
    assert limiter.acquire("a") > 0
    now[0] += 60
    assert [limiter.acquire("a"), limiter.acquire("a")] == [0.0, 0.0]  # never more than the burst
    assert limiter.acquire("a") > 0


def test_a_zero_rate_turns_the_limit_off() -> None:
    assert not TokenBucketLimiter(per_minute=0, burst=1).enabled
