"""Search: one-typo name matching over current and former names, ranking, filters, paging, access and audit."""

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.assessments.models import Assessment, AssessmentKind, AssessmentOutcome, AssessmentStatus
from register.audit.models import AuditEvent
from register.checks.models import CheckResult, CheckType, FpptCheck
from register.findings.models import Finding, FindingStatus, FindingType
from tests.conftest import Orgs, TokenFactory

CreateDirector = Callable[..., Any]
TODAY = dt.date.today()


_births = iter(range(1, 10_000))


def person(given: str, family: str, **extra: Any) -> dict[str, Any]:
    """A person's names, with a date of birth of their own (same name and birthday is a duplicate)."""
    born = dt.date(1960, 1, 1) + dt.timedelta(days=next(_births))
    return {"given_name": given, "family_name": family, "date_of_birth": born.isoformat(), **extra}


async def search(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> httpx.Response:
    return await client.get("/v1/directors", params=params, headers=headers)


async def names_found(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[str]:
    response = await search(client, headers, **params)
    assert response.status_code == 200, response.text
    return [f"{d['given_name']} {d['family_name']}" for d in response.json()["items"]]


@pytest.fixture
async def people(create_director: CreateDirector) -> dict[str, dict[str, Any]]:
    """A small fixed register: near-miss names across three trusts, one with a former name."""
    made = {}
    for org, given, family, extra in [
        ("RJ1", "Margaret", "Thatcher", {}),
        ("RJ1", "Margaret", "Hatcher", {}),
        ("RJ1", "Margot", "Fletcher", {}),
        ("RRV", "John", "Smith", {}),
        ("RRV", "Joan", "Smyth", {}),
        ("RTH", "Siobhán", "O'Brien-Kelly", {}),
        ("RTH", "Amara", "Okafor", {"former_names": [{"given_name": "Amara", "family_name": "Nwosu"}]}),
        ("RJ1", "Priya", "Raghunathan", {}),
    ]:
        made[f"{given} {family}"] = await create_director(org, **person(given, family), **extra)
    return made


async def test_regulator_finds_a_director_despite_one_typo_closest_first(
    client: httpx.AsyncClient, auth: TokenFactory, people: dict[str, Any]
) -> None:
    regulator = auth("regulator")
    # deletion, substitution and transposition, in the family or the given name
    assert (await names_found(client, regulator, q="Margaret Thacher"))[0] == "Margaret Thatcher"
    assert (await names_found(client, regulator, q="Margaret Thatcjer"))[0] == "Margaret Thatcher"
    assert (await names_found(client, regulator, q="Mragaret Thatcher"))[0] == "Margaret Thatcher"
    assert (await names_found(client, regulator, q="Priya Raghunathna"))[0] == "Priya Raghunathan"
    found = await names_found(client, regulator, q="Margaret Thatcher")
    assert found[:2] == ["Margaret Thatcher", "Margaret Hatcher"]
    assert "Margot Fletcher" not in found  # two typos away in each word


async def test_scores_are_returned_and_fall_down_the_page(
    client: httpx.AsyncClient, auth: TokenFactory, people: dict[str, Any]
) -> None:
    response = await search(client, auth("auditor"), q="margaret thatcher")
    items = response.json()["items"]
    assert items[0]["score"] == 1.0
    scores = [i["score"] for i in items]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < s <= 1 for s in scores)
    plain = await search(client, auth("auditor"))
    assert all(i["score"] is None for i in plain.json()["items"])


async def test_accents_punctuation_case_and_word_order_do_not_matter(
    client: httpx.AsyncClient, auth: TokenFactory, people: dict[str, Any]
) -> None:
    regulator = auth("regulator")
    for q in ("siobhan obrien kelly", "SIOBHAN O'BRIEN-KELLY", "Kelly Siobhán", "obrien"):
        assert (await names_found(client, regulator, q=q))[0] == "Siobhán O'Brien-Kelly", q


async def test_former_names_are_searched_too(
    client: httpx.AsyncClient, auth: TokenFactory, people: dict[str, Any]
) -> None:
    response = await search(client, auth("regulator"), q="Amara Nwsou")
    [hit] = response.json()["items"]
    assert hit["id"] == people["Amara Okafor"]["id"]
    assert hit["family_name"] == "Okafor"


async def test_a_name_change_is_searchable_at_once(
    client: httpx.AsyncClient, auth: TokenFactory, people: dict[str, Any]
) -> None:
    director = people["Priya Raghunathan"]
    hr = auth("trust_hr", org="RJ1")
    response = await client.patch(
        f"/v1/directors/{director['id']}",
        json={"family_name": "Kowalczyk", "former_names": [{"given_name": "Priya", "family_name": "Raghunathan"}]},
        headers={**hr, "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    assert await names_found(client, hr, q="Priya Kowalcyzk") == ["Priya Kowalczyk"]
    assert await names_found(client, hr, q="Priya Raghunathan") == ["Priya Kowalczyk"]  # now a former name
    response = await client.patch(
        f"/v1/directors/{director['id']}", json={"former_names": []}, headers={**hr, "If-Match": '"2"'}
    )
    assert response.status_code == 200, response.text
    assert await names_found(client, hr, q="Priya Raghunathan") == []


async def test_trust_hr_searches_only_its_own_directors(
    client: httpx.AsyncClient, auth: TokenFactory, people: dict[str, Any]
) -> None:
    assert await names_found(client, auth("trust_hr", org="RRV"), q="Margaret Thatcher") == []
    assert await names_found(client, auth("trust_hr", org="RRV"), q="Jon Smith") == ["John Smith", "Joan Smyth"]
    # a filter naming another trust does not widen what a trust sees
    assert await names_found(client, auth("trust_hr", org="RRV"), ods_code="RJ1") == []
    assert await names_found(client, auth("trust_hr", org="RRV"), q="Margaret", ods_code="RJ1") == []


async def test_director_finds_only_themselves(
    client: httpx.AsyncClient, auth: TokenFactory, people: dict[str, Any]
) -> None:
    me = people["John Smith"]
    headers = auth("director", director_id=me["id"])
    assert await names_found(client, headers, q="Joan Smyth") == ["John Smith"]


async def test_admin_may_not_search(client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs) -> None:
    response = await search(client, auth("admin"), q="smith")
    assert response.status_code == 403


async def test_pages_of_a_search_are_stable_and_complete(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    for org in ("RJ1", "RRV", "RTH"):
        for _ in range(2):
            await create_director(org, **person("Alex", "Morgan"))
    for family in ("Morgen", "Horgan", "Morgans"):
        await create_director("RJ1", **person("Alex", family))
    regulator = auth("regulator")
    whole = (await search(client, regulator, q="alex morgan", limit=200)).json()["items"]
    assert len(whole) == 9
    seen: list[dict[str, Any]] = []
    response = await search(client, regulator, q="alex morgan", limit=2)
    while True:
        assert response.status_code == 200, response.text
        seen += response.json()["items"]
        link = response.headers.get("link")
        if not link:
            assert response.json()["next"] is None
            break
        assert link == f'<{response.json()["next"]}>; rel="next"'
        response = await client.get(response.json()["next"], headers=regulator)
    assert [(d["id"], d["score"]) for d in seen] == [(d["id"], d["score"]) for d in whole]
    # ties (the six identical names) are broken by id
    exact = [d["id"] for d in whole if d["score"] == 1.0]
    assert len(exact) == 6 and exact == sorted(exact)


async def test_a_cursor_belongs_to_its_search(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    for _ in range(3):
        await create_director("RJ1", **person("Alex", "Morgan"))
    regulator = auth("regulator")
    cursor = (await search(client, regulator, q="alex morgan", limit=1)).json()["next"].split("cursor=")[1]
    other = await search(client, regulator, q="alex morgen", limit=1, cursor=cursor)
    assert other.status_code == 400
    assert other.json()["type"] == "/problems/invalid-input"
    plain = await search(client, regulator, limit=1, cursor=cursor)
    assert plain.status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        {"q": "a"},
        {"q": "x" * 101},
        {"q": "!!"},
        {"q": "a b c d e f g"},
        {"limit": 201},
        {"limit": 0},
        {"region": "mars"},
        {"board_role": "king"},
        {"board_status": "sometimes"},
        {"assessment_outcome": "fine"},
        {"registration_body": "XYZ"},
        {"registration_number": "1234567"},
        {"registration_body": "GMC", "registration_number": "12AB"},
        {"barred": "perhaps"},
        {"ods_code": "toolongcode"},
    ],
)
async def test_bad_search_parameters_are_a_400_problem(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, params: dict[str, Any]
) -> None:
    response = await search(client, auth("regulator"), **params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_searches_are_audited_with_their_terms(
    client: httpx.AsyncClient, auth: TokenFactory, people: dict[str, Any], db: AsyncSession
) -> None:
    response = await search(
        client, {**auth("regulator", sub="reg-1"), "X-Purpose": "barring enquiry"}, q="Jon Smith", region="london"
    )
    found = {d["id"] for d in response.json()["items"]}
    assert found == {people["John Smith"]["id"], people["Joan Smyth"]["id"]}
    [event] = (
        (await db.execute(sa.select(AuditEvent).where(col(AuditEvent.action) == "director.search"))).scalars().all()
    )
    assert event.actor_sub == "reg-1"
    assert event.purpose == "barring enquiry"
    assert event.detail["terms"] == {"q": "Jon Smith", "region": "london"}
    assert event.detail["results"] == 2
    reads = await db.execute(
        sa.select(col(AuditEvent.director_id)).where(
            col(AuditEvent.action) == "director.list", col(AuditEvent.actor_sub) == "reg-1"
        )
    )
    assert {str(d) for d in reads.scalars()} == found


# --- Filters ---


@pytest.fixture
async def board(create_director: CreateDirector, db: AsyncSession) -> dict[str, str]:
    """Directors whose files differ in one thing each."""
    ended = (TODAY - dt.timedelta(days=30)).isoformat()
    ids = {
        "chair_rj1": await create_director("RJ1", appointment={"board_role": "chair", "start_date": "2022-01-01"}),
        "ceo_rrv": await create_director(
            "RRV", appointment={"board_role": "chief_executive", "start_date": "2021-01-01"}
        ),
        "former_rth": await create_director(
            "RTH", appointment={"board_role": "chair", "start_date": "2019-01-01", "end_date": ended}
        ),
        "medic_rth": await create_director(
            "RTH",
            registrations=[{"body": "GMC", "number": "7654321"}],
            appointment={"board_role": "executive_director", "portfolio": "medical", "start_date": "2023-01-01"},
        ),
    }
    out = {k: v["id"] for k, v in ids.items()}
    db.add_all(
        [
            Finding(
                director_id=uuid.UUID(out["ceo_rrv"]),
                finding_type=FindingType.SERIOUS_MISCONDUCT,
                status=FindingStatus.UPHELD_ON_APPEAL,
                recorded_by_role="regulator",
                summary="Upheld on appeal.",
                reported_on=TODAY - dt.timedelta(days=400),
            ),
            Finding(
                director_id=uuid.UUID(out["former_rth"]),
                finding_type=FindingType.BARRING_DECISION,
                status=FindingStatus.UPHELD,
                recorded_by_role="regulator",
                summary="Barred.",
                reported_on=TODAY - dt.timedelta(days=100),
                bar_start=TODAY - dt.timedelta(days=10),
            ),
            Finding(  # a bar that has ended does not count as barred
                director_id=uuid.UUID(out["chair_rj1"]),
                finding_type=FindingType.BARRING_DECISION,
                status=FindingStatus.UPHELD,
                recorded_by_role="regulator",
                summary="An old bar.",
                reported_on=TODAY - dt.timedelta(days=900),
                bar_start=TODAY - dt.timedelta(days=800),
                bar_end=TODAY - dt.timedelta(days=1),
            ),
            Finding(  # reported, not upheld
                director_id=uuid.UUID(out["medic_rth"]),
                finding_type=FindingType.DISCIPLINARY,
                status=FindingStatus.UNDER_INVESTIGATION,
                recorded_by_role="trust_hr",
                summary="Open matter.",
                reported_on=TODAY - dt.timedelta(days=5),
            ),
        ]
    )
    signed = dt.datetime.now(dt.UTC)
    for key, outcome, when in [
        ("chair_rj1", AssessmentOutcome.PENDING_INVESTIGATION, signed - dt.timedelta(days=400)),
        ("chair_rj1", AssessmentOutcome.FIT_AND_PROPER, signed - dt.timedelta(days=10)),  # the newest counts
        ("ceo_rrv", AssessmentOutcome.NOT_FIT_AND_PROPER, signed - dt.timedelta(days=5)),
    ]:
        db.add(
            Assessment(
                director_id=uuid.UUID(out[key]),
                ods_code="RJ1" if key == "chair_rj1" else "RRV",
                kind=AssessmentKind.TRIGGERED,
                status=AssessmentStatus.SIGNED_OFF,
                year=when.year,
                outcome=outcome,
                outcome_reason="Reasons." if outcome is AssessmentOutcome.NOT_FIT_AND_PROPER else None,
                prepared_by="hr",
                signed_off_at=when,
                signed_off_by="chair",
            )
        )
    for key, performed, due in [
        ("medic_rth", TODAY - dt.timedelta(days=400), TODAY - dt.timedelta(days=35)),  # overdue
        ("chair_rj1", TODAY - dt.timedelta(days=400), TODAY - dt.timedelta(days=35)),  # superseded below
        ("chair_rj1", TODAY - dt.timedelta(days=20), TODAY + dt.timedelta(days=345)),
    ]:
        db.add(
            FpptCheck(
                director_id=uuid.UUID(out[key]),
                check_type=CheckType.TRAINING,
                result=CheckResult.CLEAR,
                performed_on=performed,
                next_due=due,
                recorded_by="hr",
            )
        )
    await db.commit()
    return out


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"chair_rj1", "ceo_rrv", "former_rth", "medic_rth"}),
        ({"ods_code": "RJ1"}, {"chair_rj1"}),
        ({"ods_code": "rth"}, {"medic_rth"}),
        ({"ods_code": "RTH", "board_status": "former"}, {"former_rth"}),
        ({"ods_code": "RTH", "board_status": "any"}, {"former_rth", "medic_rth"}),
        ({"region": "london"}, {"chair_rj1", "ceo_rrv"}),
        ({"region": "south_east", "board_status": "any"}, {"former_rth", "medic_rth"}),
        ({"board_role": "chair"}, {"chair_rj1"}),
        ({"board_role": "chair", "board_status": "any"}, {"chair_rj1", "former_rth"}),
        ({"board_status": "former"}, {"former_rth"}),
        ({"board_status": "current"}, {"chair_rj1", "ceo_rrv", "medic_rth"}),
        ({"registration_body": "GMC"}, {"medic_rth"}),
        ({"registration_body": "GMC", "registration_number": "7654321"}, {"medic_rth"}),
        ({"registration_body": "GMC", "registration_number": "7654322"}, set()),
        ({"registration_body": "NMC"}, set()),
        ({"has_upheld_finding": "true"}, {"ceo_rrv", "former_rth", "chair_rj1"}),
        ({"has_upheld_finding": "false"}, {"medic_rth"}),
        ({"barred": "true"}, {"former_rth"}),
        ({"barred": "false"}, {"chair_rj1", "ceo_rrv", "medic_rth"}),
        ({"assessment_outcome": "fit_and_proper"}, {"chair_rj1"}),
        ({"assessment_outcome": "pending_investigation"}, set()),
        ({"assessment_outcome": "not_fit_and_proper"}, {"ceo_rrv"}),
        ({"overdue_checks": "true"}, {"medic_rth"}),
        ({"overdue_checks": "false"}, {"chair_rj1", "ceo_rrv", "former_rth"}),
        ({"region": "london", "has_upheld_finding": "true", "assessment_outcome": "fit_and_proper"}, {"chair_rj1"}),
    ],
)
async def test_filters_select_the_directors_that_match(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    board: dict[str, str],
    params: dict[str, Any],
    expected: set[str],
) -> None:
    response = await search(client, auth("regulator"), limit=200, **params)
    assert response.status_code == 200, response.text
    by_id = {v: k for k, v in board.items()}
    assert {by_id[d["id"]] for d in response.json()["items"] if d["id"] in by_id} == expected
    assert {d["id"] for d in response.json()["items"]} <= set(by_id)


async def test_filters_combine_with_a_name_query(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    await create_director("RJ1", **person("Alex", "Morgan"))
    rrv = await create_director("RRV", **person("Alex", "Morgan"))
    response = await search(client, auth("regulator"), q="alex morgen", ods_code="RRV")
    assert [d["id"] for d in response.json()["items"]] == [rrv["id"]]


async def test_hits_show_current_appointments_and_flags_so_they_can_be_told_apart(
    client: httpx.AsyncClient, auth: TokenFactory, board: dict[str, str]
) -> None:
    response = await search(client, auth("regulator"), limit=200)
    assert response.status_code == 200, response.text
    hits = {d["id"]: d for d in response.json()["items"]}

    def shown(key: str) -> tuple[list[tuple[str, str]], bool, bool, bool]:
        hit = hits[board[key]]
        places = [(a["ods_code"], a["board_role"]) for a in hit["current_appointments"]]
        return places, hit["barred"], hit["has_upheld_finding"], hit["overdue_checks"]

    assert shown("chair_rj1") == ([("RJ1", "chair")], False, True, False)  # its bar has ended; check superseded
    assert shown("ceo_rrv") == ([("RRV", "chief_executive")], False, True, False)
    assert shown("former_rth") == ([], True, True, False)  # no current appointment
    assert shown("medic_rth") == ([("RTH", "executive_director")], False, False, True)  # open matter only
    assert hits[board["chair_rj1"]]["current_appointments"][0]["organisation_name"]

    # A name search shows the same, and a trust sees the same of its own directors.
    ceo = hits[board["ceo_rrv"]]
    named = await search(client, auth("regulator"), q=f"{ceo['given_name']} {ceo['family_name']}")
    [found] = [d for d in named.json()["items"] if d["id"] == ceo["id"]]
    assert found["score"] is not None
    assert {k: found[k] for k in ("current_appointments", "barred", "has_upheld_finding", "overdue_checks")} == {
        k: ceo[k] for k in ("current_appointments", "barred", "has_upheld_finding", "overdue_checks")
    }
    own = (await search(client, auth("trust_hr", org="RRV"))).json()["items"]
    assert [(d["id"], d["has_upheld_finding"]) for d in own] == [(ceo["id"], True)]
