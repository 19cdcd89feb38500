"""A small, complete register for the access matrix and the fuzzer, built through the API.

RJ1 has a chief executive D (with one record of every kind), a chair C and a senior independent director S;
RRV has its own director O; K is a candidate at RTH (formerly on RRV's board) whom RJ1's HR has checked.
"""

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from register.checks.models import ANNUAL_REQUIRED, OUTCOME_ONLY_TYPES, CheckType
from register.identifiers import OrganisationKind, Region
from register.organisations.models import Organisation
from register.settings import Settings
from register.tokens import sign_local_token

TODAY = dt.date.today()
YEAR = TODAY.year
Headers = dict[str, str]

ORGANISATIONS = [
    ("RJ1", "Guy's and St Thomas' NHS Foundation Trust", Region.LONDON),
    ("RRV", "University College London Hospitals NHS Foundation Trust", Region.LONDON),
    ("RTH", "Oxford University Hospitals NHS Foundation Trust", Region.SOUTH_EAST),
]
NO_TO_ALL = {
    item: {"answer": False}
    for item in (
        "undischarged_bankruptcy",
        "bankruptcy_restrictions",
        "debt_relief_order",
        "arrangement_with_creditors",
        "barred_lists",
        "prohibited_from_office",
        "convictions",
        "struck_off",
    )
}
LCF_DOMAINS = (
    "high_quality_outcomes",
    "strategy_and_transformation",
    "equality_and_inclusion",
    "governance_and_assurance",
    "compassionate_culture",
    "partners_and_communities",
)


def days(n: int) -> str:
    return (TODAY + dt.timedelta(days=n)).isoformat()


def bmr(**extra: Any) -> dict[str, Any]:
    """A clean Board Member Reference."""
    no = {"answer": False}
    return {
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
        "competence": {d: {"rating": "met"} for d in LCF_DOMAINS},
        "signatory_name": "Pat Jones",
        "signatory_role": "Chair",
        "signed_on": days(0),
        **extra,
    }


def appraisal_body(year: int = YEAR - 1) -> dict[str, Any]:
    return {
        "year": year,
        "appraiser_name": "Cara Chair",
        "appraiser_role": "chair",
        "ratings": dict.fromkeys(LCF_DOMAINS, "met"),
        "objectives": [
            {
                "description": "Sponsor the race equality network and report progress to the board",
                "domain": "equality_and_inclusion",
                "equality_diversity_inclusion": True,
            }
        ],
        "multi_source_feedback": True,
    }


def appointment(role: str, start: str = "2024-01-01", **extra: Any) -> dict[str, Any]:
    return {"board_role": role, "appointment_type": "permanent", "start_date": start, **extra}


class Tokens:
    """Bearer headers signed by the tests' local key."""

    def __init__(self, settings: Settings, keys_dir: Path) -> None:
        self.settings = settings
        self.keys_dir = keys_dir
        self._cache: dict[tuple[str, str, str | None, str | None], Headers] = {}

    def __call__(
        self, role: str, *, sub: str | None = None, org: str | None = None, director_id: Any = None
    ) -> Headers:
        key = (role, sub or f"{role}-user", org, None if director_id is None else str(director_id))
        if key not in self._cache:
            claims: dict[str, Any] = {"sub": key[1], "role": role}
            if org:
                claims["org"] = org
            if director_id is not None:
                claims["director_id"] = str(director_id)
            token = sign_local_token(
                self.keys_dir, claims, issuer=self.settings.token_issuer, audience=self.settings.token_audience
            )
            self._cache[key] = {"Authorization": f"Bearer {token}"}
        return self._cache[key]


@dataclass
class World:
    """Ids of everything built, by name (``ids["D.registration"]``), and the tokens to call with."""

    tokens: Tokens
    ids: dict[str, str] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)

    def hr(self, org: str = "RJ1") -> Headers:
        return self.tokens("trust_hr", org=org, sub=f"hr-{org.lower()}")

    def director(self, name: str) -> Headers:
        return self.tokens("director", director_id=self.ids[name], sub=f"director-{name.lower()}")

    def regulator(self) -> Headers:
        return self.tokens("regulator", sub="nhse-london")


async def add_organisations(engine: AsyncEngine) -> None:
    async with async_sessionmaker(bind=engine)() as session:
        for code, name, region in ORGANISATIONS:
            session.add(
                Organisation(ods_code=code, name=name, kind=OrganisationKind.FOUNDATION_TRUST, region=region, version=1)
            )
        await session.commit()


async def build_world(client: httpx.AsyncClient, tokens: Tokens) -> World:
    """Create the world through the API (organisations must exist already)."""
    w = World(tokens=tokens)

    async def call(method: str, url: str, headers: Headers, body: Any = None, expect: int = 201) -> Any:
        response = await client.request(method, url, json=body, headers=headers)
        assert response.status_code == expect, f"{method} {url}: {response.status_code} {response.text}"
        return response.json()

    def if_match(headers: Headers, version: int) -> Headers:
        return {**headers, "If-Match": f'"{version}"'}

    async def new_director(name: str, org: str, given: str, appt: dict[str, Any], **extra: Any) -> dict[str, Any]:
        body = {
            "given_name": given,
            "family_name": f"Matrix-{name}",
            "date_of_birth": "1970-04-12",
            "registrations": [],
            "appointment": appt,
            **extra,
        }
        data: dict[str, Any] = await call("POST", "/v1/directors", w.hr(org), body)
        w.ids[name] = data["id"]
        return data

    d = await new_director(
        "D", "RJ1", "Dana", appointment("chief_executive"), registrations=[{"body": "GMC", "number": "1234567"}]
    )
    w.ids["D.registration"] = d["registrations"][0]["id"]
    w.versions["D"] = d["version"]
    await new_director("C", "RJ1", "Cara", appointment("chair"))
    await new_director("S", "RJ1", "Sanjay", appointment("non_executive_director", senior_independent_director=True))
    await new_director("O", "RRV", "Otto", appointment("chief_executive"))
    k = await new_director(
        "K",
        "RTH",
        "Kim",
        appointment("chief_executive", "2021-01-04"),
        registrations=[{"body": "GMC", "number": "7654321"}],
    )
    w.ids["K.registration"] = k["registrations"][0]["id"]

    hr, base = w.hr(), f"/v1/directors/{w.ids['D']}"
    # D's file: a qualification, past board roles at RJ1 (one with its leaver BMR), a role elsewhere and a gap.
    w.ids["D.qualification"] = (
        await call(
            "POST",
            f"{base}/qualifications",
            hr,
            {
                "title": "MBA",
                "awarding_body": "Open University",
                "awarded_on": "2012-07-01",
                "evidence_reference": "Q/1",
            },
        )
    )["id"]
    w.ids["D.employment"] = (
        await call(
            "POST",
            f"{base}/employment",
            hr,
            {
                "kind": "role",
                "employer_name": "Acme Health Ltd",
                "role_title": "Operations director",
                "start_date": "2012-01-02",
                "end_date": "2015-12-31",
                "reason_for_leaving": "Appointed to the board",
            },
        )
    )["id"]
    past = []
    for start, end in (("2016-01-04", "2019-06-30"), ("2019-07-01", "2023-12-31")):
        body = {"kind": "board_appointment", "ods_code": "RJ1", "board_role": "executive_director"}
        body |= {"portfolio": "finance", "start_date": start, "end_date": end}
        past.append((await call("POST", f"{base}/employment", hr, body))["id"])
    w.ids["D.past_appointment_with_bmr"], w.ids["D.past_appointment"] = past
    w.ids["D.gap_explanation"] = (
        await call(
            "POST",
            f"{base}/employment/gap-explanations",
            hr,
            {"start_date": "2011-01-01", "end_date": "2011-12-31", "reason": "Career break"},
        )
    )["id"]
    w.ids["D.reference"] = (
        await call(
            "POST",
            "/v1/organisations/RJ1/references",
            hr,
            {**bmr(), "employment_id": w.ids["D.past_appointment_with_bmr"]},
        )
    )["id"]

    # FPPT checks (all the annual ones, a DBS check and a concern), an attestation, an appraisal.
    for check_type in (*ANNUAL_REQUIRED, CheckType.DBS, CheckType.MEDICAL_CLEARANCE):
        body = {"check_type": check_type.value, "result": "clear", "performed_on": days(0), "performed_by": "CoSec"}
        if check_type not in OUTCOME_ONLY_TYPES:
            body |= {"evidence_reference": f"FPPT/{check_type.value}/1", "notes": "private note"}
        w.ids[f"D.check.{check_type.value}"] = (await call("POST", f"{base}/checks", hr, body))["id"]
    w.ids["D.check"] = w.ids["D.check.training"]
    w.ids["D.check.dbs_id"] = w.ids["D.check.dbs"]
    w.ids["D.attestation"] = (await call("POST", f"{base}/attestations", w.director("D"), {"answers": NO_TO_ALL}))["id"]
    w.ids["D.appraisal"] = (await call("POST", f"{base}/appraisals", hr, appraisal_body()))["id"]

    # Assessments: one signed off, one awaiting sign-off, one draft (with private mitigations).
    signed = await call("POST", f"{base}/assessments", hr, {"kind": "annual", "summary": "All clear."})
    signed = await call(
        "POST", f"{base}/assessments/{signed['id']}/submit", if_match(hr, signed["version"]), expect=200
    )
    signed = await call(
        "POST",
        f"{base}/assessments/{signed['id']}/sign-off",
        if_match(w.director("C"), signed["version"]),
        {"outcome": "fit_and_proper"},
        expect=200,
    )
    w.ids["D.assessment.signed"] = signed["id"]
    waiting = await call(
        "POST", f"{base}/assessments", hr, {"kind": "triggered", "trigger_reason": "Media reports", "summary": "x"}
    )
    waiting = await call(
        "POST", f"{base}/assessments/{waiting['id']}/submit", if_match(hr, waiting["version"]), expect=200
    )
    w.ids["D.assessment.waiting"] = waiting["id"]
    w.versions["D.assessment.waiting"] = waiting["version"]
    draft = await call(
        "POST",
        f"{base}/assessments",
        hr,
        {"kind": "triggered", "trigger_reason": "Complaint", "summary": "draft notes", "mitigations": "secret"},
    )
    w.ids["D.assessment.draft"] = draft["id"]

    # A concern found after the sign-off (for the mitigation route).
    concern = {
        "check_type": "social_media",
        "result": "concern",
        "performed_on": days(0),
        "performed_by": "CoSec",
        "evidence_reference": "FPPT/social/1",
        "notes": "posts under review",
    }
    w.ids["D.concern_check"] = (await call("POST", f"{base}/checks", hr, concern))["id"]
    # A finding, the director's statement, a webhook subscription.
    w.ids["D.finding"] = (
        await call(
            "POST",
            f"{base}/findings",
            hr,
            {"finding_type": "disciplinary", "summary": "Bullying complaint by two staff.", "reported_on": days(-100)},
        )
    )["id"]
    w.ids["D.statement"] = (
        await call("POST", f"{base}/statements", w.director("D"), {"text": "My account of events."})
    )["id"]
    w.ids["subscription"] = (
        await call("POST", "/v1/subscriptions", hr, {"url": "https://hr.rj1.example/hooks", "secret": "s" * 32})
    )["id"]

    # K: a former RRV board member, now at RTH, checked by RJ1, who asks RRV for a BMR.
    k_past_body = {
        "kind": "board_appointment",
        "ods_code": "RRV",
        "board_role": "executive_director",
        "portfolio": "nursing",
        "start_date": "2010-01-04",
        "end_date": "2020-12-31",
    }
    k_past = await call("POST", f"/v1/directors/{w.ids['K']}/employment", w.hr("RTH"), k_past_body)
    w.ids["K.employment"] = k_past["id"]
    earlier = {**k_past_body, "start_date": "2005-01-03", "end_date": "2009-12-31", "portfolio": "people"}
    w.ids["K.earlier_employment"] = (
        await call("POST", f"/v1/directors/{w.ids['K']}/employment", w.hr("RTH"), earlier)
    )["id"]
    check = {
        "director_id": w.ids["K"],
        "purpose": "Shortlisting for chief executive",
        "vacancy": {"board_role": "chief_executive"},
    }
    w.ids["candidate_check"] = (await call("POST", "/v1/candidate-checks", hr, check))["check"]["id"]
    w.ids["reference_request"] = (
        await call("POST", "/v1/reference-requests", hr, {"director_id": w.ids["K"], "employment_id": k_past["id"]})
    )["id"]
    return w


def new_id() -> str:
    return str(uuid.uuid4())


Builder = Callable[[World], Any]
