"""Findings and barring: who records what, the lifecycle, the barred list, and barring blocking appointments."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.events.models import OutboundEvent
from register.findings.models import Finding
from tests.conftest import TokenFactory

CreateDirector = Callable[..., Any]
TODAY = dt.date.today()


def days(n: int) -> str:
    return (TODAY + dt.timedelta(days=n)).isoformat()


@pytest.fixture
async def director(create_director: CreateDirector) -> dict[str, Any]:
    data: dict[str, Any] = await create_director("RJ1")
    return data


async def record(client: httpx.AsyncClient, headers: dict[str, str], director_id: str, **body: Any) -> httpx.Response:
    payload = {
        "finding_type": "disciplinary",
        "summary": "Bullying complaint by two staff members.",
        "reported_on": days(-100),
        **body,
    }
    return await client.post(f"/v1/directors/{director_id}/findings", json=payload, headers=headers)


async def step(
    client: httpx.AsyncClient, headers: dict[str, str], director_id: str, finding: dict[str, Any], status: str
) -> httpx.Response:
    response = await client.post(
        f"/v1/directors/{director_id}/findings/{finding['id']}/transitions",
        json={"status": status, "on": days(-1)},
        headers={**headers, "If-Match": f'"{finding["version"]}"'},
    )
    if response.status_code == 200:
        finding.update(response.json())
    return response


async def test_trust_records_an_internal_finding_and_walks_its_lifecycle(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any], db: AsyncSession
) -> None:
    hr = auth("trust_hr", org="RJ1")
    created = await record(client, hr, director["id"])
    assert created.status_code == 201, created.text
    finding = created.json()
    assert finding["status"] == "reported" and finding["recording_org"] == "RJ1"
    for status in ("under_investigation", "upheld", "appealed", "overturned"):
        response = await step(client, hr, director["id"], finding, status)
        assert response.status_code == 200, (status, response.text)
    assert finding["status"] == "overturned" and finding["appeal_decided_on"] == days(-1)
    events = await db.execute(
        sa.select(col(OutboundEvent.type))
        .where(col(OutboundEvent.director_id) == director["id"])
        .order_by(col(OutboundEvent.id))
    )
    assert list(events.scalars()) == ["appointment.started", "finding.recorded"] + ["finding.changed"] * 4


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ((), "upheld"),
        ((), "appealed"),
        (("under_investigation",), "reported"),
        (("under_investigation",), "appealed"),
        (("under_investigation", "not_upheld"), "appealed"),
        (("under_investigation", "upheld"), "not_upheld"),
        (("under_investigation", "upheld", "appealed"), "upheld"),
        (("under_investigation", "upheld", "appealed", "upheld_on_appeal"), "appealed"),
    ],
)
async def test_illegal_transitions_are_409_and_change_nothing(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any], path: tuple[str, ...], illegal: str
) -> None:
    regulator = auth("regulator")
    finding = (await record(client, regulator, director["id"], finding_type="serious_misconduct")).json()
    for status in path:
        assert (await step(client, regulator, director["id"], finding, status)).status_code == 200
    before = dict(finding)
    response = await step(client, regulator, director["id"], finding, illegal)
    assert response.status_code == 409
    assert response.json()["current_status"] == before["status"]
    now = await client.get(f"/v1/directors/{director['id']}/findings/{finding['id']}", headers=regulator)
    assert now.json()["status"] == before["status"] and now.json()["version"] == before["version"]


async def test_trust_may_not_record_a_regulators_finding(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any], db: AsyncSession
) -> None:
    response = await record(
        client, auth("trust_hr", org="RJ1"), director["id"], finding_type="barring_decision", bar_start=days(0)
    )
    assert response.status_code == 403
    assert "recorded by a regulator" in response.json()["detail"]
    assert (await db.execute(sa.select(sa.func.count()).select_from(Finding))).scalar_one() == 0


async def test_other_trust_cannot_record_or_see_findings(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any]
) -> None:
    other = auth("trust_hr", org="RRV")
    assert (await record(client, other, director["id"])).status_code == 404
    assert (await client.get(f"/v1/directors/{director['id']}/findings", headers=other)).status_code == 404


async def test_trust_cannot_move_a_regulators_finding(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any]
) -> None:
    finding = (await record(client, auth("regulator"), director["id"], finding_type="serious_misconduct")).json()
    response = await step(client, auth("trust_hr", org="RJ1"), director["id"], finding, "under_investigation")
    assert response.status_code == 403


async def test_finding_dates_and_bar_fields_are_validated(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any]
) -> None:
    regulator = auth("regulator")
    future = await record(client, regulator, director["id"], reported_on=days(5))
    assert future.status_code == 422
    no_bar = await record(client, regulator, director["id"], finding_type="barring_decision")
    assert no_bar.status_code == 400 and "bar_start" in no_bar.json()["detail"]
    stray_bar = await record(client, regulator, director["id"], bar_start=days(0))
    assert stray_bar.status_code == 400
    upheld_without_date = await record(client, regulator, director["id"], status="upheld")
    assert upheld_without_date.status_code == 422


async def bar(client: httpx.AsyncClient, auth: TokenFactory, director_id: str, **dates: Any) -> dict[str, Any]:
    response = await record(
        client,
        auth("regulator"),
        director_id,
        finding_type="barring_decision",
        status="upheld",
        decided_on=days(-1),
        decision_reference="BAR-2026-001",
        **{"bar_start": days(-1), **dates},
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def test_upheld_bar_marks_the_director_and_lists_them_as_barred(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any], db: AsyncSession
) -> None:
    decision = await bar(client, auth, director["id"])
    read = (await client.get(f"/v1/directors/{director['id']}", headers=auth("trust_hr", org="RJ1"))).json()
    assert read["barred"] is True
    assert read["bar"]["finding_id"] == decision["id"] and read["bar"]["bar_end"] is None
    for role, claims in (("trust_hr", {"org": "RRV"}), ("regulator", {}), ("auditor", {})):
        listed = await client.get("/v1/barred", headers=auth(role, **claims))
        assert listed.status_code == 200
        assert [b["director_id"] for b in listed.json()["items"]] == [director["id"]]
    assert (await client.get("/v1/barred", headers=auth("admin"))).status_code == 403
    types = await db.execute(sa.select(col(OutboundEvent.type)).where(col(OutboundEvent.record_id) == decision["id"]))
    assert sorted(types.scalars()) == ["barring.decided", "finding.recorded"]


async def test_bar_that_has_ended_or_is_overturned_is_not_in_force(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    ended = await create_director("RJ1")
    await bar(client, auth, ended["id"], bar_start=days(-400), bar_end=days(-30))
    overturned = await create_director("RJ1")
    decision = await bar(client, auth, overturned["id"])
    regulator = auth("regulator")
    await step(client, regulator, overturned["id"], decision, "appealed")
    await step(client, regulator, overturned["id"], decision, "overturned")
    listed = (await client.get("/v1/barred", headers=regulator)).json()
    assert listed["items"] == []


async def test_appointing_a_barred_director_is_refused_naming_the_decision(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    director = await create_director(
        "RJ1",
        appointment={"board_role": "non_executive_director", "appointment_type": "shared", "start_date": "2023-01-01"},
    )
    decision = await bar(client, auth, director["id"], bar_end=days(365))
    appointment = {
        "kind": "board_appointment",
        "ods_code": "RRV",
        "board_role": "non_executive_director",
        "appointment_type": "shared",
        "start_date": days(10),
    }
    refused = await client.post(
        f"/v1/directors/{director['id']}/employment", json=appointment, headers=auth("regulator")
    )
    assert refused.status_code == 422
    assert refused.json()["barring_decision_id"] == decision["id"]
    assert "BAR-2026-001" in refused.json()["detail"]


async def test_a_bar_that_has_ended_does_not_block_appointment(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    director = await create_director(
        "RJ1",
        appointment={"board_role": "non_executive_director", "appointment_type": "shared", "start_date": "2023-01-01"},
    )
    await bar(client, auth, director["id"], bar_start=days(-400), bar_end=days(-1))
    appointment = {
        "kind": "board_appointment",
        "ods_code": "RRV",
        "board_role": "non_executive_director",
        "appointment_type": "shared",
        "start_date": days(10),
    }
    response = await client.post(
        f"/v1/directors/{director['id']}/employment", json=appointment, headers=auth("regulator")
    )
    assert response.status_code == 201, response.text


async def test_withdrawn_finding_leaves_the_list(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any]
) -> None:
    regulator = auth("regulator")
    finding = (await record(client, regulator, director["id"], finding_type="serious_mismanagement")).json()
    response = await client.post(
        f"/v1/directors/{director['id']}/findings/{finding['id']}/withdraw",
        json={"reason": "recorded against the wrong person"},
        headers={**regulator, "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    assert (await client.get(f"/v1/directors/{director['id']}/findings", headers=regulator)).json() == []
