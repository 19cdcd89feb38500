"""``GET /v1/me/audit-events``: trust HR users and directors list their own actions, and nobody else's."""

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from register.access.principal import Actor, Principal, Role
from register.audit.service import record_event
from tests.conftest import TokenFactory

CHAIR_ID = "0190c2a4-0000-7000-8000-0000000000c1"
HR = {"sub": "hr-1", "org": "RJ1"}


@pytest.fixture
async def trail(db: AsyncSession) -> dict[str, str]:
    """Events by hr-1 at RJ1 (a create and a read), by the same subject at RRV and as a regulator, by hr-2 at RJ1,
    and by a chair (a director token); written in the test's transaction, which the API shares."""
    directors = {name: str(uuid.uuid4()) for name in ("created", "read", "elsewhere", "colleague", "signed")}

    async def event(principal: Principal, action: str, director: str) -> None:
        await record_event(
            db, Actor(principal), action, record_type="director", record_id=director, director_id=uuid.UUID(director)
        )

    await event(Principal(sub="hr-1", role=Role.TRUST_HR, org="RJ1"), "director.create", directors["created"])
    await event(Principal(sub="hr-1", role=Role.TRUST_HR, org="RJ1"), "director.read", directors["read"])
    await event(Principal(sub="hr-1", role=Role.TRUST_HR, org="RRV"), "director.read", directors["elsewhere"])
    await event(Principal(sub="hr-1", role=Role.REGULATOR), "director.read", directors["elsewhere"])
    await event(Principal(sub="hr-2", role=Role.TRUST_HR, org="RJ1"), "director.read", directors["colleague"])
    chair = Principal(sub="chair-1", role=Role.DIRECTOR, director_id=uuid.UUID(CHAIR_ID))
    await event(chair, "assessment.sign_off", directors["signed"])
    await db.commit()
    return directors


async def _mine(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/v1/me/audit-events", params=params, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_trust_hr_sees_its_own_actions_at_its_trust_only(
    client: httpx.AsyncClient, auth: TokenFactory, trail: dict[str, str]
) -> None:
    items = await _mine(client, auth("trust_hr", **HR))
    assert [(e["action"], e["director_id"]) for e in items] == [
        ("director.create", trail["created"]),
        ("director.read", trail["read"]),
    ]
    assert all((e["actor_sub"], e["actor_role"], e["actor_org"]) == ("hr-1", "trust_hr", "RJ1") for e in items)
    # The same subject at another trust, or in another role, and a colleague at the same trust: not listed.
    assert not {trail["elsewhere"], trail["colleague"]} & {e["director_id"] for e in items}


async def test_a_chair_sees_their_own_actions(
    client: httpx.AsyncClient, auth: TokenFactory, trail: dict[str, str]
) -> None:
    items = await _mine(client, auth("director", sub="chair-1", director_id=CHAIR_ID))
    assert [(e["action"], e["director_id"], e["actor_org"]) for e in items] == [
        ("assessment.sign_off", trail["signed"], None)
    ]


async def test_listing_ones_actions_is_itself_an_action(
    client: httpx.AsyncClient, auth: TokenFactory, trail: dict[str, str]
) -> None:
    headers = auth("trust_hr", **HR)
    await _mine(client, headers, action="director.read")
    latest = (await _mine(client, headers))[-1]
    assert latest["action"] == "audit.list_own"
    assert latest["detail"] == {"filter": {"action": "director.read"}, "returned": 1}


async def test_own_actions_filter_and_page(
    client: httpx.AsyncClient, auth: TokenFactory, trail: dict[str, str]
) -> None:
    headers = auth("trust_hr", **HR)
    assert [e["director_id"] for e in await _mine(client, headers, director_id=trail["read"])] == [trail["read"]]
    assert [e["action"] for e in await _mine(client, headers, action="director.create")] == ["director.create"]
    moment = dt.datetime.fromisoformat((await _mine(client, headers, action="director.create"))[0]["occurred_at"])
    assert await _mine(client, headers, action="director.create", **{"from": (moment + dt.timedelta(hours=1))}) == []

    first = await client.get("/v1/me/audit-events", params={"limit": 1}, headers=headers)
    page = first.json()
    assert [e["action"] for e in page["items"]] == ["director.create"] and page["next"]
    second = (await client.get(page["next"], headers=headers)).json()
    assert [e["action"] for e in second["items"]] == ["director.read"]
    assert second["items"][0]["id"] > page["items"][0]["id"]


@pytest.mark.parametrize("role", ["regulator", "auditor", "admin"])
async def test_other_roles_are_refused(client: httpx.AsyncClient, auth: TokenFactory, role: str) -> None:
    response = await client.get("/v1/me/audit-events", headers=auth(role))
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "params",
    [
        {"director_id": "not-a-uuid"},
        {"action": "DROP TABLE"},
        {"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
        {"limit": 0},
        {"cursor": "bm90LWEtY3Vyc29y"},
    ],
)
async def test_bad_filters_are_400(client: httpx.AsyncClient, auth: TokenFactory, params: dict[str, Any]) -> None:
    response = await client.get("/v1/me/audit-events", params=params, headers=auth("trust_hr", **HR))
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
