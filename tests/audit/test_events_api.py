"""``GET /v1/audit/events`` and ``GET /v1/audit/verify``: auditors only, filters, pagination, validation."""

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from register.access.principal import Actor, Principal, Role
from register.audit.service import record_event
from tests.conftest import TokenFactory


@pytest.fixture
async def trail(db: AsyncSession) -> dict[str, Any]:
    """Audit events as the services write them: HR at RJ1 adds two directors and HR at RRV one; a regulator reads
    each, stating why. Written in the test's transaction, which the API shares."""
    made: dict[str, Any] = {"rj1": [], "rrv": None}
    for org in ("RJ1", "RJ1", "RRV"):
        director = {"id": str(uuid.uuid4())}
        hr = Actor(Principal(sub="trust_hr-user", role=Role.TRUST_HR, org=org))
        await record_event(
            db,
            hr,
            "director.create",
            record_type="director",
            record_id=director["id"],
            director_id=uuid.UUID(director["id"]),
        )
        if org == "RJ1":
            made["rj1"].append(director)
        else:
            made["rrv"] = director
    regulator = Actor(Principal(sub="reg-1", role=Role.REGULATOR), purpose="barring review")
    for director in [*made["rj1"], made["rrv"]]:
        await record_event(
            db,
            regulator,
            "director.read",
            record_type="director",
            record_id=director["id"],
            director_id=uuid.UUID(director["id"]),
        )
    await db.commit()
    return made


async def _events(client: httpx.AsyncClient, auth: TokenFactory, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/v1/audit/events", params=params, headers=auth("auditor", sub="auditor-1"))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_auditor_filters_by_director(
    client: httpx.AsyncClient, auth: TokenFactory, trail: dict[str, Any]
) -> None:
    director = trail["rj1"][1]["id"]
    items = await _events(client, auth, director_id=director)
    assert [e["action"] for e in items] == ["director.create", "director.read"]
    assert {e["director_id"] for e in items} == {director}
    assert items[1]["actor_sub"] == "reg-1"
    assert items[1]["purpose"] == "barring review"
    assert items[0]["id"] < items[1]["id"]


async def test_auditor_filters_by_actor_org_and_action(
    client: httpx.AsyncClient, auth: TokenFactory, trail: dict[str, Any]
) -> None:
    reads = await _events(client, auth, actor="reg-1", action="director.read")
    assert len(reads) == 3
    assert all(e["actor_role"] == "regulator" for e in reads)

    rrv = await _events(client, auth, org="RRV")
    assert [e["director_id"] for e in rrv] == [trail["rrv"]["id"]]
    assert all(e["actor_org"] == "RRV" for e in rrv)
    assert await _events(client, auth, org="rrv", action="director.create") == rrv

    assert await _events(client, auth, action="director.update") == []


async def test_auditor_filters_by_time(client: httpx.AsyncClient, auth: TokenFactory, trail: dict[str, Any]) -> None:
    reads = await _events(client, auth, action="director.read")
    assert len(reads) == 3
    moment = dt.datetime.fromisoformat(reads[0]["occurred_at"])
    later = (moment + dt.timedelta(minutes=5)).isoformat()
    earlier = (moment - dt.timedelta(minutes=5)).isoformat()
    assert await _events(client, auth, action="director.read", **{"from": earlier, "to": later}) == reads
    assert await _events(client, auth, action="director.read", **{"from": later}) == []
    assert await _events(client, auth, action="director.read", to=earlier) == []
    # A time without a zone is UTC, as everywhere in the API.
    naive = (moment - dt.timedelta(minutes=5)).astimezone(dt.UTC).replace(tzinfo=None).isoformat()
    assert await _events(client, auth, action="director.read", **{"from": naive}) == reads


async def test_auditor_pages_through_the_trail(
    client: httpx.AsyncClient, auth: TokenFactory, trail: dict[str, Any]
) -> None:
    headers = auth("auditor", sub="auditor-1")
    first = await client.get("/v1/audit/events", params={"limit": 2, "actor": "reg-1"}, headers=headers)
    assert first.status_code == 200
    page = first.json()
    seen = [e["id"] for e in page["items"]]
    assert len(seen) == 2 and page["next"]
    assert first.headers["Link"] == f'<{page["next"]}>; rel="next"'
    second = await client.get(page["next"], headers=headers)
    page = second.json()
    seen += [e["id"] for e in page["items"]]
    assert page["next"] is None
    assert all(e["actor_sub"] == "reg-1" for e in page["items"]), "the next link keeps the filters"
    assert seen == sorted(seen) and len(set(seen)) == 3


async def test_reading_the_trail_is_itself_audited(
    client: httpx.AsyncClient, auth: TokenFactory, trail: dict[str, Any]
) -> None:
    await _events(client, auth, org="RJ1")
    verified = await client.get("/v1/audit/verify", headers=auth("auditor", sub="auditor-1"))
    assert verified.status_code == 200
    mine = await _events(client, auth, actor="auditor-1")
    assert [e["action"] for e in mine] == ["audit.list", "audit.verify"]
    assert mine[0]["detail"] == {"filter": {"org": "RJ1"}, "returned": 2}  # the two creations at RJ1
    assert mine[1]["detail"]["intact"] is True


async def test_verify_reports_its_result(client: httpx.AsyncClient, auth: TokenFactory, trail: dict[str, Any]) -> None:
    response = await client.get("/v1/audit/verify", headers=auth("auditor"))
    assert response.status_code == 200
    body = response.json()
    assert body["intact"] is True
    assert body["summary"] == f"intact, {body['events']} events, head hash {body['head_hash']}"
    # This test's own events belong to a transaction still running: in flight, not sealed.
    assert body["unsealed"] >= 6  # three creations, three reads


@pytest.mark.parametrize("role", ["trust_hr", "regulator", "director", "admin"])
@pytest.mark.parametrize("path", ["/v1/audit/events", "/v1/audit/verify"])
async def test_only_auditors_read_the_trail(
    client: httpx.AsyncClient, auth: TokenFactory, role: str, path: str
) -> None:
    claims = {"trust_hr": {"org": "RJ1"}, "director": {"director_id": "0190c2a4-0000-7000-8000-000000000001"}}
    response = await client.get(path, headers=auth(role, **claims.get(role, {})))
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_trail_needs_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/audit/events")).status_code == 401
    assert (await client.get("/v1/audit/verify")).status_code == 401


@pytest.mark.parametrize(
    "params",
    [
        {"director_id": "not-a-uuid"},
        {"org": "nope!"},
        {"actor": "has space"},
        {"actor": "x" * 201},
        {"action": "DROP TABLE"},
        {"from": "yesterday"},
        {"to": "2026-13-01T00:00:00Z"},
        {"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
        {"limit": 0},
        {"limit": 201},
        {"cursor": "bm90LWEtY3Vyc29y"},
        {"cursor": "eyJhZnRlciI6ICJ4In0"},  # {"after": "x"}
    ],
)
async def test_bad_filters_are_400(client: httpx.AsyncClient, auth: TokenFactory, params: dict[str, Any]) -> None:
    response = await client.get("/v1/audit/events", params=params, headers=auth("auditor"))
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
