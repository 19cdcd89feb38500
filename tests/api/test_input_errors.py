"""Bad input over HTTP: each is a 400 problem a person can act on (what is expected, what was wrong, where),
and none of them changes anything."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from api.request import MAX_JSON_DEPTH
from register.base import metadata
from register.identifiers import ODS_CODE_PATTERN, ODS_CODE_RULE
from tests.conftest import Orgs, TokenFactory, director_body

JSON = {"Content-Type": "application/json"}
QUALIFICATION = {"title": "MBA", "awarding_body": "London Business School"}


async def row_counts(db: AsyncSession) -> dict[str, int]:
    """Rows in every table of the register: a refused request must leave all of them as they were."""
    counts: dict[str, int] = {}
    for table in metadata.sorted_tables:
        counts[table.name] = (await db.execute(sa.select(sa.func.count()).select_from(table))).scalar_one()
    return counts


def problem(response: httpx.Response, slug: str, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{slug}"
    return body


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    assert len(body["errors"]) == 1, body
    error: dict[str, Any] = body["errors"][0]
    return error


@pytest.fixture
async def director(create_director: Callable[..., Any]) -> dict[str, Any]:
    data: dict[str, Any] = await create_director()
    return data


# --- the body is not a JSON object ----------------------------------------------------------------------------


async def test_an_empty_body_says_a_json_object_is_needed_and_its_fields(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession
) -> None:
    before = await row_counts(db)

    response = await client.post("/v1/directors", content=b"", headers={**auth("trust_hr", org="RJ1"), **JSON})

    body = problem(response, "validation-error")
    error = only_error(body)
    assert error["source"] == "body"
    assert error["message"] == (
        "the request has no body; send a JSON object with the fields given_name, family_name, date_of_birth, "
        "appointment (required) and former_names, registrations (optional)"
    )
    assert "'data'" not in body["detail"]
    assert await row_counts(db) == before


@pytest.mark.parametrize(
    ("sent", "kind"), [(b"[]", "a JSON array"), (b"[1, 2]", "a JSON array"), (b"null", "null"), (b'"MBA"', "a string")]
)
async def test_a_body_that_is_not_an_object_names_no_class_and_lists_the_fields(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any], db: AsyncSession, sent: bytes, kind: str
) -> None:
    before = await row_counts(db)

    response = await client.post(
        f"/v1/directors/{director['id']}/qualifications", content=sent, headers={**auth("trust_hr", org="RJ1"), **JSON}
    )

    body = problem(response, "validation-error")
    assert "QualificationCreate" not in response.text
    assert only_error(body) == {
        "field": None,
        "source": "body",
        "message": "expected a JSON object with the fields title, awarding_body (required) and verified, verified_by, "
        f"verified_on, level, awarded_on, evidence_reference (optional); got {kind}",
    }
    assert await row_counts(db) == before


async def test_a_nested_array_where_an_object_belongs_is_named_by_its_field(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs
) -> None:
    response = await client.post(
        "/v1/directors", json=director_body(appointment=[]), headers=auth("trust_hr", org="RJ1")
    )

    error = only_error(problem(response, "validation-error"))
    assert error["field"] == "appointment"
    assert error["message"].startswith("expected a JSON object with the fields board_role, start_date (required)")
    assert error["message"].endswith("got a JSON array")
    assert "AppointmentIn" not in response.text


# --- JSON that does not parse ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "reason", "line", "column", "byte"),
    [
        (b'{"title": "MBA', "it ends before the JSON is complete", 1, 15, 14),
        (b'{\n  "title": "MBA"\n  "awarding_body": "LSE"\n}', "expected ',' or '}'", 3, 3, 21),
        (b'{"title": "MBA",}', "trailing comma in object", 1, 17, 16),
        (b'{"title": "Ma\xc3\xaetrise" x}', "expected ',' or '}'", 1, 22, 22),
    ],
    ids=["truncated", "missing-comma-on-line-3", "trailing-comma", "after-non-ascii"],
)
async def test_json_that_fails_to_parse_says_so_and_where(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    director: dict[str, Any],
    db: AsyncSession,
    sent: bytes,
    reason: str,
    line: int,
    column: int,
    byte: int,
) -> None:
    before = await row_counts(db)

    response = await client.post(
        f"/v1/directors/{director['id']}/qualifications", content=sent, headers={**auth("trust_hr", org="RJ1"), **JSON}
    )

    body = problem(response, "malformed-request")
    assert body["detail"].startswith(f"The request body could not be parsed as JSON: {reason}")
    assert body["detail"].endswith(f"at line {line}, column {column} (byte {byte}).")
    assert (body["line"], body["column"], body["byte"]) == (line, column, byte)
    assert await row_counts(db) == before


# --- dates and times -------------------------------------------------------------------------------------------

DATE_CASES = [
    ("2003-02-30", "'2003-02-30' has day 30, but February 2003 has 28 days"),
    ("2024-13-01", "'2024-13-01' has month 13, which is not between 1 and 12"),
    ("01/02/2003", "'01/02/2003' is day/month/year: for 1 February 2003 write 2003-02-01"),
    ("31/02/2003", "'31/02/2003' is not in that form, and is not a day/month/year date either"),
    ("next Tuesday", "'next Tuesday' is not in that form"),
]


def _body_with_date(kind: str, value: str) -> tuple[str, str, dict[str, Any], str]:
    """(role, path under the director, body, field) for one date field of each kind of record."""
    bodies: dict[str, tuple[str, str, dict[str, Any], str]] = {
        "qualification": ("trust_hr", "qualifications", {**QUALIFICATION, "awarded_on": value}, "awarded_on"),
        "employment": (
            "trust_hr",
            "employment",
            {"kind": "role", "employer_name": "Acme", "role_title": "Clerk", "start_date": value},
            "start_date",
        ),
        "gap": (
            "trust_hr",
            "employment/gap-explanations",
            {"start_date": "2019-01-01", "end_date": value, "reason": "Career break"},
            "end_date",
        ),
        "check": (
            "trust_hr",
            "checks",
            {"check_type": "dbs", "result": "clear", "performed_on": value, "performed_by": "Company Secretary"},
            "performed_on",
        ),
        "finding": (
            "regulator",
            "findings",
            {"finding_type": "disciplinary", "summary": "A matter to record here", "reported_on": value},
            "reported_on",
        ),
    }
    return bodies[kind]


@pytest.mark.parametrize(("value", "wrong"), DATE_CASES, ids=[c[0] for c in DATE_CASES])
@pytest.mark.parametrize("kind", ["qualification", "employment", "gap", "check", "finding"])
async def test_a_bad_date_in_a_body_says_the_form_and_what_is_wrong(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    director: dict[str, Any],
    db: AsyncSession,
    kind: str,
    value: str,
    wrong: str,
) -> None:
    role, path, body, field = _body_with_date(kind, value)
    before = await row_counts(db)

    response = await client.post(
        f"/v1/directors/{director['id']}/{path}",
        json=body,
        headers=auth(role, org="RJ1" if role == "trust_hr" else None),
    )

    error = only_error(problem(response, "validation-error"))
    assert error == {
        "field": field,
        "source": "body",
        "message": f"a date is written YYYY-MM-DD, e.g. 2024-04-01; {wrong}",
    }
    assert await row_counts(db) == before


async def test_a_date_of_birth_written_the_uk_way_is_explained(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession
) -> None:
    before = await row_counts(db)
    response = await client.post(
        "/v1/directors", json=director_body(date_of_birth="12/04/1970"), headers=auth("trust_hr", org="RJ1")
    )
    error = only_error(problem(response, "validation-error"))
    assert error["field"] == "date_of_birth"
    assert error["message"].endswith("'12/04/1970' is day/month/year: for 12 April 1970 write 1970-04-12")
    assert await row_counts(db) == before


TIME_RULE = (
    "a time is written in ISO 8601 form YYYY-MM-DDTHH:MM:SS with its zone, e.g. 2024-04-01T09:30:00Z "
    "or 2024-04-01T10:30:00+01:00"
)


@pytest.mark.parametrize(
    ("path", "parameter", "role"),
    [
        ("/v1/directors/{id}", "as_of", "regulator"),
        ("/v1/directors/{id}/qualifications", "as_of", "regulator"),
        ("/v1/audit/events", "from", "auditor"),
        ("/v1/audit/events", "to", "auditor"),
        ("/v1/exports/directors.csv", "updated_since", "regulator"),
    ],
)
@pytest.mark.parametrize(
    ("value", "wrong"),
    [
        ("01/02/2003", "'01/02/2003' is day/month/year: for 1 February 2003 write 2003-02-01T00:00:00Z"),
        ("2003-02-30T10:00:00Z", "'2003-02-30T10:00:00Z' has day 30, but February 2003 has 28 days"),
        ("yesterday", "'yesterday' is not in that form"),
    ],
)
async def test_a_bad_time_in_a_query_says_the_iso_8601_form(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    director: dict[str, Any],
    path: str,
    parameter: str,
    role: str,
    value: str,
    wrong: str,
) -> None:
    response = await client.get(path.format(id=director["id"]), params={parameter: value}, headers=auth(role))

    error = only_error(problem(response, "validation-error"))
    assert error == {"field": parameter, "source": "query", "message": f"{TIME_RULE}; {wrong}"}


# --- ODS codes: one rule, one wording ---------------------------------------------------------------------------

NOT_A_CODE = f"{ODS_CODE_RULE}; 'NOT-A-CODE' contains '-'"


@pytest.mark.parametrize(
    ("method", "path", "role", "body", "field", "source"),
    [
        (
            "POST",
            "/v1/organisations",
            "admin",
            {"ods_code": "NOT-A-CODE", "name": "A trust", "kind": "other"},
            "ods_code",
            "body",
        ),
        (
            "POST",
            "/v1/directors/{id}/employment",
            "trust_hr",
            {"kind": "board_appointment", "ods_code": "NOT-A-CODE", "board_role": "chair", "start_date": "2024-01-01"},
            "ods_code",
            "body",
        ),
        (
            "POST",
            "/v1/subscriptions",
            "trust_hr",
            {"url": "https://hooks.example.org/register", "ods_code": "NOT-A-CODE"},
            "ods_code",
            "body",
        ),
        ("GET", "/v1/directors?ods_code=NOT-A-CODE", "regulator", None, "ods_code", "query"),
        ("GET", "/v1/exports/directors.csv?ods_code=NOT-A-CODE", "regulator", None, "ods_code", "query"),
        ("GET", "/v1/audit/events?org=NOT-A-CODE", "auditor", None, "org", "query"),
        ("GET", "/v1/organisations/NOT-A-CODE", "regulator", None, "ods_code", "path"),
        ("GET", "/v1/organisations/NOT-A-CODE/checks/due", "trust_hr", None, "ods_code", "path"),
        ("GET", "/v1/organisations/NOT-A-CODE/returns/2025", "trust_hr", None, "ods_code", "path"),
    ],
    ids=["organisation", "appointment", "subscription", "search", "export", "audit", "path", "due-checks", "return"],
)
async def test_a_malformed_ods_code_gets_the_one_rule_wherever_it_is_given(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    director: dict[str, Any],
    db: AsyncSession,
    method: str,
    path: str,
    role: str,
    body: dict[str, Any] | None,
    field: str,
    source: str,
) -> None:
    before = await row_counts(db)
    headers = auth(role, org="RJ1" if role == "trust_hr" else None)

    response = await client.request(method, path.format(id=director["id"]), json=body, headers=headers)

    error = only_error(problem(response, "validation-error"))
    assert error == {"field": field, "source": source, "message": NOT_A_CODE}
    assert await row_counts(db) == before


async def test_an_ods_code_that_does_not_fit_its_kind_is_worded_the_same_way(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession
) -> None:
    before = await row_counts(db)
    response = await client.post(
        "/v1/organisations", json={"ods_code": "X24", "name": "A trust", "kind": "nhs_trust"}, headers=auth("admin")
    )
    body = problem(response, "rule-violation", 422)
    assert body["detail"] == (
        "ods_code: an NHS trust's ODS code is 3 letters or digits starting with R, e.g. RJ1; "
        "'X24' starts with X, not R."
    )
    assert await row_counts(db) == before


def test_the_contract_states_the_one_ods_code_rule_everywhere() -> None:
    document = yaml.safe_load((Path(__file__).resolve().parents[2] / "openapi.yaml").read_text())
    found: list[tuple[str, dict[str, Any]]] = []

    def string_schema(schema: dict[str, Any]) -> dict[str, Any]:
        merged = dict(schema)
        for option in schema.get("oneOf", []):
            if option.get("type") == "string":
                merged.update(option)
        return merged

    for name, component in document["components"]["schemas"].items():
        for prop, schema in component.get("properties", {}).items():
            if prop == "ods_code" and name.endswith(("Create", "Update")):
                found.append((f"{name}.{prop}", string_schema(schema)))
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter["name"] in ("ods_code", "org"):
                    found.append((f"{method} {path} {parameter['name']}", string_schema(parameter["schema"])))

    assert len(found) > 10
    for where, schema in found:
        assert (schema.get("minLength"), schema.get("maxLength"), schema.get("pattern")) == (3, 5, ODS_CODE_PATTERN), (
            where
        )


# --- control characters ----------------------------------------------------------------------------------------

NUL_RULE = "text may not contain control characters other than tab, line feed and carriage return"


@pytest.mark.parametrize(
    ("role", "path", "body", "field"),
    [
        ("trust_hr", "qualifications", {**QUALIFICATION, "title": "M\x00BA"}, "title"),
        (
            "regulator",
            "findings",
            {"finding_type": "disciplinary", "summary": "A matter\x00 to record", "reported_on": "2024-01-01"},
            "summary",
        ),
        (
            "trust_hr",
            "employment",
            {"kind": "role", "employer_name": "Ac\x00me", "role_title": "Clerk", "start_date": "2010-01-01"},
            "employer_name",
        ),
        (
            "trust_hr",
            "employment/gap-explanations",
            {"start_date": "2019-01-01", "end_date": "2019-06-01", "reason": "Career\x00 break"},
            "reason",
        ),
        ("trust_hr", "qualifications", {**QUALIFICATION, "level": "RQF\x1b[31m 7"}, "level"),
        ("trust_hr", "qualifications", {**QUALIFICATION, "awarding_body": "LSE\x7f"}, "awarding_body"),
    ],
    ids=["qualification-title", "finding-summary", "employer-name", "gap-reason", "escape", "delete"],
)
async def test_a_control_character_in_a_text_field_is_400_naming_the_field(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    director: dict[str, Any],
    db: AsyncSession,
    role: str,
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    before = await row_counts(db)
    headers = auth(role, org="RJ1" if role == "trust_hr" else None)

    response = await client.post(f"/v1/directors/{director['id']}/{path}", json=body, headers=headers)

    error = only_error(problem(response, "validation-error"))
    assert (error["field"], error["source"]) == (field, "body")
    assert error["message"].startswith(f"{NUL_RULE}; this one has U+00")
    assert await row_counts(db) == before


async def test_a_control_character_in_a_candidate_check_purpose_is_refused(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any], db: AsyncSession
) -> None:
    before = await row_counts(db)
    response = await client.post(
        "/v1/candidate-checks",
        json={"director_id": director["id"], "purpose": "Short\x00listing", "vacancy": {"board_role": "chair"}},
        headers=auth("trust_hr", org="RRV"),
    )
    error = only_error(problem(response, "validation-error"))
    assert error == {
        "field": "purpose",
        "source": "body",
        "message": f"{NUL_RULE}; this one has U+0000 (NUL) at character 6",
    }
    assert await row_counts(db) == before


async def test_a_control_character_deep_in_a_body_is_named_by_its_path(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession
) -> None:
    before = await row_counts(db)
    body = director_body(former_names=[{"given_name": "Ann", "family_name": "Smi\x00th"}])
    response = await client.post("/v1/directors", json=body, headers=auth("trust_hr", org="RJ1"))
    error = only_error(problem(response, "validation-error"))
    assert (error["field"], error["source"]) == ("former_names.0.family_name", "body")
    assert await row_counts(db) == before


async def test_tabs_and_line_breaks_are_kept_in_multi_line_text(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any]
) -> None:
    summary = "Upheld grievance.\r\nSee the panel's letter:\n\tparagraph 4."
    response = await client.post(
        f"/v1/directors/{director['id']}/findings",
        json={"finding_type": "disciplinary", "summary": summary, "reported_on": "2024-01-01"},
        headers=auth("regulator"),
    )
    assert response.status_code == 201, response.text
    assert response.json()["summary"] == summary


@pytest.mark.parametrize(
    ("path", "parameter", "role"),
    [
        ("/v1/directors?q=Smi%00th", "q", "regulator"),
        ("/v1/directors?registration_body=GMC&registration_number=12%0034567", "registration_number", "regulator"),
        ("/v1/directors?q=Smith%0A", "q", "regulator"),
        ("/v1/audit/events?actor=hr%00", "actor", "auditor"),
        ("/v1/exports/direc%00tors.csv", "name", "regulator"),
    ],
    ids=["search-nul", "registration-nul", "search-newline", "audit-actor", "path"],
)
async def test_a_control_character_in_a_parameter_is_400_naming_it(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession, path: str, parameter: str, role: str
) -> None:
    before = await row_counts(db)

    response = await client.get(path, headers=auth(role))

    body = problem(response, "validation-error")
    error = only_error(body)
    assert (error["field"], error["source"]) == (parameter, "path" if parameter == "name" else "query")
    assert error["message"].startswith("parameters may not contain control characters (tabs and line breaks included)")
    assert await row_counts(db) == before


# --- nesting depth ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("levels", [MAX_JSON_DEPTH + 1, 1000, 50_000])
@pytest.mark.parametrize("idempotency_key", [None, "deep"], ids=["plain", "with-idempotency-key"])
async def test_deeply_nested_json_is_refused_with_the_limit(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    director: dict[str, Any],
    db: AsyncSession,
    levels: int,
    idempotency_key: str | None,
) -> None:
    before = await row_counts(db)
    headers = {**auth("trust_hr", org="RJ1"), **JSON}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    # The outer object is one level: the title's value brings the body to `levels`.
    nested = b"[" * (levels - 1) + b"]" * (levels - 1)

    response = await client.post(
        f"/v1/directors/{director['id']}/qualifications", content=b'{"title": ' + nested + b"}", headers=headers
    )

    body = problem(response, "json-too-deep")
    assert body["max_depth"] == MAX_JSON_DEPTH
    assert f"more than {MAX_JSON_DEPTH} levels" in body["detail"]
    assert await row_counts(db) == before


async def test_nesting_within_the_limit_is_read_and_validated(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any]
) -> None:
    nested: Any = "MBA"
    for _ in range(MAX_JSON_DEPTH - 1):
        nested = [nested]
    response = await client.post(
        f"/v1/directors/{director['id']}/qualifications",
        content=json.dumps({**QUALIFICATION, "title": nested}),
        headers={**auth("trust_hr", org="RJ1"), **JSON},
    )
    error = only_error(problem(response, "validation-error"))
    assert error["field"] == "title"
