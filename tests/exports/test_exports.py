"""Exports: every format parses back to exactly what the database holds; every role gets only its rows and columns."""

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.audit.models import AuditEvent
from register.checks.models import OUTCOME_ONLY_TYPES
from register.exports.datasets import DATASETS, Kind
from tests.conftest import TokenFactory
from tests.exports.conftest import AWKWARD, AWKWARD_NAME, World
from tests.exports.readback import canonical, export, header, ids, parse

FORMATS = ("csv", "ndjson", "parquet")
FILE_DATASETS = (
    "directors",
    "employment",
    "qualifications",
    "checks",
    "assessments",
    "appraisals",
    "findings",
    "references",
)
BLANKED_ON_OUTCOME_ONLY = ("performed_by", "evidence_reference", "notes", "mitigation", "mitigated_on", "mitigated_by")


async def database_rows(db: AsyncSession, name: str, columns: list[str]) -> dict[str, dict[str, Any]]:
    """The table's rows as canonical values, keyed by id: what a full export must contain."""
    dataset = DATASETS[name]
    table: Any = dataset.model.__table__  # type: ignore[attr-defined]
    kinds = {c.name: c.kind for c in dataset.columns}
    rows = (await db.execute(sa.select(*(table.c[c] for c in columns)))).mappings().all()
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        values = {c: canonical(kinds[c], _plain(row[c])) for c in columns}
        out[str(values["id"])] = values
    return out


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


def exported(name: str, rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    kinds = {c.name: c.kind for c in DATASETS[name].columns}
    return {str(r["id"]): {k: canonical(kinds[k], v) for k, v in r.items()} for r in rows}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", FILE_DATASETS)
async def test_regulator_export_equals_the_database(
    client: httpx.AsyncClient, auth: TokenFactory, db: AsyncSession, world: World, name: str, fmt: str
) -> None:
    rows, body = await export(client, auth("regulator"), name, fmt)
    columns = [c.name for c in DATASETS[name].columns]
    if fmt != "ndjson":
        assert header(fmt, body) == columns
    expected = await database_rows(db, name, columns)
    if name == "checks":
        # DBS and medical clearance: outcome and dates only, whatever is stored.
        for row in expected.values():
            if row["check_type"] in {t.value for t in OUTCOME_ONLY_TYPES}:
                row.update(dict.fromkeys(BLANKED_ON_OUTCOME_ONLY))
    if name == "assessments":
        expected = {k: v for k, v in expected.items() if v["status"] != "draft"}  # drafts stay with their trust
    assert exported(name, rows) == expected
    assert expected, "the fixture should give every dataset rows"


@pytest.mark.parametrize("fmt", FORMATS)
async def test_awkward_text_round_trips_exactly(
    client: httpx.AsyncClient, auth: TokenFactory, world: World, fmt: str
) -> None:
    directors, _ = await export(client, auth("regulator"), "directors", fmt)
    mine = next(r for r in directors if str(r["id"]) == world.rj1["id"])
    assert mine["given_name"] == AWKWARD_NAME
    assert canonical(Kind.JSON, mine["former_names"]) == [{"given_name": "Zoë", "family_name": 'Ñ\\"'}]
    findings, _ = await export(client, auth("regulator"), "findings", fmt)
    assert AWKWARD in {r["summary"] for r in findings}
    appraisals, _ = await export(client, auth("regulator"), "appraisals", fmt)
    assert canonical(Kind.JSON, appraisals[0]["objectives"])[0]["description"] == AWKWARD


@pytest.mark.parametrize("fmt", FORMATS)
async def test_auditor_exports_the_audit_trail_as_stored(
    client: httpx.AsyncClient, auth: TokenFactory, db: AsyncSession, world: World, fmt: str
) -> None:
    rows, _ = await export(client, auth("auditor"), "audit-events", fmt)
    columns = [c.name for c in DATASETS["audit-events"].columns]
    in_db = await database_rows(db, "audit-events", columns)
    got = exported("audit-events", rows)
    assert got and got == {k: v for k, v in in_db.items() if k in got}
    # The only row not in the file is this export's own event, written once the file was complete.
    (own,) = [v for k, v in in_db.items() if k not in got]
    assert own["action"] == "export" and own["detail"]["dataset"] == "audit-events"


# --- Scoping: one test per role. ---


async def test_trust_hr_exports_only_its_own_directors_current_rows(
    client: httpx.AsyncClient, auth: TokenFactory, world: World
) -> None:
    hr = auth("trust_hr", org="RJ1")
    directors, _ = await export(client, hr, "directors", "csv")
    assert ids(directors) == {world.rj1["id"], world.rj1_other["id"]}
    employment, body = await export(client, hr, "employment", "csv")
    assert {r["director_id"] for r in employment} == {world.rj1["id"], world.rj1_other["id"]}
    assert "withdrawn_at" not in header("csv", body)  # withdrawn entries are for regulators and auditors
    findings, _ = await export(client, hr, "findings", "ndjson")
    assert str(world.withdrawn_finding) not in ids(findings) and len(findings) == 1
    assessments, _ = await export(client, hr, "assessments", "ndjson")
    # Its own draft, the signed one; never another trust's draft about the same director.
    assert ids(assessments) == {str(world.rj1_draft), str(world.signed)}
    other, _ = await export(client, auth("trust_hr", org="RRV"), "directors", "ndjson")
    assert ids(other) == {world.rrv["id"]}
    rrv_assessments, _ = await export(client, auth("trust_hr", org="RRV"), "assessments", "ndjson")
    assert rrv_assessments == []  # RJ1's director is not RRV's, even though RRV drafted about them


async def test_director_exports_only_their_own_rows(
    client: httpx.AsyncClient, auth: TokenFactory, world: World
) -> None:
    me = auth("director", director_id=world.rj1["id"])
    for name in FILE_DATASETS:
        rows, _ = await export(client, me, name, "ndjson")
        owner = "id" if name == "directors" else "director_id"
        assert {r[owner] for r in rows} <= {world.rj1["id"]}, name
    checks, _ = await export(client, me, "checks", "parquet")
    dbs = next(r for r in checks if r["id"] == str(world.dbs_check))
    assert dbs["result"] == "clear" and dbs["performed_by"] is None and dbs["evidence_reference"] is None
    assessments, _ = await export(client, me, "assessments", "csv")
    assert ids(assessments) == {str(world.signed)}
    other = auth("director", director_id=world.rrv["id"])
    rows, _ = await export(client, other, "checks", "csv")
    assert rows == []
    for forbidden in ("returns", "audit-events"):
        response = await client.get(f"/v1/exports/{forbidden}.csv", headers=me)
        assert response.status_code == 403


async def test_regulator_sees_every_row_but_never_restricted_fields(
    client: httpx.AsyncClient, auth: TokenFactory, world: World
) -> None:
    regulator = auth("regulator")
    directors, _ = await export(client, regulator, "directors", "csv")
    assert ids(directors) == {world.rj1["id"], world.rj1_other["id"], world.rrv["id"]}
    findings, _ = await export(client, regulator, "findings", "csv")
    assert str(world.withdrawn_finding) in ids(findings)
    checks, _ = await export(client, regulator, "checks", "csv")
    dbs = next(r for r in checks if r["id"] == str(world.dbs_check))
    assert dbs["performed_by"] == "" and dbs["result"] == "clear" and dbs["performed_on"]
    references, body = await export(client, regulator, "references", "csv")
    assert len(references) == 1
    assert not {"answers", "competence", "correction_reason"} & set(header("csv", body))
    assert b"SECRET" not in body
    assessments, _ = await export(client, regulator, "assessments", "csv")
    assert ids(assessments) == {str(world.signed)}
    response = await client.get("/v1/exports/audit-events.csv", headers=regulator)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_auditor_reads_what_a_regulator_reads_and_the_audit_trail(
    client: httpx.AsyncClient, auth: TokenFactory, world: World
) -> None:
    auditor = auth("auditor")
    for name in FILE_DATASETS:
        as_auditor, a_body = await export(client, auditor, name, "csv")
        as_regulator, r_body = await export(client, auth("regulator"), name, "csv")
        assert ids(as_auditor) == ids(as_regulator), name
        assert header("csv", a_body) == header("csv", r_body), name
    rows, _ = await export(client, auditor, "audit-events", "csv")
    assert any(r["action"] == "export" for r in rows)


async def test_admin_exports_nothing(client: httpx.AsyncClient, auth: TokenFactory, world: World) -> None:
    for name in (*FILE_DATASETS, "returns", "audit-events"):
        response = await client.get(f"/v1/exports/{name}.csv", headers=auth("admin"))
        assert response.status_code == 403, name


async def test_export_needs_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/exports/directors.csv")
    assert response.status_code == 401


# --- Filters, names, audit. ---


async def test_filters_select_board_members_and_recent_rows(
    client: httpx.AsyncClient, auth: TokenFactory, db: AsyncSession, world: World
) -> None:
    regulator = auth("regulator")
    rows, _ = await export(client, regulator, "directors", "csv", ods_code="rrv")
    assert ids(rows) == {world.rrv["id"]}
    rows, _ = await export(client, regulator, "directors", "csv", region="london", board_role="chief_executive")
    assert len(rows) == 3
    rows, _ = await export(client, regulator, "directors", "csv", region="south_east")
    assert rows == []
    rows, _ = await export(client, regulator, "employment", "ndjson", ods_code="RRV")
    assert {r["director_id"] for r in rows} == {world.rrv["id"]}
    await db.execute(
        sa.text("UPDATE directors SET updated_at = '2020-01-01T00:00:00Z' WHERE id <> :id"),
        {"id": uuid.UUID(world.rrv["id"])},
    )
    await db.commit()
    rows, _ = await export(client, regulator, "directors", "csv", updated_since="2024-01-01T00:00:00")
    assert ids(rows) == {world.rrv["id"]}
    rows, _ = await export(client, regulator, "directors", "parquet", limit=2)
    assert len(rows) == 2


@pytest.mark.parametrize(
    ("path", "status", "slug"),
    [
        ("/v1/exports/directors.csv?ods_code=R$1", 400, "validation-error"),
        ("/v1/exports/directors.csv?region=atlantis", 400, "validation-error"),
        ("/v1/exports/directors.csv?board_role=king", 400, "validation-error"),
        ("/v1/exports/directors.csv?updated_since=yesterday", 400, "validation-error"),
        ("/v1/exports/directors.csv?limit=0", 400, "validation-error"),
        ("/v1/exports/audit-events.csv?ods_code=RJ1", 400, "invalid-input"),
        ("/v1/exports/returns.csv?board_role=chair", 400, "invalid-input"),
        ("/v1/exports/directors.xlsx", 404, "not-found"),
        ("/v1/exports/directors", 404, "not-found"),
        ("/v1/exports/passwords.csv", 404, "not-found"),
    ],
)
async def test_bad_export_requests_are_problems(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Any, path: str, status: int, slug: str
) -> None:
    response = await client.get(path, headers=auth("auditor"))
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith(slug)


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [("csv", "text/csv"), ("ndjson", "application/x-ndjson"), ("parquet", "application/vnd.apache.parquet")],
)
async def test_file_is_named_typed_and_audited_with_its_filters_and_row_count(
    client: httpx.AsyncClient, auth: TokenFactory, db: AsyncSession, world: World, fmt: str, media_type: str
) -> None:
    response = await client.get(
        f"/v1/exports/employment.{fmt}",
        params={"ods_code": "RJ1"},
        headers={**auth("trust_hr", org="RJ1", sub="hr-rj1"), "X-Purpose": "board report"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert response.headers["content-disposition"] == f'attachment; filename="employment-{today}.{fmt}"'
    rows = parse(fmt, response.content)
    event = (
        (
            await db.execute(
                sa.select(AuditEvent).where(col(AuditEvent.action) == "export").order_by(col(AuditEvent.id).desc())
            )
        )
        .scalars()
        .first()
    )
    assert event is not None
    assert (event.actor_sub, event.actor_org, event.purpose) == ("hr-rj1", "RJ1", "board report")
    assert event.detail["dataset"] == "employment" and event.detail["format"] == fmt
    assert event.detail["filters"] == {"ods_code": "RJ1"}
    assert event.detail["rows"] == len(rows) == 3 and event.detail["completed"] is True


async def test_empty_export_is_a_valid_file(client: httpx.AsyncClient, auth: TokenFactory, orgs: Any) -> None:
    regulator = auth("regulator")
    for fmt in FORMATS:
        rows, body = await export(client, regulator, "findings", fmt)
        assert rows == []
        if fmt != "ndjson":
            assert header(fmt, body)[:2] == ["id", "director_id"]
        else:
            assert body == b""
