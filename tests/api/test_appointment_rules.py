"""Board appointment rules as a trust meets them: the bar comes first, every broken rule is listed, ending an
appointment is never blocked, and a trust cannot open its director's file to another organisation."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.conftest import TokenFactory

CreateDirector = Callable[..., Any]
TODAY = dt.date.today()


def days(n: int) -> str:
    return (TODAY + dt.timedelta(days=n)).isoformat()


async def bar(client: httpx.AsyncClient, auth: TokenFactory, director_id: str, **dates: str) -> dict[str, Any]:
    response = await client.post(
        f"/v1/directors/{director_id}/findings",
        json={
            "finding_type": "barring_decision",
            "status": "upheld",
            "summary": "Serious misconduct found at a hearing.",
            "reported_on": days(-60),
            "decided_on": days(-1),
            "decision_reference": "BAR-2026-007",
            "bar_start": days(-1),
            **dates,
        },
        headers=auth("regulator"),
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def board_seat(ods: str, start: str, **more: Any) -> dict[str, Any]:
    return {
        "kind": "board_appointment",
        "ods_code": ods,
        "board_role": "non_executive_director",
        "appointment_type": "permanent",
        "start_date": start,
        **more,
    }


@pytest.fixture
async def barred(client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector) -> dict[str, Any]:
    """A chief executive of RJ1 since 2024 (permanent), barred from yesterday, indefinitely."""
    director: dict[str, Any] = await create_director("RJ1")
    director["decision"] = await bar(client, auth, director["id"])
    return director


async def test_trust_appointing_a_barred_candidate_is_told_of_the_bar_first_and_every_other_rule(
    client: httpx.AsyncClient, auth: TokenFactory, barred: dict[str, Any]
) -> None:
    hr_c = auth("trust_hr", org="RTH", sub="hr-rth")
    checked = await client.post(
        "/v1/candidate-checks",
        json={
            "director_id": barred["id"],
            "purpose": "Shortlisting for non-executive director",
            "vacancy": {"board_role": "non_executive_director", "title": "Non-executive director"},
        },
        headers=hr_c,
    )
    assert checked.status_code == 201, checked.text

    refused = await client.post(
        f"/v1/directors/{barred['id']}/employment", json=board_seat("RTH", days(10)), headers=hr_c
    )

    assert refused.status_code == 422
    problem = refused.json()
    assert problem["type"].endswith("/director-barred")
    assert problem["detail"].startswith("The director is barred from board appointments")
    assert "BAR-2026-007" in problem["detail"]
    assert problem["barring_decision_id"] == barred["decision"]["id"]
    assert [v["rule"] for v in problem["violations"]] == ["barred", "overlapping-appointments"]
    assert problem["overlapping_ids"] == [barred["appointments"][0]["id"]]


async def test_bar_is_given_alone_when_it_is_the_only_rule_broken(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    shared = await create_director(
        "RJ1", appointment={"board_role": "chair", "appointment_type": "shared", "start_date": "2024-01-01"}
    )
    await bar(client, auth, shared["id"])
    refused = await client.post(
        f"/v1/directors/{shared['id']}/employment",
        json=board_seat("RRV", days(10), appointment_type="shared"),
        headers=auth("regulator"),
    )
    assert refused.status_code == 422
    problem = refused.json()
    assert [v["rule"] for v in problem["violations"]] == ["barred"]
    assert "Also:" not in problem["detail"]


async def test_trust_ends_the_appointment_of_a_director_barred_after_it_started(
    client: httpx.AsyncClient, auth: TokenFactory, barred: dict[str, Any]
) -> None:
    hr = auth("trust_hr", org="RJ1")
    appointment = barred["appointments"][0]
    ended = await client.patch(
        f"/v1/directors/{barred['id']}/employment/{appointment['id']}",
        json={"end_date": days(0), "reason_for_leaving": "Barred by the regulator"},
        headers={**hr, "If-Match": f'"{appointment["version"]}"'},
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["end_date"] == days(0)
    assert ended.json()["reason_for_leaving"] == "Barred by the regulator"


async def test_moving_an_appointments_start_into_the_bar_is_still_refused(
    client: httpx.AsyncClient, auth: TokenFactory, barred: dict[str, Any]
) -> None:
    hr = auth("trust_hr", org="RJ1")
    appointment = barred["appointments"][0]
    moved = await client.patch(
        f"/v1/directors/{barred['id']}/employment/{appointment['id']}",
        json={"start_date": days(5)},
        headers={**hr, "If-Match": f'"{appointment["version"]}"'},
    )
    assert moved.status_code == 422
    assert moved.json()["type"].endswith("/director-barred")


async def test_ending_an_appointment_that_overlaps_an_older_one_is_not_refused(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    director = await create_director(
        "RJ1", appointment={"board_role": "chair", "appointment_type": "joint", "start_date": "2024-01-01"}
    )
    regulator = auth("regulator")
    url = f"/v1/directors/{director['id']}/employment"
    rrv = await client.post(url, json=board_seat("RRV", "2025-01-01", appointment_type="joint"), headers=regulator)
    assert rrv.status_code == 201, rrv.text
    # Re-typing the seat at RJ1 would make the two clash; ending it does not.
    own = director["appointments"][0]
    hr = {**auth("trust_hr", org="RJ1"), "If-Match": f'"{own["version"]}"'}
    retyped = await client.patch(f"{url}/{own['id']}", json={"appointment_type": "permanent"}, headers=hr)
    assert retyped.status_code == 422
    assert [v["rule"] for v in retyped.json()["violations"]] == ["overlapping-appointments"]
    ended = await client.patch(f"{url}/{own['id']}", json={"end_date": days(-1)}, headers=hr)
    assert ended.status_code == 200, ended.text


async def test_trust_cannot_record_a_current_appointment_at_another_trust(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    director = await create_director("RJ1")
    url = f"/v1/directors/{director['id']}/employment"
    for current in (
        board_seat("RRV", days(-30), appointment_type="joint"),
        board_seat("RRV", days(5), end_date=days(400)),
    ):
        refused = await client.post(url, json=current, headers=auth("trust_hr", org="RJ1"))
        assert refused.status_code == 422, refused.text
        problem = refused.json()
        assert problem["violations"][0]["rule"] == "appointment-kept-elsewhere"
        assert "University College London Hospitals NHS Foundation Trust (RRV)" in problem["detail"]
        assert "end_date before" in problem["detail"]
    # And so the other trust still cannot see the director at all.
    assert (await client.get(f"/v1/directors/{director['id']}", headers=auth("trust_hr", org="RRV"))).status_code == 404


async def test_trust_records_an_ended_appointment_elsewhere_as_history(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    director = await create_director("RJ1")
    url = f"/v1/directors/{director['id']}/employment"
    hr = auth("trust_hr", org="RJ1")
    history = await client.post(url, json=board_seat("RRV", "2018-01-01", end_date="2023-12-31"), headers=hr)
    assert history.status_code == 201, history.text
    assert (await client.get(f"/v1/directors/{director['id']}", headers=auth("trust_hr", org="RRV"))).status_code == 404

    # Re-opening it as current would hand RRV the file: refused, and nothing changed.
    reopened = await client.patch(
        f"{url}/{history.json()['id']}", json={"end_date": None}, headers={**hr, "If-Match": '"1"'}
    )
    assert reopened.status_code == 422
    assert reopened.json()["violations"][0]["rule"] == "appointment-kept-elsewhere"
    assert (await client.get(f"{url}/{history.json()['id']}", headers=hr)).json()["version"] == 1
    assert (await client.get(f"/v1/directors/{director['id']}", headers=auth("trust_hr", org="RRV"))).status_code == 404


async def test_regulator_and_the_other_trust_still_record_its_current_appointments(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    director = await create_director(
        "RJ1", appointment={"board_role": "chair", "appointment_type": "joint", "start_date": "2024-01-01"}
    )
    url = f"/v1/directors/{director['id']}/employment"
    by_regulator = await client.post(
        url, json=board_seat("RRV", days(-10), appointment_type="joint"), headers=auth("regulator")
    )
    assert by_regulator.status_code == 201, by_regulator.text
    # RRV keeps its own appointment now; RJ1 may not change it while it runs.
    seat = by_regulator.json()
    by_rj1 = await client.patch(
        f"{url}/{seat['id']}", json={"role_title": "Chair"}, headers={**auth("trust_hr", org="RJ1"), "If-Match": '"1"'}
    )
    assert by_rj1.status_code == 422
    assert by_rj1.json()["violations"][0]["rule"] == "appointment-kept-elsewhere"
    by_rrv = await client.patch(
        f"{url}/{seat['id']}", json={"role_title": "Chair"}, headers={**auth("trust_hr", org="RRV"), "If-Match": '"1"'}
    )
    assert by_rrv.status_code == 200, by_rrv.text
