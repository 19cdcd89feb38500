"""Subject access: a director's whole record, as JSON or as a zip of record.json and CSVs."""

import csv
import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import TokenFactory
from tests.retention.full_file import PART_SECTIONS, make_full_file


@pytest.fixture
async def director(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: Callable[..., Any], db: AsyncSession
) -> dict[str, Any]:
    return await make_full_file(client, auth, create_director, db)


def me(auth: TokenFactory, director: dict[str, Any]) -> dict[str, str]:
    return auth("director", director_id=director["id"], sub=f"director-{director['id'][-6:]}")


async def test_director_gets_every_part_of_their_record_as_json(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any]
) -> None:
    response = await client.get("/v1/me/record", headers=me(auth, director))
    assert response.status_code == 200, response.text
    record = response.json()
    assert record["director"]["id"] == director["id"] and record["director"]["given_name"] == "Zoë"
    empty = [name for name in PART_SECTIONS if not record[name]]
    assert empty == [], f"sections with nothing in them: {empty}"
    assert all(row["director_id"] == director["id"] for name in PART_SECTIONS[:13] for row in record[name])
    assert {r["number"] for r in record["registrations"]} == {"4567891"}
    assert [c["checking_org"] for c in record["candidate_checks"]] == ["RJ1"]
    assert [r["providing_org"] for r in record["references"]] == ["RTH"]
    assert [r["status"] for r in record["reference_requests"]] == ["answered"]
    assert {v["record_type"] for v in record["versions"]} >= {"director", "employment", "registration", "reference"}
    read = next(e for e in record["access_log"] if e["action"] == "director.read")
    assert read["actor_sub"] == "nhse-london" and read["purpose"] == "barring enquiry"


async def test_zip_holds_record_json_and_a_csv_per_section_that_parse(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any]
) -> None:
    response = await client.get("/v1/me/record", params={"format": "zip"}, headers=me(auth, director))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="my-register-record-') and disposition.endswith('.zip"')
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    record = json.loads(archive.read("record.json"))
    assert record["director"]["id"] == director["id"]
    assert set(archive.namelist()) == {"record.json"} | {f"{name}.csv" for name in record}
    for name, value in record.items():
        rows = list(csv.DictReader(io.StringIO(archive.read(f"{name}.csv").decode("utf-8-sig"))))
        expected = value if isinstance(value, list) else [value]
        assert len(rows) == len(expected), name
        if expected and "id" in expected[0]:
            assert [r["id"] for r in rows] == [str(e["id"]) for e in expected], name
    [person] = csv.DictReader(io.StringIO(archive.read("director.csv").decode("utf-8-sig")))
    assert person["family_name"] == "Ní Bhriain"
    assert json.loads(person["former_names"]) == [{"given_name": "Zoe", "family_name": "Walsh"}]


async def test_csv_cells_that_a_spreadsheet_would_run_are_defused(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any]
) -> None:
    await client.post(
        f"/v1/directors/{director['id']}/statements", headers=me(auth, director), json={"text": "=HYPERLINK(evil)"}
    )
    response = await client.get("/v1/me/record?format=zip", headers=me(auth, director))
    statements = zipfile.ZipFile(io.BytesIO(response.content)).read("statements.csv").decode("utf-8-sig")
    texts = [row["text"] for row in csv.DictReader(io.StringIO(statements))]
    assert "'=HYPERLINK(evil)" in texts


async def test_unknown_format_is_a_400_and_other_roles_are_refused(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any]
) -> None:
    bad = await client.get("/v1/me/record?format=pdf", headers=me(auth, director))
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")
    hr = await client.get("/v1/me/record?format=zip", headers=auth("trust_hr", org="RRV"))
    assert hr.status_code == 403
