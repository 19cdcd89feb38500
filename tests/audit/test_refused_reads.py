"""A 404 to an authenticated caller is a security event in the audit trail: probing for records shows up.

The caller still gets a plain 404, the same as for a record that does not exist; the event is written in its own
transaction (the request's is rolled back), once per request, and keeps the hash chain intact.
"""

import uuid
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

from register.audit.models import AuditEvent
from register.audit.service import REFUSED_ACTION
from tests.conftest import Orgs, TokenFactory, director_body


async def security_events(db: AsyncSession) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(col(AuditEvent.action) == REFUSED_ACTION).order_by(col(AuditEvent.id))
    return list((await db.execute(query)).scalars())


async def test_another_trusts_read_of_a_director_is_recorded_and_still_a_plain_404(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession
) -> None:
    hr = auth("trust_hr", org="RJ1")
    director = (await client.post("/v1/directors", json=director_body(), headers=hr)).json()
    prober = auth("trust_hr", org="RRV", sub="prober-1")

    absent = str(uuid.uuid4())
    refused = await client.get(f"/v1/directors/{director['id']}", headers={**prober, "X-Purpose": "curious"})
    missing = await client.get(f"/v1/directors/{absent}", headers=prober)

    assert (refused.status_code, missing.status_code) == (404, 404)
    # The same answer as for a director who does not exist, but for the id asked about.
    strip = ("instance", "request_id")
    assert {k: v for k, v in refused.json().items() if k not in strip} == {
        k: v.replace(absent, director["id"]) if isinstance(v, str) else v
        for k, v in missing.json().items()
        if k not in strip
    }
    assert set(refused.headers) - {"x-request-id"} == set(missing.headers) - {"x-request-id"}
    first, second = await security_events(db)
    assert (first.actor_sub, first.actor_role, first.actor_org, first.purpose) == (
        "prober-1",
        "trust_hr",
        "RRV",
        "curious",
    )
    assert first.detail == {"method": "GET", "path": f"/v1/directors/{director['id']}", "status": 404}
    assert first.request_id == refused.headers["x-request-id"]
    assert first.occurred_at is not None
    assert first.director_id is None  # not a read of the director's data: kept out of their "who read my record"
    assert second.detail["path"].startswith("/v1/directors/")


async def test_a_refused_write_and_a_refused_file_read_are_recorded_once_each(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession
) -> None:
    director = (await client.post("/v1/directors", json=director_body(), headers=auth("trust_hr", org="RJ1"))).json()
    other = auth("trust_hr", org="RRV")
    base = f"/v1/directors/{director['id']}"
    qualification = {"title": "MSc", "awarding_body": "UCL", "awarded_on": "2010-07-01"}
    assert (await client.post(f"{base}/qualifications", json=qualification, headers=other)).status_code == 404
    assert (await client.get(f"{base}/checks", headers=other)).status_code == 404
    assert [(e.detail["method"], e.detail["path"]) for e in await security_events(db)] == [
        ("POST", f"{base}/qualifications"),
        ("GET", f"{base}/checks"),
    ]


async def test_successful_reads_and_anonymous_requests_add_no_security_event(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession
) -> None:
    hr = auth("trust_hr", org="RJ1")
    director = (await client.post("/v1/directors", json=director_body(), headers=hr)).json()
    assert (await client.get(f"/v1/directors/{director['id']}", headers=hr)).status_code == 200
    assert (await client.get(f"/v1/directors/{director['id']}")).status_code == 401
    assert (await client.get("/v1/no-such-route", headers=hr)).status_code == 404  # no record was asked for
    assert await security_events(db) == []


async def test_the_event_outlives_the_requests_rollback_and_the_chain_stays_intact(
    committed_client: httpx.AsyncClient,
    committed_director: dict[str, Any],
    engine: AsyncEngine,
    auth: TokenFactory,
) -> None:
    url = f"/v1/directors/{committed_director['id']}"
    response = await committed_client.get(url, headers=auth("regulator", sub="nobody") | {"X-Purpose": "x"})
    assert response.status_code == 200  # a regulator sees every director: no event
    refused = await committed_client.get(url, headers=auth("director", sub="d-2", director_id=uuid.uuid4()))
    assert refused.status_code == 404
    async with async_sessionmaker(bind=engine)() as session:
        [event] = await security_events(session)
    assert (event.actor_sub, event.actor_role) == ("d-2", "director")
    verified = await committed_client.get("/v1/audit/verify", headers=auth("auditor"))
    assert verified.status_code == 200, verified.text
    assert verified.json()["intact"] is True
