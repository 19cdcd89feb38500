"""The director's record as a FHIR R4 Bundle, validated with fhir.resources.

fhir.resources 8 defaults to R5 and carries R4B (4.3.0) as a subpackage; there is no plain R4 (4.0.1) release on
pydantic 2. R4B is R4 with technical corrections that leave Bundle, Practitioner, PractitionerRole and
Organization unchanged, so validating with ``fhir.resources.R4B`` validates the R4 shapes we send.
"""

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.audit.models import AuditEvent
from tests.conftest import TokenFactory

GMC = "https://fhir.hl7.org.uk/Id/gmc-number"
NMC = "https://fhir.hl7.org.uk/Id/nmc-number"
HCPC = "https://fhir.hl7.org.uk/Id/hcpc-number"
GPHC = "https://fhir.hl7.org.uk/Id/gphc-number"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"


@pytest.fixture
async def director(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: Callable[..., Any]
) -> dict[str, Any]:
    """Chair at RJ1 since 2024; before that a director at RRV twice and at RTH; four registrations, a degree."""
    data: dict[str, Any] = await create_director(
        "RJ1",
        given_name="Grace",
        family_name="Adeyemi",
        former_names=[{"given_name": "Grace", "family_name": "Cole"}],
        registrations=[
            {"body": "GMC", "number": "1234567"},
            {"body": "NMC", "number": "01A2345N"},
            {"body": "HCPC", "number": "PA123456"},
            {"body": "GPhC", "number": "2012345"},
        ],
        appointment={"board_role": "chair", "start_date": "2024-01-01"},
    )
    hr = auth("trust_hr", org="RJ1")
    base = f"/v1/directors/{data['id']}"
    for ods, role, start, end in (
        ("RRV", "executive_director", "2012-01-01", "2015-12-31"),
        ("RRV", "chief_executive", "2016-01-01", "2019-12-31"),
        ("RTH", "non_executive_director", "2020-01-01", "2023-12-31"),
    ):
        response = await client.post(
            f"{base}/employment",
            headers=hr,
            json={
                "kind": "board_appointment",
                "ods_code": ods,
                "board_role": role,
                "start_date": start,
                "end_date": end,
            },
        )
        assert response.status_code == 201, response.text
    response = await client.post(
        f"{base}/qualifications",
        headers=hr,
        json={
            "title": "MSc Healthcare Leadership",
            "awarding_body": "University of Birmingham",
            "awarded_on": "2011-07-01",
        },
    )
    assert response.status_code == 201, response.text
    return data


async def fhir(client: httpx.AsyncClient, director_id: str, headers: dict[str, str]) -> httpx.Response:
    return await client.get(f"/v1/directors/{director_id}/fhir", headers=headers)


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


async def test_bundle_validates_as_fhir_r4(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any]
) -> None:
    response = await fhir(client, director["id"], auth("trust_hr", org="RJ1"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle = Bundle.model_validate(response.json())  # raises on anything that is not valid R4(B)
    assert bundle.type == "collection"
    assert [type(e.resource).__name__ for e in bundle.entry or []] == [
        "Practitioner",
        *["PractitionerRole"] * 4,
        *["Organization"] * 3,
    ]
    full_urls = [e.fullUrl for e in bundle.entry or []]
    assert len(set(full_urls)) == len(full_urls)


async def test_practitioner_carries_names_uk_core_identifiers_and_qualifications(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any]
) -> None:
    bundle = (await fhir(client, director["id"], auth("regulator"))).json()
    [practitioner] = resources(bundle, "Practitioner")
    identifiers = {i.get("system"): i["value"] for i in practitioner["identifier"]}
    assert identifiers[GMC] == "1234567"
    assert identifiers[NMC] == "01A2345N"
    assert identifiers[HCPC] == "PA123456"
    assert identifiers[GPHC] == "2012345"
    assert identifiers["urn:ietf:rfc:3986"] == f"urn:uuid:{director['id']}"
    assert {(n["use"], n["family"]) for n in practitioner["name"]} == {("official", "Adeyemi"), ("old", "Cole")}
    assert practitioner["birthDate"] == "1970-04-12"
    [degree] = practitioner["qualification"]
    assert degree["code"]["text"] == "MSc Healthcare Leadership"
    assert degree["issuer"]["display"] == "University of Birmingham"


async def test_one_role_per_board_appointment_and_one_organisation_per_ods_code(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any]
) -> None:
    bundle = (await fhir(client, director["id"], auth("auditor"))).json()
    roles = resources(bundle, "PractitionerRole")
    organisations = resources(bundle, "Organization")
    assert sorted(r["period"]["start"] for r in roles) == ["2012-01-01", "2016-01-01", "2020-01-01", "2024-01-01"]
    assert sorted(o["identifier"][0]["value"] for o in organisations) == ["RJ1", "RRV", "RTH"]
    assert all(o["identifier"][0]["system"] == ODS for o in organisations)
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    [practitioner] = resources(bundle, "Practitioner")
    for role in roles:
        assert by_url[role["practitioner"]["reference"]] is not None
        assert by_url[role["practitioner"]["reference"]]["id"] == practitioner["id"]
        organisation = by_url[role["organization"]["reference"]]
        assert organisation["resourceType"] == "Organization"
        assert organisation["identifier"][0]["value"] == role["organization"]["identifier"]["value"]
    [current] = [r for r in roles if r["active"]]
    assert current["period"]["start"] == "2024-01-01" and current["code"][0]["text"] == "Chair"
    rj1 = next(o for o in organisations if o["identifier"][0]["value"] == "RJ1")
    assert rj1["name"] == "Guy's and St Thomas' NHS Foundation Trust"


async def test_other_trust_gets_404_and_the_read_is_audited(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any], db: AsyncSession
) -> None:
    other = await fhir(client, director["id"], auth("trust_hr", org="RTH"))
    assert other.status_code == 404
    assert other.headers["content-type"].startswith("application/problem+json")
    assert (await fhir(client, director["id"], auth("admin"))).status_code == 403
    stranger = auth("director", director_id="01a20a9c-0000-7000-8000-000000000000")
    assert (await fhir(client, director["id"], stranger)).status_code == 404
    own = await fhir(client, director["id"], auth("director", director_id=director["id"]))
    assert own.status_code == 200
    await fhir(client, director["id"], {**auth("regulator", sub="rita"), "X-Purpose": "barring enquiry"})
    reads = await db.execute(
        sa.select(col(AuditEvent.actor_sub), col(AuditEvent.purpose), col(AuditEvent.detail)).where(
            col(AuditEvent.director_id) == director["id"], col(AuditEvent.action) == "director.read"
        )
    )
    assert ("rita", "barring enquiry", {"format": "fhir"}) in [tuple(r) for r in reads]
