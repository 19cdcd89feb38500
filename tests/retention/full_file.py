"""A director with one of every part of a file, made through the API (shared by subject access and retention)."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from register.checks.models import CheckType
from register.monitoring.models import Subscription, WebhookDelivery
from tests.conftest import TokenFactory
from tests.fppt_helpers import NO_TO_ALL

TODAY = dt.date.today()
NO = {"answer": False}
BMR_QUESTIONS = (
    "upheld_disciplinary_findings",
    "ongoing_disciplinary_processes",
    "grievances_against_them",
    "whistleblowing_concerns_about_conduct",
    "serious_misconduct_or_mismanagement",
    "schedule_4_matters",
    "settlement_agreements",
)
LCF_DOMAINS = (
    "high_quality_outcomes",
    "strategy_and_transformation",
    "equality_and_inclusion",
    "governance_and_assurance",
    "compassionate_culture",
    "partners_and_communities",
)
# The sections of the subject access record that a full file fills (the director row aside).
PART_SECTIONS = (
    "registrations",
    "qualifications",
    "employment",
    "gap_explanations",
    "checks",
    "attestations",
    "assessments",
    "appraisals",
    "findings",
    "statements",
    "references",
    "reference_requests",
    "candidate_checks",
    "versions",
    "events",
    "access_log",
)


def bmr() -> dict[str, Any]:
    return {
        "answers": {q: NO for q in BMR_QUESTIONS},
        "competence": {d: {"rating": "met"} for d in LCF_DOMAINS},
        "signatory_name": "Pat Jones",
        "signatory_role": "Chair",
        "signed_on": TODAY.isoformat(),
    }


async def _ok(response: httpx.Response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    data: dict[str, Any] = response.json()
    return data


async def make_full_file(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    create_director: Callable[..., Any],
    db: AsyncSession,
    *,
    date_of_birth: str = "1960-05-17",
    gmc: str = "4567891",
) -> dict[str, Any]:
    """A CEO of RRV (since 2015, before that nursing director at RTH) with every kind of record about them."""
    director: dict[str, Any] = await create_director(
        "RRV",
        given_name="Zoë",
        family_name="Ní Bhriain",
        date_of_birth=date_of_birth,
        former_names=[{"given_name": "Zoe", "family_name": "Walsh"}],
        registrations=[{"body": "GMC", "number": gmc}],
        appointment={"board_role": "chief_executive", "start_date": "2015-01-05"},
    )
    did = director["id"]
    base = f"/v1/directors/{did}"
    hr = auth("trust_hr", org="RRV", sub="hr-rrv")
    me = auth("director", director_id=did, sub=f"director-{did[-6:]}")
    regulator = auth("regulator", sub="nhse-london")

    past = await _ok(
        await client.post(
            f"{base}/employment",
            headers=hr,
            json={
                "kind": "board_appointment",
                "ods_code": "RTH",
                "board_role": "executive_director",
                "portfolio": "nursing",
                "start_date": "2010-01-01",
                "end_date": "2014-12-31",
            },
        )
    )
    await _ok(
        await client.post(
            f"{base}/employment/gap-explanations",
            headers=hr,
            json={"start_date": "2015-01-01", "end_date": "2015-01-04", "reason": "Between appointments"},
        )
    )
    await _ok(
        await client.post(
            f"{base}/qualifications",
            headers=hr,
            json={
                "title": "MBA",
                "awarding_body": "Open University",
                "level": "RQF level 7",
                "awarded_on": "2012-07-01",
            },
        )
    )
    await _ok(
        await client.post(
            f"{base}/checks",
            headers=hr,
            json={
                "check_type": CheckType.EMPLOYMENT_HISTORY.value,
                "result": "clear",
                "performed_on": TODAY.isoformat(),
                "performed_by": "Company Secretary",
                "evidence_reference": "FPPT/employment_history/1",
            },
        )
    )
    await _ok(await client.post(f"{base}/attestations", headers=me, json={"answers": NO_TO_ALL}))
    await _ok(await client.post(f"{base}/assessments", headers=hr, json={"kind": "annual"}))
    await _ok(
        await client.post(
            f"{base}/appraisals",
            headers=hr,
            json={
                "year": TODAY.year - 1,
                "appraiser_name": "Cara Chair",
                "appraiser_role": "chair",
                "ratings": dict.fromkeys(LCF_DOMAINS, "met"),
                "objectives": [
                    {
                        "description": "Sponsor the race equality network",
                        "domain": "equality_and_inclusion",
                        "equality_diversity_inclusion": True,
                    }
                ],
                "multi_source_feedback": True,
            },
        )
    )
    # A decided finding (an open one would hold up erasure).
    await _ok(
        await client.post(
            f"{base}/findings",
            headers=regulator,
            json={
                "finding_type": "disciplinary",
                "status": "upheld",
                "summary": "Failure to declare a conflict of interest.",
                "reported_on": "2013-01-10",
                "decided_on": "2013-03-01",
            },
        )
    )
    await _ok(await client.post(f"{base}/statements", headers=me, json={"text": "I declared it late, not never."}))
    await _ok(
        await client.post(
            "/v1/candidate-checks",
            headers=auth("trust_hr", org="RJ1", sub="hr-rj1"),
            json={
                "director_id": did,
                "purpose": "Shortlisting for chief executive",
                "vacancy": {"board_role": "chief_executive", "title": "Chief Executive"},
            },
        )
    )
    request = await _ok(
        await client.post(
            "/v1/reference-requests",
            headers=auth("trust_hr", org="RJ1", sub="hr-rj1"),
            json={"director_id": did, "employment_id": past["id"]},
        )
    )
    await _ok(
        await client.post(
            f"/v1/reference-requests/{request['id']}/answer",
            json=bmr(),
            headers={**auth("trust_hr", org="RTH", sub="hr-rth"), "If-Match": '"1"'},
        ),
        200,
    )
    await _ok(await client.get(base, headers={**regulator, "X-Purpose": "barring enquiry"}), 200)
    return director


async def owe_a_delivery(db: AsyncSession, event_id: int) -> None:
    """A webhook delivery of one of the director's change events to RJ1's subscription."""
    subscription = Subscription(
        ods_code="RJ1", url="https://hooks.example.org/fpp", secret="s" * 32, created_by="hr-rj1", version=1
    )
    db.add(subscription)
    await db.flush()
    assert subscription.id is not None
    db.add(WebhookDelivery(subscription_id=subscription.id, event_id=event_id, next_attempt_at=dt.datetime.now(dt.UTC)))
    await db.commit()
