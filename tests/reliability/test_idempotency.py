"""Idempotency-Key on POST: retries replay the first response and change nothing; misuse is refused."""

import asyncio
import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import time_machine
import yaml
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.openapi_document import render_openapi
from register.audit.models import AuditEvent
from register.directors.models import Director
from register.idempotency.models import IdempotencyRecord
from register.idempotency.service import purge_expired
from register.identifiers import OrganisationKind, Region
from register.organisations.models import Organisation
from tests.conftest import Orgs, TokenFactory, director_body

NEW_TRUST = {
    "ods_code": "RX1",
    "name": "Nottingham University Hospitals NHS Trust",
    "kind": "nhs_trust",
    "region": "midlands",
}
REPLAYED = ("content-type", "etag", "location")


async def count(db: AsyncSession, model: type) -> int:
    return (await db.execute(sa.select(sa.func.count()).select_from(model))).scalar_one()


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


def same_response(first: httpx.Response, again: httpx.Response) -> None:
    assert again.status_code == first.status_code
    assert again.content == first.content
    for name in REPLAYED:
        assert again.headers.get(name) == first.headers.get(name), name


async def test_admin_retrying_an_organisation_gets_the_first_response_and_nothing_new(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession
) -> None:
    headers = keyed(auth("admin"), "create-rx1-0001")
    first = await client.post("/v1/organisations", json=NEW_TRUST, headers=headers)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    organisations, audit = await count(db, Organisation), await count(db, AuditEvent)

    again = await client.post("/v1/organisations", json=NEW_TRUST, headers=headers)

    same_response(first, again)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    assert await count(db, Organisation) == organisations
    assert await count(db, AuditEvent) == audit
    assert await count(db, IdempotencyRecord) == 1


async def test_trust_hr_retrying_a_new_director_gets_the_same_director_once(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession
) -> None:
    headers = keyed(auth("trust_hr", org="RJ1"), str(uuid.uuid4()))
    body = director_body()
    first = await client.post("/v1/directors", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert first.headers["location"].endswith(first.json()["id"])
    directors, audit = await count(db, Director), await count(db, AuditEvent)

    # The same body serialised differently (key order, spacing) is the same request.
    again = await client.post(
        "/v1/directors",
        content=httpx.Request("POST", "/", json=dict(reversed(list(body.items())))).content,
        headers={**headers, "Content-Type": "application/json"},
    )

    same_response(first, again)
    assert await count(db, Director) == directors
    assert await count(db, AuditEvent) == audit


async def test_a_key_is_scoped_to_its_caller(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession
) -> None:
    first = await client.post(
        "/v1/directors", json=director_body(), headers=keyed(auth("trust_hr", org="RJ1", sub="hr-a"), "k-1")
    )
    other = await client.post(
        "/v1/directors", json=director_body(), headers=keyed(auth("trust_hr", org="RJ1", sub="hr-b"), "k-1")
    )
    assert (first.status_code, other.status_code) == (201, 201)
    assert first.json()["id"] != other.json()["id"]


async def test_same_key_with_another_body_is_422_and_changes_nothing(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession
) -> None:
    headers = keyed(auth("admin"), "create-rx1-0002")
    assert (await client.post("/v1/organisations", json=NEW_TRUST, headers=headers)).status_code == 201
    organisations, audit = await count(db, Organisation), await count(db, AuditEvent)

    response = await client.post(
        "/v1/organisations", json={**NEW_TRUST, "ods_code": "RX2", "name": "Another Trust"}, headers=headers
    )

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("/problems/idempotency-key-reused")
    assert "first_used_at" in problem
    assert await count(db, Organisation) == organisations
    assert await count(db, AuditEvent) == audit
    assert (await db.get(Organisation, "RX2")) is None


async def test_same_key_on_another_path_is_422(client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs) -> None:
    headers = keyed(auth("trust_hr", org="RJ1"), "shared-key")
    assert (await client.post("/v1/directors", json=director_body(), headers=headers)).status_code == 201
    response = await client.post("/v1/candidate-checks", json={}, headers=headers)
    assert response.status_code == 422
    assert response.json()["type"].endswith("/problems/idempotency-key-reused")


async def test_a_failed_request_is_not_stored_and_may_be_retried_with_its_key(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession
) -> None:
    headers = keyed(auth("admin"), "retry-after-fix")
    duplicate = {**NEW_TRUST, "ods_code": "RJ1"}
    refused = await client.post("/v1/organisations", json=duplicate, headers=headers)
    assert refused.status_code == 409
    assert await count(db, IdempotencyRecord) == 0

    again = await client.post("/v1/organisations", json=duplicate, headers=headers)
    assert again.status_code == 409
    assert "idempotent-replayed" not in again.headers


async def test_an_expired_key_is_treated_as_new(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession
) -> None:
    key = "day-old-key"
    body = director_body()
    first = await client.post("/v1/directors", json=body, headers=keyed(auth("trust_hr", org="RJ1"), key))
    assert first.status_code == 201, first.text
    directors = await count(db, Director)

    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=24, minutes=1), tick=True):
        headers = keyed(auth("trust_hr", org="RJ1"), key)  # a token of that day
        # The first use is over 24 hours old: the key starts afresh, even with another body.
        second = await client.post("/v1/directors", json={**body, "family_name": "Other"}, headers=headers)
        assert second.status_code == 201, second.text
        assert "idempotent-replayed" not in second.headers
        replay = await client.post("/v1/directors", json={**body, "family_name": "Other"}, headers=headers)

    assert second.json()["id"] != first.json()["id"]
    same_response(second, replay)
    assert await count(db, Director) == directors + 1
    assert await count(db, IdempotencyRecord) == 1


async def test_purge_removes_only_expired_keys(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession
) -> None:
    start = dt.datetime.now(dt.UTC)
    await client.post("/v1/organisations", json=NEW_TRUST, headers=keyed(auth("admin"), "old"))
    with time_machine.travel(start + dt.timedelta(hours=23), tick=True):
        await client.post(
            "/v1/organisations", json={**NEW_TRUST, "ods_code": "RX2"}, headers=keyed(auth("admin"), "new")
        )
    assert await purge_expired(db, now=start + dt.timedelta(hours=24, minutes=30)) == 1
    keys = (await db.execute(sa.select(IdempotencyRecord.key))).scalars().all()  # type: ignore[call-overload]
    assert keys == ["new"]


@pytest.mark.parametrize(
    "key",
    ["", "x" * 256, "naïve-key", "tab\tkey"],
    ids=["empty", "too-long", "non-ascii", "control-character"],
)
async def test_a_malformed_key_is_400_and_changes_nothing(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession, key: str
) -> None:
    organisations = await count(db, Organisation)
    headers = [(name.encode(), value.encode()) for name, value in auth("admin").items()]
    headers.append((b"idempotency-key", key.encode()))
    response = await client.post("/v1/organisations", json=NEW_TRUST, headers=headers)
    assert response.status_code == 400
    assert response.json()["type"].endswith("/problems/invalid-input")
    assert await count(db, Organisation) == organisations


async def test_get_ignores_the_header(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession
) -> None:
    headers = keyed(auth("admin"), "not-for-reads")
    assert (await client.get("/v1/organisations", headers=headers)).status_code == 200
    assert await count(db, IdempotencyRecord) == 0


async def test_two_concurrent_requests_with_one_key_write_once_and_answer_alike(
    committed_client: httpx.AsyncClient, engine: AsyncEngine, auth: TokenFactory
) -> None:
    factory = async_sessionmaker(bind=engine)
    async with factory() as session:
        session.add(
            Organisation(
                ods_code="RJ1",
                name="Guy's and St Thomas' NHS Foundation Trust",
                kind=OrganisationKind.FOUNDATION_TRUST,
                region=Region.LONDON,
                version=1,
            )
        )
        await session.commit()
    headers = keyed(auth("trust_hr", org="RJ1"), str(uuid.uuid4()))
    body = director_body()

    responses = await asyncio.gather(
        *(committed_client.post("/v1/directors", json=body, headers=headers) for _ in range(3))
    )

    assert [r.status_code for r in responses] == [201, 201, 201], [r.text for r in responses]
    for other in responses[1:]:
        same_response(responses[0], other)
    assert sorted(r.headers.get("idempotent-replayed", "") for r in responses) == ["", "true", "true"]
    async with factory() as session:
        assert await count(session, Director) == 1
        assert await count(session, IdempotencyRecord) == 1


def test_openapi_documents_the_header_on_every_post() -> None:
    document: dict[str, Any] = yaml.safe_load(render_openapi())
    posts = [(path, item["post"]) for path, item in document["paths"].items() if "post" in item]
    assert posts
    for path, operation in posts:
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
        assert "Idempotency-Key" in names, path
    gets = [item["get"] for item in document["paths"].values() if "get" in item]
    assert all("Idempotency-Key" not in [p["name"] for p in op.get("parameters", [])] for op in gets)


async def test_a_key_sent_with_another_organisations_token_of_the_same_user_is_422_and_shows_nothing(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession
) -> None:
    body = director_body()
    first = await client.post(
        "/v1/directors", json=body, headers=keyed(auth("trust_hr", org="RJ1", sub="hr-both"), "k-shared")
    )
    assert first.status_code == 201, first.text
    created = first.json()
    directors, audit = await count(db, Director), await count(db, AuditEvent)
    rrv = auth("trust_hr", org="RRV", sub="hr-both")

    again = await client.post("/v1/directors", json=body, headers=keyed(rrv, "k-shared"))

    assert again.status_code == 422, again.text
    assert again.json()["type"].endswith("/problems/idempotency-key-reused")
    assert "another role, organisation or director record" in again.json()["detail"]
    assert created["id"] not in again.text and body["family_name"] not in again.text
    assert "idempotent-replayed" not in again.headers and "location" not in again.headers
    assert (await count(db, Director), await count(db, AuditEvent)) == (directors, audit)
    assert (await client.get(f"/v1/directors/{created['id']}", headers=rrv)).status_code == 404
    # The principal it was made for still gets its replay.
    replay = await client.post(
        "/v1/directors", json=body, headers=keyed(auth("trust_hr", org="RJ1", sub="hr-both"), "k-shared")
    )
    same_response(first, replay)


async def test_a_key_sent_as_another_director_of_the_same_user_is_422(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession
) -> None:
    hr = auth("trust_hr", org="RJ1")
    one = (await client.post("/v1/directors", json=director_body(), headers=hr)).json()
    two = (await client.post("/v1/directors", json=director_body(), headers=hr)).json()
    url = f"/v1/directors/{one['id']}/statements"
    first = await client.post(
        url,
        json={"text": "My reply."},
        headers=keyed(auth("director", sub="d-shared", director_id=one["id"]), "s-1"),
    )
    assert first.status_code == 201, first.text

    other = await client.post(
        url,
        json={"text": "My reply."},
        headers=keyed(auth("director", sub="d-shared", director_id=two["id"]), "s-1"),
    )

    assert other.status_code == 422, other.text
    assert first.json()["id"] not in other.text


async def test_a_record_stored_without_its_principal_is_replayed_to_nobody(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession
) -> None:
    headers = keyed(auth("admin"), "from-before")
    first = await client.post("/v1/organisations", json=NEW_TRUST, headers=headers)
    assert first.status_code == 201, first.text
    # As a record written before records named their principal (migration 0011) looks.
    await db.execute(sa.update(IdempotencyRecord).values(principal_scope=None))
    await db.commit()

    again = await client.post("/v1/organisations", json=NEW_TRUST, headers=headers)

    assert again.status_code == 422, again.text
    assert "RX1" not in again.text
