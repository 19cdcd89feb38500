"""Response headers: no response with personal data may be cached, none may be content-sniffed, none sends a referrer.

The access matrix (tests/reliability/test_access_matrix.py) checks the same on every route for every caller; these
tests cover the responses it does not make: failed preconditions, streams, replays, errors before routing, https.
"""

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from register.settings import Settings
from tests.conftest import TokenFactory, director_body

CreateDirector = Any


def assert_security_headers(response: httpx.Response, *, personal: bool) -> None:
    assert response.headers.get("x-content-type-options") == "nosniff", response.headers
    assert response.headers.get("referrer-policy") == "no-referrer", response.headers
    if personal:
        assert response.headers.get_list("cache-control") == ["no-store"], response.headers
    else:
        assert "cache-control" not in response.headers
    assert "strict-transport-security" not in response.headers  # plain http here


async def test_personal_data_reads_are_never_cached(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    director = await create_director("RJ1")
    hr = auth("trust_hr", org="RJ1")
    own = auth("director", sub="director-self", director_id=director["id"])
    for path, headers in (
        (f"/v1/directors/{director['id']}", hr),  # the hot read path (prebuilt bytes over the raw pool)
        (f"/v1/directors/{director['id']}/fhir", hr),
        (f"/v1/directors/{director['id']}/employment", hr),
        ("/v1/directors", hr),
        ("/v1/me/record", own),
    ):
        response = await client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.text)
        assert_security_headers(response, personal=True)


async def test_conditional_and_refused_answers_carry_the_headers(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    director = await create_director("RJ1")
    url = f"/v1/directors/{director['id']}"
    hr = auth("trust_hr", org="RJ1")
    answers = [
        (412, await client.patch(url, json={"given_name": "Ann"}, headers={**hr, "If-Match": '"9"'})),
        (404, await client.get(url, headers=auth("trust_hr", org="RRV"))),
        (401, await client.get(url)),
        (403, await client.get(url, headers=auth("admin"))),
        (404, await client.get("/v1/no-such-route", headers=hr)),
        (415, await client.post("/v1/directors", content=b"x", headers={**hr, "Content-Type": "text/plain"})),
    ]
    for status, response in answers:
        assert response.status_code == status, response.text
        assert_security_headers(response, personal=True)


async def test_a_streamed_export_and_a_replayed_post_carry_the_headers(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    await create_director("RJ1")
    export = await client.get("/v1/exports/directors.csv", headers=auth("regulator"))
    assert export.status_code == 200, export.text
    assert_security_headers(export, personal=True)

    headers = {**auth("trust_hr", org="RJ1"), "Idempotency-Key": "headers-1"}
    body = director_body()
    first = await client.post("/v1/directors", json=body, headers=headers)
    again = await client.post("/v1/directors", json=body, headers=headers)
    assert (first.status_code, again.headers.get("idempotent-replayed")) == (201, "true")
    assert_security_headers(again, personal=True)


@pytest.mark.parametrize("path", ["/health/live", "/problems/not-found"])
async def test_public_responses_are_not_marked_personal(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    assert_security_headers(response, personal=False)


async def test_hsts_is_sent_over_https_only(
    settings: Settings, engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    app = create_app(settings, engine=engine, session_factory=session_factory)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="https://register.test") as secure:
        for path in ("/health/live", "/v1/me"):
            response = await secure.get(path)
            assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
            assert response.headers["x-content-type-options"] == "nosniff"
