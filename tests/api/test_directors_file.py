"""The director's file through the API: registrations, qualifications, employment, coverage, versions."""

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from register.audit.models import AuditEvent
from register.directors.models import ProfessionalRegistration
from register.employment.models import EmploymentRecord
from register.qualifications.models import Qualification
from register.versions.models import RecordVersion
from register.versions.service import snapshot
from tests.conftest import TokenFactory

CreateDirector = Callable[..., Any]
HR = {"role": "trust_hr", "org": "RJ1"}
TODAY = dt.date.today()


def days(n: int) -> str:
    return (TODAY + dt.timedelta(days=n)).isoformat()


@pytest.fixture
async def director(create_director: CreateDirector) -> dict[str, Any]:
    """A current chief executive of RJ1 since 2024."""
    data: dict[str, Any] = await create_director("RJ1")
    return data


@pytest.fixture
def hr(auth: TokenFactory) -> dict[str, str]:
    return auth("trust_hr", org="RJ1")


async def count(db: AsyncSession, model: type) -> int:
    return (await db.execute(sa.select(sa.func.count()).select_from(model))).scalar_one()


async def actions(db: AsyncSession, director_id: str) -> list[str]:
    rows = await db.execute(
        sa.select(col(AuditEvent.action)).where(col(AuditEvent.director_id) == director_id).order_by(col(AuditEvent.id))
    )
    return list(rows.scalars())


# --- registrations -----------------------------------------------------------------------------------------


async def test_trust_adds_a_registration_and_it_is_versioned_and_audited(
    client: httpx.AsyncClient, hr: dict[str, str], director: dict[str, Any], db: AsyncSession
) -> None:
    url = f"/v1/directors/{director['id']}/registrations"
    response = await client.post(
        url,
        json={
            "body": "HCPC",
            "number": "pa123456",
            "verified": True,
            "verified_by": "HR officer",
            "verified_on": days(-1),
        },
        headers=hr,
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["number"] == "PA123456" and created["status"] == "registered" and created["verified"] is True
    assert response.headers["location"] == f"{url}/{created['id']}"
    listed = await client.get(url, headers=hr)
    assert [r["id"] for r in listed.json()] == [created["id"]]
    assert "registration.create" in await actions(db, director["id"])
    assert "registration.list" in await actions(db, director["id"])


async def test_registration_number_of_another_person_is_a_conflict_that_names_no_one(
    client: httpx.AsyncClient,
    hr: dict[str, str],
    create_director: CreateDirector,
    director: dict[str, Any],
    db: AsyncSession,
) -> None:
    other = await create_director("RRV", given_name="Other", registrations=[{"body": "GMC", "number": "2222222"}])
    before = await count(db, ProfessionalRegistration)
    response = await client.post(
        f"/v1/directors/{director['id']}/registrations", json={"body": "GMC", "number": "2222222"}, headers=hr
    )
    assert response.status_code == 409
    assert "another person's record" in response.json()["detail"]
    assert other["id"] not in response.text and "Other" not in response.text
    assert await count(db, ProfessionalRegistration) == before


async def test_registration_number_is_checked_against_the_body(
    client: httpx.AsyncClient, hr: dict[str, str], director: dict[str, Any]
) -> None:
    response = await client.post(
        f"/v1/directors/{director['id']}/registrations", json={"body": "GPhC", "number": "1234567"}, headers=hr
    )
    assert response.status_code == 400
    assert "7 digits starting with 2" in response.json()["detail"]


async def test_verified_needs_who_and_when(
    client: httpx.AsyncClient, hr: dict[str, str], director: dict[str, Any]
) -> None:
    response = await client.post(
        f"/v1/directors/{director['id']}/registrations",
        json={"body": "GMC", "number": "3333333", "verified": True},
        headers=hr,
    )
    assert response.status_code == 400
    assert "verified_by and verified_on" in response.json()["detail"]


async def test_registration_status_change_needs_the_current_etag(
    client: httpx.AsyncClient, hr: dict[str, str], director: dict[str, Any]
) -> None:
    url = f"/v1/directors/{director['id']}/registrations"
    created = (await client.post(url, json={"body": "GMC", "number": "4444444"}, headers=hr)).json()
    item = f"{url}/{created['id']}"
    assert (await client.patch(item, json={"status": "suspended"}, headers=hr)).status_code == 428
    changed = await client.patch(item, json={"status": "suspended"}, headers={**hr, "If-Match": '"1"'})
    assert changed.status_code == 200 and changed.json()["status"] == "suspended"
    assert changed.headers["etag"] == '"2"'
    stale = await client.patch(item, json={"status": "erased"}, headers={**hr, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert (await client.get(item, headers=hr)).json()["status"] == "suspended"


async def test_withdrawn_registration_leaves_the_file_but_stays_in_history(
    client: httpx.AsyncClient, hr: dict[str, str], director: dict[str, Any]
) -> None:
    url = f"/v1/directors/{director['id']}/registrations"
    created = (await client.post(url, json={"body": "GMC", "number": "5555555"}, headers=hr)).json()
    no_reason = await client.post(f"{url}/{created['id']}/withdraw", json={}, headers={**hr, "If-Match": '"1"'})
    assert no_reason.status_code == 400
    withdrawn = await client.post(
        f"{url}/{created['id']}/withdraw", json={"reason": "typed in error"}, headers={**hr, "If-Match": '"1"'}
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert (await client.get(url, headers=hr)).json() == []
    assert (await client.get(f"{url}/{created['id']}", headers=hr)).status_code == 404
    history = (await client.get(f"/v1/directors/{director['id']}/versions?record_type=registration", headers=hr)).json()
    assert [(v["version"], v["change"]) for v in history["items"]] == [(1, "created"), (2, "withdrawn")]
    assert history["items"][1]["data"]["withdrawn_reason"] == "typed in error"
    again = await client.post(url, json={"body": "GMC", "number": "5555555"}, headers=hr)
    assert again.status_code == 201


@pytest.mark.parametrize(
    ("segment", "body"),
    [
        ("registrations", {"body": "GMC", "number": "5555556"}),
        ("qualifications", {"title": "MBA", "awarding_body": "Open University", "level": "7"}),
        ("employment/gap-explanations", {"start_date": "2019-07-01", "end_date": "2019-12-31", "reason": "Travel"}),
    ],
)
async def test_withdrawing_a_part_answers_with_its_withdrawn_state_and_reason(
    client: httpx.AsyncClient, hr: dict[str, str], director: dict[str, Any], segment: str, body: dict[str, Any]
) -> None:
    url = f"/v1/directors/{director['id']}/{segment}"
    created = await client.post(url, json=body, headers=hr)
    assert created.status_code == 201, created.text
    assert "withdrawn" not in created.json()
    withdrawn = await client.post(
        f"{url}/{created.json()['id']}/withdraw", json={"reason": "typed in error"}, headers={**hr, "If-Match": '"1"'}
    )
    assert withdrawn.status_code == 200, withdrawn.text
    shown = withdrawn.json()
    assert shown["withdrawn"] is True
    assert shown["withdrawn_reason"] == "typed in error"
    assert dt.datetime.fromisoformat(shown["withdrawn_at"]) <= dt.datetime.now(dt.UTC)
    assert shown["id"] == created.json()["id"] and shown["version"] == 2


async def test_only_the_own_trust_writes_registrations(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any]
) -> None:
    url = f"/v1/directors/{director['id']}/registrations"
    body = {"body": "GMC", "number": "6666666"}
    assert (await client.post(url, json=body, headers=auth("trust_hr", org="RRV"))).status_code == 404
    assert (await client.post(url, json=body, headers=auth("regulator"))).status_code == 403
    assert (await client.post(url, json=body, headers=auth("director", director_id=director["id"]))).status_code == 403
    assert (await client.get(url, headers=auth("director", director_id=director["id"]))).status_code == 200
    assert (await client.get(url, headers=auth("auditor"))).status_code == 200
    assert (await client.get(url, headers=auth("trust_hr", org="RRV"))).status_code == 404


# --- qualifications ----------------------------------------------------------------------------------------


async def test_qualification_lifecycle(client: httpx.AsyncClient, hr: dict[str, str], director: dict[str, Any]) -> None:
    url = f"/v1/directors/{director['id']}/qualifications"
    response = await client.post(
        url,
        json={
            "title": "MBA",
            "awarding_body": "Open University",
            "level": "RQF level 7",
            "awarded_on": "2012-07-01",
            "evidence_reference": "HR/FPPT/2025/0042",
        },
        headers=hr,
    )
    assert response.status_code == 201, response.text
    qid = response.json()["id"]
    assert response.json()["verified"] is False
    verified = await client.patch(
        f"{url}/{qid}",
        json={"verified": True, "verified_by": "Company secretary", "verified_on": days(0)},
        headers={**hr, "If-Match": '"1"'},
    )
    assert verified.status_code == 200 and verified.json()["verified"] is True
    assert [q["title"] for q in (await client.get(url, headers=hr)).json()] == ["MBA"]


async def test_qualification_cannot_be_awarded_in_the_future_or_carry_a_document(
    client: httpx.AsyncClient, hr: dict[str, str], director: dict[str, Any]
) -> None:
    url = f"/v1/directors/{director['id']}/qualifications"
    future = await client.post(url, json={"title": "MSc", "awarding_body": "UCL", "awarded_on": days(30)}, headers=hr)
    assert future.status_code == 400
    document = await client.post(
        url, json={"title": "MSc", "awarding_body": "UCL", "certificate_pdf": "JVBERi0xLjQK"}, headers=hr
    )
    assert document.status_code == 400
    assert document.json()["errors"][0]["field"] == "certificate_pdf"


# --- employment --------------------------------------------------------------------------------------------


async def test_trust_records_a_role_elsewhere_for_its_own_director(
    client: httpx.AsyncClient, hr: dict[str, str], director: dict[str, Any]
) -> None:
    response = await client.post(
        f"/v1/directors/{director['id']}/employment",
        json={
            "kind": "role",
            "employer_name": "Acme Health Ltd",
            "role_title": "Operations director",
            "start_date": "2016-01-04",
            "end_date": "2023-12-31",
            "reason_for_leaving": "Appointed CEO",
        },
        headers=hr,
    )
    assert response.status_code == 201, response.text
    entries = (await client.get(f"/v1/directors/{director['id']}/employment", headers=hr)).json()
    assert [e["kind"] for e in entries] == ["role", "board_appointment"]


async def test_board_fields_on_a_plain_role_are_refused(
    client: httpx.AsyncClient, hr: dict[str, str], director: dict[str, Any]
) -> None:
    response = await client.post(
        f"/v1/directors/{director['id']}/employment",
        json={
            "kind": "role",
            "employer_name": "Acme",
            "role_title": "Manager",
            "start_date": "2015-01-01",
            "board_role": "chair",
        },
        headers=hr,
    )
    assert response.status_code == 400
    assert "board appointments only" in response.json()["detail"]


async def test_entry_starting_beyond_the_window_is_refused(
    client: httpx.AsyncClient, hr: dict[str, str], director: dict[str, Any], db: AsyncSession
) -> None:
    before = await count(db, EmploymentRecord)
    response = await client.post(
        f"/v1/directors/{director['id']}/employment",
        json={"kind": "role", "employer_name": "Acme", "role_title": "Adviser", "start_date": days(91)},
        headers=hr,
    )
    assert response.status_code == 422
    assert "at most 90 days ahead" in response.json()["detail"]
    assert await count(db, EmploymentRecord) == before
    soon = await client.post(
        f"/v1/directors/{director['id']}/employment",
        json={"kind": "role", "employer_name": "Acme", "role_title": "Adviser", "start_date": days(90)},
        headers=hr,
    )
    assert soon.status_code == 201


async def test_unknown_organisation_is_refused(
    client: httpx.AsyncClient, hr: dict[str, str], director: dict[str, Any]
) -> None:
    response = await client.post(
        f"/v1/directors/{director['id']}/employment",
        json={
            "kind": "board_appointment",
            "ods_code": "RZZ",
            "board_role": "non_executive_director",
            "start_date": "2010-01-01",
            "end_date": "2012-01-01",
        },
        headers=hr,
    )
    assert response.status_code == 422
    assert "RZZ" in response.json()["detail"]


async def test_overlapping_board_appointments_need_joint_or_shared(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    # A current seat at another trust is that trust's (or a regulator's) to record: a regulator records them here.
    hr = auth("regulator")
    director = await create_director(
        "RJ1", appointment={"board_role": "chair", "appointment_type": "joint", "start_date": "2024-01-01"}
    )
    url = f"/v1/directors/{director['id']}/employment"
    permanent = {
        "kind": "board_appointment",
        "ods_code": "RRV",
        "board_role": "chair",
        "appointment_type": "permanent",
        "start_date": "2025-01-01",
    }
    refused = await client.post(url, json=permanent, headers=hr)
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["overlapping_ids"] and "joint or shared" in problem["detail"]
    joint = await client.post(url, json={**permanent, "appointment_type": "joint"}, headers=hr)
    assert joint.status_code == 201, joint.text
    earlier = await client.post(
        url, json={**permanent, "start_date": "2019-01-01", "end_date": "2023-12-31"}, headers=hr
    )
    assert earlier.status_code == 201


async def test_correcting_an_entry_to_end_before_it_starts_is_refused(
    client: httpx.AsyncClient, hr: dict[str, str], director: dict[str, Any]
) -> None:
    [entry] = (await client.get(f"/v1/directors/{director['id']}/employment", headers=hr)).json()
    response = await client.patch(
        f"/v1/directors/{director['id']}/employment/{entry['id']}",
        json={"end_date": "2023-01-01"},
        headers={**hr, "If-Match": '"1"'},
    )
    assert response.status_code == 422
    assert "end before it starts" in response.json()["detail"]


async def test_ending_the_appointment_ends_the_trusts_access(
    client: httpx.AsyncClient, hr: dict[str, str], director: dict[str, Any]
) -> None:
    [entry] = (await client.get(f"/v1/directors/{director['id']}/employment", headers=hr)).json()
    ended = await client.patch(
        f"/v1/directors/{director['id']}/employment/{entry['id']}",
        json={"end_date": days(-1), "reason_for_leaving": "Retired"},
        headers={**hr, "If-Match": '"1"'},
    )
    assert ended.status_code == 200, ended.text
    assert (await client.get(f"/v1/directors/{director['id']}", headers=hr)).status_code == 404


async def test_the_trusts_write_access_ends_the_day_after_the_appointment_does(
    client: httpx.AsyncClient, auth: TokenFactory, hr: dict[str, str], director: dict[str, Any]
) -> None:
    """The write-side visibility check is compiled once per kind of caller; the day it was compiled on must not
    outlive that day (the service runs for weeks)."""
    url = f"/v1/directors/{director['id']}/employment"
    [entry] = (await client.get(url, headers=hr)).json()
    ending = await client.patch(
        f"{url}/{entry['id']}",
        json={"end_date": days(0), "reason_for_leaving": "Retired"},
        headers={**hr, "If-Match": '"1"'},
    )
    assert ending.status_code == 200, ending.text
    role = {"kind": "role", "employer_name": "Leeds Health Ltd", "role_title": "Adviser", "start_date": "2010-01-04"}
    today = await client.post(url, json={**role, "end_date": "2011-01-03"}, headers=hr)
    assert today.status_code == 201, "the appointment ends today: still the trust's director"
    tomorrow = dt.datetime.combine(TODAY + dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)
    with time_machine.travel(tomorrow, tick=False):
        refused = await client.post(url, json={**role, "end_date": "2011-06-30"}, headers=auth(**HR))
    assert refused.status_code == 404, refused.text


async def test_other_trust_cannot_add_to_a_director_it_does_not_employ(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any]
) -> None:
    response = await client.post(
        f"/v1/directors/{director['id']}/employment",
        json={
            "kind": "board_appointment",
            "ods_code": "RRV",
            "board_role": "non_executive_director",
            "appointment_type": "joint",
            "start_date": days(10),
        },
        headers=auth("trust_hr", org="RRV"),
    )
    assert response.status_code == 404


async def test_regulator_records_an_appointment_that_makes_the_director_the_new_trusts(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    director = await create_director(
        "RJ1",
        appointment={"board_role": "non_executive_director", "appointment_type": "shared", "start_date": "2023-01-01"},
    )
    new_trust = auth("trust_hr", org="RRV")
    assert (await client.get(f"/v1/directors/{director['id']}", headers=new_trust)).status_code == 404
    response = await client.post(
        f"/v1/directors/{director['id']}/employment",
        json={
            "kind": "board_appointment",
            "ods_code": "RRV",
            "board_role": "non_executive_director",
            "appointment_type": "shared",
            "start_date": days(14),
        },
        headers=auth("regulator"),
    )
    assert response.status_code == 201, response.text
    assert (await client.get(f"/v1/directors/{director['id']}", headers=new_trust)).status_code == 200


async def test_regulator_does_not_record_plain_roles(
    client: httpx.AsyncClient, auth: TokenFactory, director: dict[str, Any]
) -> None:
    response = await client.post(
        f"/v1/directors/{director['id']}/employment",
        json={"kind": "role", "employer_name": "Acme", "role_title": "Adviser", "start_date": "2015-01-01"},
        headers=auth("regulator"),
    )
    assert response.status_code == 403


async def test_as_of_lists_employment_as_it_stood(
    client: httpx.AsyncClient, hr: dict[str, str], director: dict[str, Any], db: AsyncSession
) -> None:
    [entry] = (await client.get(f"/v1/directors/{director['id']}/employment", headers=hr)).json()
    await db.execute(
        sa.update(RecordVersion)
        .where(col(RecordVersion.director_id) == director["id"])
        .values(changed_at=sa.func.now() - dt.timedelta(hours=2))
    )
    await db.commit()
    await client.patch(
        f"/v1/directors/{director['id']}/employment/{entry['id']}",
        json={"role_title": "Chief executive officer"},
        headers={**hr, "If-Match": '"1"'},
    )
    an_hour_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
    old = await client.get(f"/v1/directors/{director['id']}/employment", params={"as_of": an_hour_ago}, headers=hr)
    assert [e["role_title"] for e in old.json()] == ["Chief executive"]
    now = await client.get(f"/v1/directors/{director['id']}/employment", headers=hr)
    assert [e["role_title"] for e in now.json()] == ["Chief executive officer"]


# --- coverage ----------------------------------------------------------------------------------------------


async def test_coverage_shows_unexplained_gap_until_it_is_explained(
    client: httpx.AsyncClient, hr: dict[str, str], create_director: CreateDirector
) -> None:
    director = await create_director("RJ1", appointment={"board_role": "chief_executive", "start_date": days(-365)})
    base = f"/v1/directors/{director['id']}"
    await client.post(
        f"{base}/employment",
        json={
            "kind": "role",
            "employer_name": "Acme",
            "role_title": "COO",
            "start_date": "2015-01-01",
            "end_date": days(-366 - 60),
        },
        headers=hr,
    )
    coverage = (await client.get(f"{base}/employment/coverage", headers=hr)).json()
    assert coverage["years"] == 6 and coverage["gap_threshold_days"] == 28
    [gap] = coverage["gaps"]
    assert gap["days"] == 60 and gap["explained"] is False
    assert coverage["complete"] is False
    explained = await client.post(
        f"{base}/employment/gap-explanations",
        json={"start_date": gap["start"], "end_date": gap["end"], "reason": "Career break"},
        headers=hr,
    )
    assert explained.status_code == 201, explained.text
    after = (await client.get(f"{base}/employment/coverage?years=6", headers=hr)).json()
    assert after["gaps"][0]["explained"] is True
    assert after["gaps"][0]["explanation_ids"] == [explained.json()["id"]]
    assert after["complete"] is True


async def test_coverage_years_must_be_sensible(
    client: httpx.AsyncClient, hr: dict[str, str], director: dict[str, Any]
) -> None:
    response = await client.get(f"/v1/directors/{director['id']}/employment/coverage?years=0", headers=hr)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "years"


# --- versions ----------------------------------------------------------------------------------------------


async def test_versions_list_the_whole_file_history_page_by_page(
    client: httpx.AsyncClient, hr: dict[str, str], auth: TokenFactory, director: dict[str, Any]
) -> None:
    base = f"/v1/directors/{director['id']}"
    await client.patch(base, json={"given_name": "Renamed"}, headers={**hr, "If-Match": '"1"'})
    seen: list[tuple[str, int, str]] = []
    url: str | None = f"{base}/versions?limit=1"
    while url:
        page = (await client.get(url, headers=hr)).json()
        seen += [(v["record_type"], v["version"], v["change"]) for v in page["items"]]
        url = page["next"]
    assert seen == [("director", 1, "created"), ("employment", 1, "created"), ("director", 2, "updated")]
    assert (await client.get(f"{base}/versions", headers=auth("trust_hr", org="RRV"))).status_code == 404


async def test_concurrent_changes_to_an_employment_entry_let_one_win(
    committed_client: httpx.AsyncClient, auth: TokenFactory, committed_director: dict[str, Any]
) -> None:
    hr = auth("trust_hr", org="RJ1")
    base = f"/v1/directors/{committed_director['id']}/employment"
    [entry] = (await committed_client.get(base, headers=hr)).json()
    results = await asyncio.gather(
        *(
            committed_client.patch(
                f"{base}/{entry['id']}", json={"role_title": f"Title {i}"}, headers={**hr, "If-Match": '"1"'}
            )
            for i in range(3)
        )
    )
    assert sorted(r.status_code for r in results) == [200, 412, 412]


@pytest.mark.parametrize(
    ("segment", "body"),
    [
        (
            "employment",
            {
                "kind": "role",
                "employer_name": "Acme Health Ltd",
                "role_title": "Adviser",
                "start_date": "2016-01-04",
                "end_date": "2016-06-30",
            },
        ),
        (
            "qualifications",
            {"title": "MBA", "awarding_body": "Open University", "level": "postgraduate", "awarded_on": "2010-07-01"},
        ),
        ("registrations", {"body": "GMC", "number": "7654321"}),
    ],
)
async def test_a_new_part_returns_and_versions_exactly_what_was_stored(
    client: httpx.AsyncClient,
    db: AsyncSession,
    hr: dict[str, str],
    director: dict[str, Any],
    segment: str,
    body: dict[str, Any],
) -> None:
    """The part, its first version and its audit event are written in one statement: the version holds the
    stored row as ``snapshot`` writes it (timestamps included), and the response is that row."""
    response = await client.post(f"/v1/directors/{director['id']}/{segment}", json=body, headers=hr)
    assert response.status_code == 201, response.text
    created = response.json()
    [version] = (
        await db.execute(sa.select(RecordVersion).where(col(RecordVersion.record_id) == created["id"]))
    ).scalars()
    model: dict[str, type[SQLModel]] = {
        "employment": EmploymentRecord,
        "qualifications": Qualification,
        "registrations": ProfessionalRegistration,
    }
    stored: SQLModel | None = await db.get(model[segment], uuid.UUID(created["id"]))
    assert stored is not None
    assert version.data == snapshot(stored)
    assert (version.version, version.change, version.changed_by) == (1, "created", "trust_hr-user")
    assert {k: created[k] for k in body} == {k: version.data[k] for k in body}
    events = await db.execute(sa.select(col(AuditEvent.action)).where(col(AuditEvent.record_id) == created["id"]))
    assert list(events.scalars()) == [f"{version.record_type}.create"]
