"""What leaves the register, column by column: every dataset's columns, their order and their file types, per role.

The lists below are written out by hand on purpose: a change to what an export holds must change this file too.
"""

import datetime as dt
import io
import json
import uuid
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import TokenFactory
from tests.exports.conftest import World
from tests.exports.readback import header, parse

FILE_READERS = ("regulator", "auditor", "trust_hr", "director")
FULL = ("regulator", "auditor")
FULL_ONLY = {"withdrawn_at", "withdrawn_reason"}  # withdrawn entries, and why, only to regulators and auditors

# dataset: (roles that may export it, "column kind, ..." in file order)
DATASETS: dict[str, tuple[tuple[str, ...], str]] = {
    "directors": (
        FILE_READERS,
        """id uuid, given_name text, family_name text, former_names json, date_of_birth date,
        version int, created_at timestamp, updated_at timestamp""",
    ),
    "employment": (
        FILE_READERS,
        """id uuid, director_id uuid, kind text, employer_name text, ods_code text, role_title text,
        start_date date, end_date date, reason_for_leaving text, board_role text, portfolio text,
        appointment_type text, senior_independent_director bool, deputy_chair bool, voting bool,
        version int, created_at timestamp, updated_at timestamp, withdrawn_at timestamp, withdrawn_reason text""",
    ),
    "qualifications": (
        FILE_READERS,
        """id uuid, director_id uuid, title text, awarding_body text, level text, awarded_on date,
        verified bool, verified_by text, verified_on date, evidence_reference text,
        version int, created_at timestamp, updated_at timestamp, withdrawn_at timestamp, withdrawn_reason text""",
    ),
    "checks": (
        FILE_READERS,
        """id uuid, director_id uuid, ods_code text, check_type text, result text, performed_on date,
        performed_by text, evidence_reference text, notes text, next_due date, mitigation text,
        mitigated_on date, mitigated_by text, recorded_by text,
        version int, created_at timestamp, updated_at timestamp""",
    ),
    "assessments": (
        FILE_READERS,
        """id uuid, director_id uuid, ods_code text, kind text, status text, year int, trigger_reason text,
        summary text, mitigations text, corrects_id uuid, relied_on_check_ids json, outcome text,
        outcome_reason text, prepared_by text, submitted_at timestamp, submitted_by text,
        signed_off_at timestamp, signed_off_by text, signed_off_by_director_id uuid, signed_off_as text,
        version int, created_at timestamp, updated_at timestamp""",
    ),
    "appraisals": (
        FILE_READERS,
        """id uuid, director_id uuid, ods_code text, year int, appraiser_name text, appraiser_role text,
        rating_high_quality_outcomes text, rating_strategy_and_transformation text,
        rating_equality_and_inclusion text, rating_governance_and_assurance text,
        rating_compassionate_culture text, rating_partners_and_communities text, objectives json,
        multi_source_feedback bool, submitted_to_nhse_on date, recorded_by text,
        version int, created_at timestamp, updated_at timestamp""",
    ),
    "findings": (
        FILE_READERS,
        """id uuid, director_id uuid, finding_type text, status text, recorded_by_role text, recording_org text,
        summary text, decision_reference text, reported_on date, investigation_started_on date,
        decided_on date, appealed_on date, appeal_decided_on date, bar_start date, bar_end date,
        version int, created_at timestamp, updated_at timestamp, withdrawn_at timestamp, withdrawn_reason text""",
    ),
    "references": (
        FILE_READERS,
        """id uuid, director_id uuid, employment_id uuid, providing_org text, kind text, request_id uuid,
        role_title text, start_date date, end_date date, signatory_name text, signatory_role text, signed_on date,
        version int, created_at timestamp, updated_at timestamp, withdrawn_at timestamp, withdrawn_reason text""",
    ),
    "returns": (
        ("regulator", "auditor", "trust_hr"),
        """id uuid, ods_code text, year int, version int, declaration text, submitted_by text,
        submitted_by_director_id uuid, submitted_at timestamp, members int, signed_off int, fit_and_proper int,
        not_fit_and_proper int, pending_investigation int""",
    ),
    "audit-events": (
        ("auditor",),
        """id int, occurred_at timestamp, actor_sub text, actor_role text, actor_org text, action text,
        record_type text, record_id text, director_id uuid, purpose text, request_id text, detail json""",
    ),
}

PARQUET_TYPES = {
    "uuid": pa.string(),
    "text": pa.string(),
    "json": pa.string(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "bool": pa.bool_(),
    "int": pa.int64(),
}


def columns(dataset: str, role: str) -> list[tuple[str, str]]:
    """(name, kind) of what ``role`` receives of ``dataset``, in file order, from the lists above."""
    pairs = [tuple(item.split()) for item in DATASETS[dataset][1].split(",")]
    return [(name, kind) for name, kind in pairs if role in FULL or name not in FULL_ONLY]


def ndjson_value_is(kind: str, value: Any) -> bool:
    """The JSON value has the shape its column's kind gives it (JSON columns are nested, not quoted)."""
    if kind == "json":
        return isinstance(value, (list, dict))
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if not isinstance(value, str):
        return False
    if kind == "uuid":
        return str(uuid.UUID(value)) == value
    if kind == "date":
        return dt.date.fromisoformat(value).isoformat() == value
    if kind == "timestamp":
        return dt.datetime.fromisoformat(value).tzinfo is not None
    return True


def csv_value_is(kind: str, value: str) -> bool:
    if value == "":
        return True
    if kind == "bool":
        return value in {"true", "false"}
    if kind == "int":
        return value.lstrip("-").isdigit()
    if kind == "json":
        return isinstance(json.loads(value), (list, dict))
    return True


@pytest.mark.parametrize("role", [*FILE_READERS, "admin"])
async def test_each_role_receives_exactly_its_listed_columns_in_every_format(
    client: httpx.AsyncClient, auth: TokenFactory, world: World, role: str
) -> None:
    claims: dict[str, Any] = {"trust_hr": {"org": "RJ1"}, "director": {"director_id": world.rj1["id"]}}
    headers = auth(role, **claims.get(role, {}))
    for dataset, (roles, _) in DATASETS.items():
        if role not in roles:
            response = await client.get(f"/v1/exports/{dataset}.csv", headers=headers)
            assert response.status_code == 403, (dataset, response.text)
            continue
        expected = columns(dataset, role)
        names = [name for name, _ in expected]
        bodies = {}
        for fmt in ("csv", "ndjson", "parquet"):
            response = await client.get(f"/v1/exports/{dataset}.{fmt}", headers=headers)
            assert response.status_code == 200, (dataset, fmt, response.text)
            bodies[fmt] = response.content
        assert header("csv", bodies["csv"]) == names, dataset
        for row in parse("csv", bodies["csv"]):
            assert all(csv_value_is(kind, row[name]) for name, kind in expected), (dataset, row)
        schema = pq.read_schema(io.BytesIO(bodies["parquet"]))
        assert [(f.name, f.type) for f in schema] == [(n, PARQUET_TYPES[k]) for n, k in expected], dataset
        for row in parse("ndjson", bodies["ndjson"]):
            assert list(row) == names, dataset
            for name, kind in expected:
                assert row[name] is None or ndjson_value_is(kind, row[name]), (dataset, name, row[name])
