"""Hiring: candidate checks, the summary view and its flags, access windows, and the BMR workflow."""

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.assessments.models import Assessment, AssessmentKind, AssessmentOutcome, AssessmentStatus
from register.audit.models import AuditEvent
from register.candidates.models import CandidateCheck
from register.migrate import PROJECT_ROOT
from schemas.references import BmrAnswers, BmrCompetence, BmrContent
from tests.conftest import TokenFactory

CreateDirector = Callable[..., Any]
TODAY = dt.date.today()
VACANCY = {"board_role": "chief_executive", "title": "Chief Executive"}


def days(n: int) -> str:
    return (TODAY + dt.timedelta(days=n)).isoformat()


def bmr(**overrides: Any) -> dict[str, Any]:
    no = {"answer": False}
    body: dict[str, Any] = {
        "answers": {
            q: no
            for q in (
                "upheld_disciplinary_findings",
                "ongoing_disciplinary_processes",
                "grievances_against_them",
                "whistleblowing_concerns_about_conduct",
                "serious_misconduct_or_mismanagement",
                "schedule_4_matters",
                "settlement_agreements",
            )
        },
        "competence": {
            d: {"rating": "met"}
            for d in (
                "high_quality_outcomes",
                "strategy_and_transformation",
                "equality_and_inclusion",
                "governance_and_assurance",
                "compassionate_culture",
                "partners_and_communities",
            )
        },
        "signatory_name": "Pat Jones",
        "signatory_role": "Chair",
        "signed_on": days(0),
    }
    body.update(overrides)
    return body


async def sign_off_annual(db: AsyncSession, director_id: str, ods: str, on: dt.date) -> None:
    db.add(
        Assessment(
            director_id=uuid.UUID(director_id),
            ods_code=ods,
            kind=AssessmentKind.ANNUAL,
            status=AssessmentStatus.SIGNED_OFF,
            year=on.year,
            outcome=AssessmentOutcome.FIT_AND_PROPER,
            prepared_by="hr",
            summary="Internal notes",
            mitigations="Private mitigation",
            signed_off_at=dt.datetime.combine(on, dt.time(12), dt.UTC),
            signed_off_by="chair",
            version=1,
        )
    )
    await db.commit()


@pytest.fixture
async def candidate(create_director: CreateDirector, db: AsyncSession) -> dict[str, Any]:
    """A clean candidate: CEO at RRV since 2015, GMC registered, annual assessment signed last month."""
    data: dict[str, Any] = await create_director(
        "RRV",
        given_name="Zoë",
        family_name="Ní Bhriain",
        date_of_birth="1969-09-09",
        former_names=[{"given_name": "Zoe", "family_name": "Walsh"}],
        registrations=[{"body": "GMC", "number": "4567891"}],
        appointment={"board_role": "chief_executive", "start_date": "2015-01-05"},
    )
    await sign_off_annual(db, data["id"], "RRV", TODAY - dt.timedelta(days=30))
    return data


async def check(client: httpx.AsyncClient, auth: TokenFactory, org: str = "RJ1", **who: Any) -> httpx.Response:
    return await client.post(
        "/v1/candidate-checks",
        json={**who, "purpose": "Shortlisting for chief executive", "vacancy": VACANCY},
        headers=auth("trust_hr", org=org, sub=f"hr-{org.lower()}"),
    )


async def flags(client: httpx.AsyncClient, auth: TokenFactory, director_id: str) -> list[str]:
    response = await check(client, auth, director_id=director_id)
    assert response.status_code == 201, response.text
    return [f["code"] for f in response.json()["summary"]["flags"]]


@pytest.mark.parametrize(
    "who",
    [
        {"registration": {"body": "GMC", "number": "4567891"}},
        {"given_name": "ZOE", "family_name": "ni  bhriain", "date_of_birth": "1969-09-09"},
        {"given_name": "Zoe", "family_name": "Walsh", "date_of_birth": "1969-09-09"},
    ],
)
async def test_candidate_check_by_each_identifier_records_the_check(
    client: httpx.AsyncClient, auth: TokenFactory, candidate: dict[str, Any], db: AsyncSession, who: dict[str, Any]
) -> None:
    response = await check(client, auth, **who)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["summary"]["identity"]["id"] == candidate["id"]
    assert body["check"]["checking_org"] == "RJ1" and body["check"]["purpose"] == "Shortlisting for chief executive"
    stored = (await db.execute(sa.select(CandidateCheck))).scalars().one()
    assert stored.checked_by == "hr-rj1"
    audit = await db.execute(
        sa.select(col(AuditEvent.detail)).where(col(AuditEvent.action) == "candidate_check.create")
    )
    assert audit.scalar_one()["purpose"] == "Shortlisting for chief executive"


async def test_candidate_check_by_register_id(
    client: httpx.AsyncClient, auth: TokenFactory, candidate: dict[str, Any]
) -> None:
    assert (await check(client, auth, director_id=candidate["id"])).status_code == 201


async def test_no_match_and_near_match_are_indistinguishable(
    client: httpx.AsyncClient, auth: TokenFactory, candidate: dict[str, Any]
) -> None:
    near = await check(client, auth, given_name="Zoë", family_name="Ní Bhriain", date_of_birth="1969-09-10")
    none = await check(client, auth, given_name="Nobody", family_name="Atall", date_of_birth="1980-01-01")
    typo = await check(client, auth, registration={"body": "GMC", "number": "4567892"})
    assert near.status_code == none.status_code == typo.status_code == 404

    def strip(r: httpx.Response) -> dict[str, Any]:
        return {k: v for k, v in r.json().items() if k not in ("request_id",)}

    assert strip(near) == strip(none) == strip(typo)


async def test_summary_never_carries_restricted_fields(
    client: httpx.AsyncClient, auth: TokenFactory, candidate: dict[str, Any], db: AsyncSession
) -> None:
    db.add(
        Assessment(
            director_id=candidate["id"],
            ods_code="RRV",
            kind=AssessmentKind.TRIGGERED,
            status=AssessmentStatus.DRAFT,
            year=TODAY.year,
            prepared_by="hr",
            summary="draft notes",
            version=1,
        )
    )
    await db.commit()
    summary = (await check(client, auth, director_id=candidate["id"])).json()["summary"]
    assert set(summary) == {
        "flags",
        "identity",
        "employment",
        "coverage",
        "qualifications",
        "assessments",
        "upheld_findings",
        "open_investigations",
        "bar",
        "references",
        "statements",
    }
    assert set(summary["assessments"][0]) == {"id", "kind", "year", "ods_code", "outcome", "signed_off_on"}
    assert len(summary["assessments"]) == 1  # the draft is not shown
    text = str(summary)
    for restricted in (
        "evidence_reference",
        "notes",
        "mitigations",
        "outcome_reason",
        "Internal notes",
        "Private mitigation",
        "draft notes",
        "dbs",
        "medical",
    ):
        assert restricted not in text


async def test_clean_candidate_has_no_flags(
    client: httpx.AsyncClient, auth: TokenFactory, candidate: dict[str, Any]
) -> None:
    assert await flags(client, auth, candidate["id"]) == []


async def test_each_flag_is_raised_by_its_cause(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    candidate: dict[str, Any],
    create_director: CreateDirector,
    db: AsyncSession,
) -> None:
    base = f"/v1/directors/{candidate['id']}"
    regulator = auth("regulator")
    # a registration not in good standing
    [registration] = candidate["registrations"]
    await client.patch(
        f"{base}/registrations/{registration['id']}",
        json={"status": "with_conditions"},
        headers={**auth("trust_hr", org="RRV"), "If-Match": '"1"'},
    )
    assert await flags(client, auth, candidate["id"]) == ["registration_not_in_good_standing"]
    # an open investigation
    await client.post(
        f"{base}/findings",
        headers=regulator,
        json={"finding_type": "serious_misconduct", "summary": "Concern raised by the CQC.", "reported_on": days(-10)},
    )
    assert await flags(client, auth, candidate["id"]) == ["open_investigation", "registration_not_in_good_standing"]

    barred = await create_director("RRV", appointment={"board_role": "chair", "start_date": "2015-01-01"})
    await sign_off_annual(db, barred["id"], "RRV", TODAY - dt.timedelta(days=30))
    await client.post(
        f"/v1/directors/{barred['id']}/findings",
        headers=regulator,
        json={
            "finding_type": "barring_decision",
            "status": "upheld",
            "summary": "Barred by the barring body.",
            "reported_on": days(-60),
            "decided_on": days(-5),
            "bar_start": days(-5),
        },
    )
    assert await flags(client, auth, barred["id"]) == ["barred"]

    gap = await create_director("RRV", appointment={"board_role": "chair", "start_date": days(-700)})
    await sign_off_annual(db, gap["id"], "RRV", TODAY - dt.timedelta(days=30))
    assert await flags(client, auth, gap["id"]) == ["unexplained_gap"]

    stale = await create_director("RRV", appointment={"board_role": "chair", "start_date": "2015-01-01"})
    await sign_off_annual(db, stale["id"], "RRV", TODAY - dt.timedelta(days=470))
    assert await flags(client, auth, stale["id"]) == ["stale_annual_assessment"]


async def test_previous_board_role_without_bmr_is_flagged_until_the_leaver_bmr_is_written(
    client: httpx.AsyncClient, auth: TokenFactory, candidate: dict[str, Any]
) -> None:
    hr_rrv = auth("trust_hr", org="RRV")
    past = await client.post(
        f"/v1/directors/{candidate['id']}/employment",
        headers=hr_rrv,
        json={
            "kind": "board_appointment",
            "ods_code": "RTH",
            "board_role": "executive_director",
            "portfolio": "finance",
            "start_date": "2009-01-01",
            "end_date": "2014-12-31",
        },
    )
    assert past.status_code == 201, past.text
    assert await flags(client, auth, candidate["id"]) == ["board_role_without_reference"]
    hr_rth = auth("trust_hr", org="RTH")
    due = (await client.get("/v1/organisations/RTH/references/due", headers=hr_rth)).json()
    assert [d["employment_id"] for d in due] == [past.json()["id"]]
    written = await client.post(
        "/v1/organisations/RTH/references", headers=hr_rth, json={**bmr(), "employment_id": past.json()["id"]}
    )
    assert written.status_code == 201, written.text
    assert written.json()["kind"] == "leaver"
    assert (await client.get("/v1/organisations/RTH/references/due", headers=hr_rth)).json() == []
    assert await flags(client, auth, candidate["id"]) == []
    summary = (await check(client, auth, director_id=candidate["id"])).json()["summary"]
    assert [r["providing_org"] for r in summary["references"]] == ["RTH"]


async def test_access_window_opens_with_the_check_and_closes_after_it(
    client: httpx.AsyncClient, auth: TokenFactory, candidate: dict[str, Any]
) -> None:
    hr = auth("trust_hr", org="RJ1")
    url = f"/v1/directors/{candidate['id']}/summary"
    assert (await client.get(url, headers=hr)).status_code == 404
    assert (await check(client, auth, director_id=candidate["id"])).status_code == 201
    assert (await client.get(url, headers=hr)).status_code == 200
    assert (await client.get(f"/v1/directors/{candidate['id']}", headers=hr)).status_code == 404  # summary only
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=91), tick=False):
        late = auth("trust_hr", org="RJ1")
        assert (await client.get(url, headers=late)).status_code == 404


async def test_checking_trust_appoints_the_candidate_and_sees_the_full_file(
    client: httpx.AsyncClient, auth: TokenFactory, candidate: dict[str, Any]
) -> None:
    hr = auth("trust_hr", org="RJ1")
    appointment = {
        "kind": "board_appointment",
        "ods_code": "RJ1",
        "board_role": "chief_executive",
        "appointment_type": "joint",
        "start_date": days(30),
    }
    before = await client.post(f"/v1/directors/{candidate['id']}/employment", json=appointment, headers=hr)
    assert before.status_code == 404
    await check(client, auth, director_id=candidate["id"])
    elsewhere = await client.post(
        f"/v1/directors/{candidate['id']}/employment", json={**appointment, "ods_code": "RTH"}, headers=hr
    )
    assert elsewhere.status_code == 404
    # The candidate's current CEO post is permanent, so a second seat must be typed joint on both sides.
    refused = await client.post(f"/v1/directors/{candidate['id']}/employment", json=appointment, headers=hr)
    assert refused.status_code == 422
    hr_rrv = auth("trust_hr", org="RRV")
    [current] = (await client.get(f"/v1/directors/{candidate['id']}/employment", headers=hr_rrv)).json()
    await client.patch(
        f"/v1/directors/{candidate['id']}/employment/{current['id']}",
        headers={**hr_rrv, "If-Match": '"1"'},
        json={"end_date": days(29), "reason_for_leaving": "Appointed elsewhere"},
    )
    appointed = await client.post(f"/v1/directors/{candidate['id']}/employment", json=appointment, headers=hr)
    assert appointed.status_code == 201, appointed.text
    assert (await client.get(f"/v1/directors/{candidate['id']}", headers=hr)).status_code == 200


async def test_director_sees_every_check_made_on_them(
    client: httpx.AsyncClient, auth: TokenFactory, candidate: dict[str, Any]
) -> None:
    await check(client, auth, director_id=candidate["id"])
    await check(client, auth, org="RTH", director_id=candidate["id"])
    mine = await client.get("/v1/me/candidate-checks", headers=auth("director", director_id=candidate["id"]))
    assert sorted(c["checking_org"] for c in mine.json()) == ["RJ1", "RTH"]


# --- Board Member References ---------------------------------------------------------------------------------


@pytest.fixture
async def past_role(client: httpx.AsyncClient, auth: TokenFactory, candidate: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(
        f"/v1/directors/{candidate['id']}/employment",
        headers=auth("trust_hr", org="RRV"),
        json={
            "kind": "board_appointment",
            "ods_code": "RTH",
            "board_role": "executive_director",
            "portfolio": "nursing",
            "start_date": "2010-01-01",
            "end_date": "2014-12-31",
        },
    )
    data: dict[str, Any] = response.json()
    return data


async def ask(client: httpx.AsyncClient, auth: TokenFactory, candidate: dict[str, Any], role: dict[str, Any]) -> Any:
    return await client.post(
        "/v1/reference-requests",
        headers=auth("trust_hr", org="RJ1"),
        json={"director_id": candidate["id"], "employment_id": role["id"]},
    )


async def test_reference_needs_a_candidate_check_first(
    client: httpx.AsyncClient, auth: TokenFactory, candidate: dict[str, Any], past_role: dict[str, Any]
) -> None:
    assert (await ask(client, auth, candidate, past_role)).status_code == 404


async def test_request_answered_by_the_named_organisation(
    client: httpx.AsyncClient, auth: TokenFactory, candidate: dict[str, Any], past_role: dict[str, Any]
) -> None:
    await check(client, auth, director_id=candidate["id"])
    asked = await ask(client, auth, candidate, past_role)
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert request["providing_org"] == "RTH" and request["status"] == "open"
    assert (await ask(client, auth, candidate, past_role)).status_code == 409
    hr_rth = auth("trust_hr", org="RTH")
    incoming = (await client.get("/v1/reference-requests?direction=incoming&status=open", headers=hr_rth)).json()
    assert [r["id"] for r in incoming["items"]] == [request["id"]]
    not_them = await client.post(
        f"/v1/reference-requests/{request['id']}/answer",
        json=bmr(),
        headers={**auth("trust_hr", org="RJ1"), "If-Match": '"1"'},
    )
    assert not_them.status_code == 403
    stranger = await client.post(
        f"/v1/reference-requests/{request['id']}/answer",
        json=bmr(),
        headers={**auth("trust_hr", org="RRV"), "If-Match": '"1"'},
    )
    assert stranger.status_code == 404
    yes_without_detail = bmr()
    yes_without_detail["answers"]["settlement_agreements"] = {"answer": True}
    invalid = await client.post(
        f"/v1/reference-requests/{request['id']}/answer", json=yes_without_detail, headers={**hr_rth, "If-Match": '"1"'}
    )
    assert invalid.status_code == 400
    content = bmr()
    content["answers"]["settlement_agreements"] = {"answer": True, "detail": "Settlement on leaving, 2014."}
    content["answers"]["grievances_against_them"] = {"answer": True, "detail": "One grievance, not upheld."}
    answered = await client.post(
        f"/v1/reference-requests/{request['id']}/answer", json=content, headers={**hr_rth, "If-Match": '"1"'}
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["request"]["status"] == "answered"
    reference = answered.json()["reference"]
    assert reference["answers"]["grievances_against_them"]["answer"] is True  # not suppressed by the settlement
    again = await client.post(
        f"/v1/reference-requests/{request['id']}/decline",
        json={"reason": "late"},
        headers={**hr_rth, "If-Match": '"2"'},
    )
    assert again.status_code == 409
    outgoing = await client.get(f"/v1/reference-requests/{request['id']}", headers=auth("trust_hr", org="RJ1"))
    assert outgoing.json()["status"] == "answered" and outgoing.json()["reference_id"] == reference["id"]


async def test_decline_and_withdraw(
    client: httpx.AsyncClient, auth: TokenFactory, candidate: dict[str, Any], past_role: dict[str, Any]
) -> None:
    await check(client, auth, director_id=candidate["id"])
    first = (await ask(client, auth, candidate, past_role)).json()
    declined = await client.post(
        f"/v1/reference-requests/{first['id']}/decline",
        json={"reason": "No records kept"},
        headers={**auth("trust_hr", org="RTH"), "If-Match": '"1"'},
    )
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert declined.json()["closed_reason"] == "No records kept"
    second = (await ask(client, auth, candidate, past_role)).json()
    by_provider = await client.post(
        f"/v1/reference-requests/{second['id']}/withdraw",
        json={"reason": "x" * 5},
        headers={**auth("trust_hr", org="RTH"), "If-Match": '"1"'},
    )
    assert by_provider.status_code == 403
    withdrawn = await client.post(
        f"/v1/reference-requests/{second['id']}/withdraw",
        json={"reason": "Post filled"},
        headers={**auth("trust_hr", org="RJ1"), "If-Match": '"1"'},
    )
    assert withdrawn.json()["status"] == "withdrawn"


async def test_open_request_expires_after_its_answer_by_date(
    client: httpx.AsyncClient, auth: TokenFactory, candidate: dict[str, Any], past_role: dict[str, Any]
) -> None:
    await check(client, auth, director_id=candidate["id"])
    request = (await ask(client, auth, candidate, past_role)).json()
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=29), tick=False):
        hr_rth = auth("trust_hr", org="RTH")
        read = await client.get(f"/v1/reference-requests/{request['id']}", headers=hr_rth)
        assert read.json()["status"] == "expired"
        late = await client.post(
            f"/v1/reference-requests/{request['id']}/answer",
            json=bmr(signed_on=days(1)),
            headers={**hr_rth, "If-Match": '"1"'},
        )
        assert late.status_code == 409


async def test_director_reads_bmrs_adds_a_statement_and_a_correction_keeps_history(
    client: httpx.AsyncClient, auth: TokenFactory, candidate: dict[str, Any], past_role: dict[str, Any]
) -> None:
    hr_rth = auth("trust_hr", org="RTH")
    reference = (
        await client.post(
            "/v1/organisations/RTH/references", headers=hr_rth, json={**bmr(), "employment_id": past_role["id"]}
        )
    ).json()
    me = auth("director", director_id=candidate["id"])
    await client.post(
        f"/v1/directors/{candidate['id']}/statements",
        headers=me,
        json={
            "about_record_type": "reference",
            "about_record_id": reference["id"],
            "text": "I agree with this reference.",
        },
    )
    mine = (await client.get(f"/v1/directors/{candidate['id']}/references", headers=me)).json()
    assert mine[0]["statements"][0]["text"] == "I agree with this reference."
    corrected = await client.post(
        f"/v1/references/{reference['id']}/corrections",
        json={**bmr(signatory_role="Chief People Officer"), "reason": "Signatory's role was wrong."},
        headers={**hr_rth, "If-Match": '"1"'},
    )
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["version"] == 2 and corrected.json()["correction_reason"] == "Signatory's role was wrong."
    history = (await client.get(f"/v1/directors/{candidate['id']}/versions?record_type=reference", headers=me)).json()
    assert [(v["version"], v["data"]["signatory_role"]) for v in history["items"]] == [
        (1, "Chair"),
        (2, "Chief People Officer"),
    ]
    other_trust = await client.post(
        f"/v1/references/{reference['id']}/corrections",
        json={**bmr(), "reason": "Mine now."},
        headers={**auth("trust_hr", org="RJ1"), "If-Match": '"2"'},
    )
    assert other_trust.status_code == 404


async def test_leaver_reference_only_for_ended_appointments_of_the_own_organisation(
    client: httpx.AsyncClient, auth: TokenFactory, candidate: dict[str, Any], past_role: dict[str, Any]
) -> None:
    [current] = [e for e in candidate["appointments"]]
    ongoing = await client.post(
        "/v1/organisations/RRV/references",
        headers=auth("trust_hr", org="RRV"),
        json={**bmr(), "employment_id": current["id"]},
    )
    assert ongoing.status_code == 422
    foreign = await client.post(
        "/v1/organisations/RTH/references",
        headers=auth("trust_hr", org="RJ1"),
        json={**bmr(), "employment_id": past_role["id"]},
    )
    assert foreign.status_code == 403


async def test_subject_access_includes_checks_references_versions_and_reads(
    client: httpx.AsyncClient, auth: TokenFactory, candidate: dict[str, Any], past_role: dict[str, Any]
) -> None:
    await check(client, auth, director_id=candidate["id"])
    await client.post(
        "/v1/organisations/RTH/references",
        headers=auth("trust_hr", org="RTH"),
        json={**bmr(), "employment_id": past_role["id"]},
    )
    await client.get(
        f"/v1/directors/{candidate['id']}", headers={**auth("regulator", sub="rita"), "X-Purpose": "barring enquiry"}
    )
    me = auth("director", director_id=candidate["id"])
    record = (await client.get("/v1/me/record", headers=me)).json()
    assert record["director"]["id"] == candidate["id"]
    assert [c["checking_org"] for c in record["candidate_checks"]] == ["RJ1"]
    assert [r["providing_org"] for r in record["references"]] == ["RTH"]
    assert len(record["employment"]) == 2 and len(record["assessments"]) == 1
    assert {v["record_type"] for v in record["versions"]} >= {"director", "employment", "registration", "reference"}
    assert {"actor_sub": "rita", "purpose": "barring enquiry"}.items() <= next(
        e for e in record["access_log"] if e["action"] == "director.read"
    ).items()
    assert (await client.get("/v1/me/record", headers=auth("trust_hr", org="RRV"))).status_code == 403


async def test_checking_trust_hears_about_the_candidate_within_the_window(
    client: httpx.AsyncClient, auth: TokenFactory, candidate: dict[str, Any]
) -> None:
    hr = auth("trust_hr", org="RJ1")
    assert (await client.get("/v1/events", headers=hr)).json()["items"] == []
    await check(client, auth, director_id=candidate["id"])
    await client.post(
        f"/v1/directors/{candidate['id']}/findings",
        headers=auth("regulator"),
        json={"finding_type": "serious_misconduct", "summary": "Concern raised by the CQC.", "reported_on": days(-1)},
    )
    types = [e["type"] for e in (await client.get("/v1/events", headers=hr)).json()["items"]]
    assert "finding.recorded" in types
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=91), tick=False):
        late = auth("trust_hr", org="RJ1")
        assert (await client.get("/v1/events", headers=late)).json()["items"] == []


async def test_the_director_sees_the_purpose_a_trust_gave_for_its_candidate_check(
    client: httpx.AsyncClient, auth: TokenFactory, candidate: dict[str, Any]
) -> None:
    # Without a header, and with an X-Purpose header that says something else: the body's purpose wins.
    assert (await check(client, auth, director_id=candidate["id"])).status_code == 201
    with_header = await client.post(
        "/v1/candidate-checks",
        json={"director_id": candidate["id"], "purpose": "Longlisting for chair", "vacancy": VACANCY},
        headers={**auth("trust_hr", org="RTH", sub="hr-rth"), "X-Purpose": "routine"},
    )
    assert with_header.status_code == 201, with_header.text
    assert with_header.json()["check"]["purpose"] == "Longlisting for chair"

    me = auth("director", director_id=candidate["id"], sub="zoe")
    record = (await client.get("/v1/me/record", headers=me)).json()
    checks = [(e["actor_org"], e["purpose"]) for e in record["access_log"] if e["action"] == "candidate_check.create"]
    assert checks == [("RJ1", "Shortlisting for chief executive"), ("RTH", "Longlisting for chair")]


async def test_a_checking_trust_reading_the_full_file_is_pointed_to_the_summary(
    client: httpx.AsyncClient, auth: TokenFactory, candidate: dict[str, Any]
) -> None:
    assert (await check(client, auth, director_id=candidate["id"])).status_code == 201
    hr = auth("trust_hr", org="RJ1", sub="hr-rj1")
    summary = f"/v1/directors/{candidate['id']}/summary"
    for params in ({}, {"as_of": dt.datetime.now(dt.UTC).isoformat()}):
        response = await client.get(f"/v1/directors/{candidate['id']}", params=params, headers=hr)
        assert response.status_code == 404
        problem = response.json()
        assert problem["type"] == "/problems/not-found"
        assert problem["summary"] == summary and summary in problem["detail"]
    assert (await client.get(summary, headers=hr)).status_code == 200

    # Once the window has closed, the 404 no longer names it.
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=91), tick=False):
        closed = await client.get(f"/v1/directors/{candidate['id']}", headers=auth("trust_hr", org="RJ1"))
    assert closed.status_code == 404 and "summary" not in closed.json()


async def test_without_an_open_check_the_404_is_the_one_for_an_id_not_on_the_register(
    client: httpx.AsyncClient, auth: TokenFactory, candidate: dict[str, Any]
) -> None:
    assert (await check(client, auth, director_id=candidate["id"])).status_code == 201  # RJ1's check, not RTH's
    missing = str(uuid.uuid4())
    for headers in (auth("trust_hr", org="RTH"), auth("director", director_id=str(uuid.uuid4()))):
        same_id = {**headers, "X-Request-ID": "compare-404s"}
        unseen = await client.get(f"/v1/directors/{candidate['id']}", headers=same_id)
        absent = await client.get(f"/v1/directors/{missing}", headers=same_id)
        assert unseen.status_code == absent.status_code == 404
        assert unseen.headers["content-type"] == absent.headers["content-type"]
        assert unseen.content.replace(candidate["id"].encode(), missing.encode()) == absent.content


async def test_the_check_answers_with_its_location_and_where_to_go_next(
    client: httpx.AsyncClient, auth: TokenFactory, candidate: dict[str, Any]
) -> None:
    rrv = auth("trust_hr", org="RRV")
    role = {"kind": "role", "employer_name": "Acme Health Ltd", "role_title": "Adviser"}
    role |= {"start_date": "2010-01-04", "end_date": "2014-12-31"}
    assert (await client.post(f"/v1/directors/{candidate['id']}/employment", json=role, headers=rrv)).status_code == 201

    response = await check(client, auth, director_id=candidate["id"])
    assert response.status_code == 201, response.text
    body = response.json()
    check_id = body["check"]["id"]
    assert response.headers["location"] == f"/v1/candidate-checks/{check_id}"
    links = body["links"]
    assert links["self"] == {"href": f"/v1/candidate-checks/{check_id}", "method": "GET"}
    assert links["summary"] == {"href": f"/v1/directors/{candidate['id']}/summary", "method": "GET"}
    board = [e for e in body["summary"]["employment"] if e["kind"] == "board_appointment"]
    assert len(body["summary"]["employment"]) == 2 and len(board) == 1  # a BMR is for board appointments only
    [ask] = links["request_reference"]
    assert ask["employment_id"] == board[0]["id"] and ask["providing_org"] == "RRV"
    assert ask["href"] == "/v1/reference-requests" and ask["method"] == "POST"

    hr = auth("trust_hr", org="RJ1", sub="hr-rj1")
    # Every link works for the checking trust.
    shown = await client.get(response.headers["location"], headers=hr)
    assert shown.status_code == 200 and shown.json() == body["check"]
    assert (await client.get(links["summary"]["href"], headers=hr)).status_code == 200
    asked = await client.post(ask["href"], json=ask["body"], headers=hr)
    assert asked.status_code == 201, asked.text
    assert asked.json()["employment_id"] == ask["employment_id"]

    # The check is the checking trust's, the director's, and the regulators' and auditors' to read; nobody else's.
    assert (await client.get(response.headers["location"], headers=rrv)).status_code == 404
    me = auth("director", director_id=candidate["id"])
    assert (await client.get(response.headers["location"], headers=me)).status_code == 200
    assert (await client.get(response.headers["location"], headers=auth("regulator"))).status_code == 200
    assert (await client.get(response.headers["location"], headers=auth("admin"))).status_code == 403
    assert (await client.get(f"/v1/candidate-checks/{uuid.uuid4()}", headers=hr)).status_code == 404


async def test_incoming_requests_name_the_director_and_the_role_asked_about(
    client: httpx.AsyncClient, auth: TokenFactory, candidate: dict[str, Any], past_role: dict[str, Any]
) -> None:
    await check(client, auth, director_id=candidate["id"])
    asked = await ask(client, auth, candidate, past_role)
    assert asked.status_code == 201, asked.text
    hr_rth = auth("trust_hr", org="RTH")
    incoming = await client.get("/v1/reference-requests?direction=incoming&status=open", headers=hr_rth)
    [shown] = incoming.json()["items"]
    assert shown["director"] == {"given_name": "Zoë", "family_name": "Ní Bhriain"}
    appointment = shown["appointment"]
    assert appointment["role_title"] == past_role["role_title"]
    assert (appointment["board_role"], appointment["ods_code"]) == ("executive_director", "RTH")
    assert (appointment["start_date"], appointment["end_date"]) == ("2010-01-01", "2014-12-31")
    one = (await client.get(f"/v1/reference-requests/{shown['id']}", headers=hr_rth)).json()
    assert one["director"] == shown["director"] and one["appointment"] == appointment
    assert asked.json()["appointment"] == appointment


def documented_bmr() -> dict[str, Any]:
    """The worked BMR example of docs/hiring.md (its JSON block with the answers)."""
    text = (PROJECT_ROOT / "docs" / "hiring.md").read_text()
    [example] = [json.loads(b) for b in re.findall(r"```json\n(.*?)```", text, re.S) if '"answers"' in b]
    data: dict[str, Any] = example
    return data


async def test_the_documented_bmr_example_is_complete_and_accepted(
    client: httpx.AsyncClient, auth: TokenFactory, candidate: dict[str, Any], past_role: dict[str, Any]
) -> None:
    example = documented_bmr()
    assert set(example) == set(BmrContent.model_fields)
    assert set(example["answers"]) == set(BmrAnswers.model_fields)
    assert set(example["competence"]) == set(BmrCompetence.model_fields)
    assert any(a["answer"] for a in example["answers"].values())  # it shows a yes with its detail
    assert any("comment" in c for c in example["competence"].values())

    await check(client, auth, director_id=candidate["id"])
    request = (await ask(client, auth, candidate, past_role)).json()
    answered = await client.post(
        f"/v1/reference-requests/{request['id']}/answer",
        json=example,
        headers={**auth("trust_hr", org="RTH"), "If-Match": f'"{request["version"]}"'},
    )
    assert answered.status_code == 200, answered.text
    reference = answered.json()["reference"]
    assert reference["answers"] == example["answers"] | {
        k: {**v, "detail": None} for k, v in example["answers"].items() if "detail" not in v
    }
    assert {k: v["rating"] for k, v in reference["competence"].items()} == {
        k: v["rating"] for k, v in example["competence"].items()
    }
