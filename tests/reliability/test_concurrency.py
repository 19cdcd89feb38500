"""Concurrent changes with one ETag: exactly one wins, the others get 412 (directors are covered in tests/api)."""

import asyncio

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from register.identifiers import OrganisationKind
from register.organisations.models import Organisation
from tests.conftest import TokenFactory


async def test_concurrent_organisation_updates_with_one_etag_let_exactly_one_win(
    committed_client: httpx.AsyncClient, engine: AsyncEngine, auth: TokenFactory
) -> None:
    async with async_sessionmaker(bind=engine)() as session:
        session.add(Organisation(ods_code="RX9", name="Racing Trust", kind=OrganisationKind.NHS_TRUST, version=1))
        await session.commit()
    headers = {**auth("admin"), "If-Match": '"1"'}

    results = await asyncio.gather(
        *(
            committed_client.patch("/v1/organisations/RX9", json={"name": f"Racing Trust {i}"}, headers=headers)
            for i in range(4)
        )
    )

    assert sorted(r.status_code for r in results) == [200, 412, 412, 412]
    [winner] = [r for r in results if r.status_code == 200]
    current = await committed_client.get("/v1/organisations/RX9", headers=auth("admin"))
    assert current.headers["etag"] == '"2"'
    assert current.json()["name"] == winner.json()["name"]
