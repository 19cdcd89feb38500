"""Organisations: administrators keep them, everyone reads them."""

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from register.organisations.models import Organisation
from tests.conftest import Orgs, TokenFactory

NEW_TRUST = {
    "ods_code": "RX1",
    "name": "Nottingham University Hospitals NHS Trust",
    "kind": "nhs_trust",
    "region": "midlands",
}


async def count(db: AsyncSession, model: type) -> int:
    return (await db.execute(sa.select(sa.func.count()).select_from(model))).scalar_one()


async def test_admin_creates_an_organisation(client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs) -> None:
    response = await client.post("/v1/organisations", json=NEW_TRUST, headers=auth("admin"))
    assert response.status_code == 201, response.text
    assert response.json()["ods_code"] == "RX1"
    assert response.headers["etag"] == '"1"'
    read = await client.get("/v1/organisations/rx1", headers=auth("regulator"))
    assert read.status_code == 200
    assert read.json()["name"] == NEW_TRUST["name"]


async def test_trust_hr_cannot_create_an_organisation(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession
) -> None:
    before = await count(db, Organisation)
    response = await client.post("/v1/organisations", json=NEW_TRUST, headers=auth("trust_hr", org="RJ1"))
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "/problems/forbidden"
    assert await count(db, Organisation) == before


async def test_bad_ods_code_is_a_validation_problem_and_writes_nothing(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession
) -> None:
    before = await count(db, Organisation)
    response = await client.post("/v1/organisations", json={**NEW_TRUST, "ods_code": "R-1!"}, headers=auth("admin"))
    assert response.status_code == 400
    problem = response.json()
    assert problem["type"] == "/problems/validation-error"
    assert problem["errors"][0]["field"] == "ods_code"
    assert "ODS code" in problem["detail"]
    assert await count(db, Organisation) == before


async def test_ods_code_must_fit_the_kind(client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs) -> None:
    response = await client.post("/v1/organisations", json={**NEW_TRUST, "ods_code": "QX1"}, headers=auth("admin"))
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/rule-violation"
    assert "starting with R" in response.json()["detail"]


async def test_duplicate_ods_code_is_a_conflict(client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs) -> None:
    response = await client.post("/v1/organisations", json={**NEW_TRUST, "ods_code": "RJ1"}, headers=auth("admin"))
    assert response.status_code == 409
    assert response.json()["ods_code"] == "RJ1"


async def test_every_role_lists_organisations_page_by_page(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs
) -> None:
    seen: list[str] = []
    url: str | None = "/v1/organisations?limit=3"
    while url:
        response = await client.get(url, headers=auth("director", director_id="0190a000-0000-7000-8000-000000000000"))
        assert response.status_code == 200
        body = response.json()
        seen += [o["ods_code"] for o in body["items"]]
        url = body["next"]
        if url:
            assert response.headers["link"] == f'<{url}>; rel="next"'
    assert seen == sorted(orgs)


async def test_organisations_filter_by_region(client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs) -> None:
    response = await client.get("/v1/organisations?region=south_east", headers=auth("auditor"))
    assert [o["ods_code"] for o in response.json()["items"]] == ["RTH"]


async def test_update_needs_if_match(client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs) -> None:
    response = await client.patch("/v1/organisations/RJ1", json={"name": "Renamed"}, headers=auth("admin"))
    assert response.status_code == 428
    assert response.json()["type"] == "/problems/if-match-required"


async def test_stale_if_match_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs
) -> None:
    first = await client.patch(
        "/v1/organisations/RJ1", json={"name": "Renamed once"}, headers={**auth("admin"), "If-Match": '"1"'}
    )
    assert first.status_code == 200
    assert first.headers["etag"] == '"2"'
    stale = await client.patch(
        "/v1/organisations/RJ1", json={"name": "Renamed twice"}, headers={**auth("admin"), "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    now = await client.get("/v1/organisations/RJ1", headers=auth("admin"))
    assert now.json()["name"] == "Renamed once"


async def test_unknown_organisation_is_404(client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs) -> None:
    response = await client.get("/v1/organisations/RZZ", headers=auth("admin"))
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"
