"""The director's statements: only they write them, and they appear beside the record they answer."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.conftest import TokenFactory

CreateDirector = Callable[..., Any]


@pytest.fixture
async def director(create_director: CreateDirector) -> dict[str, Any]:
    data: dict[str, Any] = await create_director("RJ1", registrations=[{"body": "GMC", "number": "1231231"}])
    return data


async def test_director_answers_a_finding_and_the_statement_shows_beside_it(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any]
) -> None:
    base = f"/v1/directors/{director['id']}"
    finding = (
        await client.post(
            f"{base}/findings",
            json={
                "finding_type": "grievance_upheld",
                "summary": "Grievance about a restructure.",
                "reported_on": "2025-03-01",
            },
            headers=auth("trust_hr", org="RJ1"),
        )
    ).json()
    me = auth("director", director_id=director["id"])
    response = await client.post(
        f"{base}/statements",
        json={
            "about_record_type": "finding",
            "about_record_id": finding["id"],
            "text": "The restructure was agreed by the board; I dispute this grievance.",
        },
        headers=me,
    )
    assert response.status_code == 201, response.text
    for role, claims in (
        ("trust_hr", {"org": "RJ1"}),
        ("regulator", {}),
        ("auditor", {}),
        ("director", {"director_id": director["id"]}),
    ):
        headers = auth(role, **claims)
        listed = (await client.get(f"{base}/findings", headers=headers)).json()
        assert [s["text"] for s in listed[0]["statements"]] == [
            "The restructure was agreed by the board; I dispute this grievance."
        ], role
        single = (await client.get(f"{base}/findings/{finding['id']}", headers=headers)).json()
        assert len(single["statements"]) == 1


async def test_statement_about_the_file_shows_on_the_director_record(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any]
) -> None:
    base = f"/v1/directors/{director['id']}"
    me = auth("director", director_id=director["id"])
    assert (
        await client.post(f"{base}/statements", json={"text": "I left NHS X to care for a parent."}, headers=me)
    ).status_code == 201
    read = (await client.get(base, headers=auth("regulator"))).json()
    assert [s["text"] for s in read["statements"]] == ["I left NHS X to care for a parent."]


async def test_statement_about_a_registration_shows_on_the_director_record(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any]
) -> None:
    base = f"/v1/directors/{director['id']}"
    [registration] = director["registrations"]
    me = auth("director", director_id=director["id"])
    await client.post(
        f"{base}/statements",
        json={"about_record_type": "registration", "about_record_id": registration["id"], "text": "Restored 2024."},
        headers=me,
    )
    read = (await client.get(base, headers=auth("trust_hr", org="RJ1"))).json()
    assert read["registrations"][0]["statements"][0]["text"] == "Restored 2024."


async def test_nobody_else_writes_or_edits_a_statement(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any], create_director: CreateDirector
) -> None:
    base = f"/v1/directors/{director['id']}"
    me = auth("director", director_id=director["id"])
    statement = (await client.post(f"{base}/statements", json={"text": "Mine."}, headers=me)).json()
    for headers in (auth("trust_hr", org="RJ1"), auth("regulator")):
        assert (
            await client.post(f"{base}/statements", json={"text": "Not yours."}, headers=headers)
        ).status_code == 403
        edit = await client.patch(
            f"{base}/statements/{statement['id']}", json={"text": "Edited."}, headers={**headers, "If-Match": '"1"'}
        )
        assert edit.status_code == 403
    other = await create_director("RJ1")
    stranger = auth("director", director_id=other["id"])
    assert (await client.post(f"{base}/statements", json={"text": "x"}, headers=stranger)).status_code == 404
    revised = await client.patch(
        f"{base}/statements/{statement['id']}", json={"text": "Mine, reworded."}, headers={**me, "If-Match": '"1"'}
    )
    assert revised.status_code == 200 and revised.json()["text"] == "Mine, reworded."


async def test_statement_must_answer_a_record_in_the_own_file(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any], create_director: CreateDirector
) -> None:
    other = await create_director("RJ1", registrations=[{"body": "GMC", "number": "9879879"}])
    me = auth("director", director_id=director["id"])
    response = await client.post(
        f"/v1/directors/{director['id']}/statements",
        json={"about_record_type": "registration", "about_record_id": other["registrations"][0]["id"], "text": "x"},
        headers=me,
    )
    assert response.status_code == 422
    unknown_kind = await client.post(
        f"/v1/directors/{director['id']}/statements",
        json={"about_record_type": "horoscope", "about_record_id": director["id"], "text": "x"},
        headers=me,
    )
    assert unknown_kind.status_code == 422
    half = await client.post(
        f"/v1/directors/{director['id']}/statements", json={"about_record_type": "finding", "text": "x"}, headers=me
    )
    assert half.status_code == 400


async def test_statement_shows_beside_a_check_and_an_assessment(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any]
) -> None:
    base = f"/v1/directors/{director['id']}"
    hr = auth("trust_hr", org="RJ1")
    check = (
        await client.post(
            f"{base}/checks",
            headers=hr,
            json={
                "check_type": "social_media",
                "result": "concern",
                "performed_on": "2026-01-05",
                "performed_by": "HR officer",
                "notes": "Posts under review",
            },
        )
    ).json()
    assessment = (
        await client.post(
            f"{base}/assessments", headers=hr, json={"kind": "triggered", "trigger_reason": "Media reports"}
        )
    ).json()
    me = auth("director", director_id=director["id"])
    for record_type, record in (("check", check), ("assessment", assessment)):
        response = await client.post(
            f"{base}/statements",
            headers=me,
            json={
                "about_record_type": record_type,
                "about_record_id": record["id"],
                "text": f"About the {record_type}.",
            },
        )
        assert response.status_code == 201, response.text
    checks = (await client.get(f"{base}/checks", headers=hr)).json()["items"]
    assert checks[0]["statements"][0]["text"] == "About the check."
    single = (await client.get(f"{base}/checks/{check['id']}", headers=auth("regulator"))).json()
    assert single["statements"][0]["text"] == "About the check."
    assessments = (await client.get(f"{base}/assessments", headers=hr)).json()["items"]
    assert assessments[0]["statements"][0]["text"] == "About the assessment."
    one = (await client.get(f"{base}/assessments/{assessment['id']}", headers=me)).json()
    assert one["statements"][0]["text"] == "About the assessment."
