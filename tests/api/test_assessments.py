"""FPPT assessments through the API: every state transition, every sign-off rule, checks that block a sign-off."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from register.checks.models import ANNUAL_REQUIRED, CheckType
from tests.conftest import TokenFactory
from tests.fppt_helpers import Board, make_board


@pytest.fixture
async def board(client: httpx.AsyncClient, auth: TokenFactory, create_director: Callable[..., Any]) -> Board:
    return await make_board(client, auth, create_director)


def _url(a: dict[str, Any], action: str = "") -> str:
    return f"/v1/directors/{a['director_id']}/assessments/{a['id']}" + (f"/{action}" if action else "")


async def _in_state(board: Board, state: str) -> dict[str, Any]:
    """A CEO assessment in the given state."""
    if state == "draft":
        return await board.new_assessment(board.ceo)
    submitted = await board.ready_for_sign_off(board.ceo)
    if state == "awaiting_sign_off":
        return submitted
    signed = await board.sign_off(submitted, board.chair)
    assert signed.status_code == 200, signed.text
    data: dict[str, Any] = signed.json()
    return data


async def _act(board: Board, a: dict[str, Any], action: str) -> httpx.Response:
    if_match = {"If-Match": f'"{a["version"]}"'}
    if action == "submit":
        return await board.client.post(_url(a, "submit"), headers={**board.hr(), **if_match})
    if action == "return":
        return await board.client.post(_url(a, "return"), headers={**board.hr(), **if_match})
    if action == "change":
        return await board.client.patch(_url(a), json={"summary": "Revised"}, headers={**board.hr(), **if_match})
    return await board.sign_off(a, board.chair)


LEGAL = {("draft", "submit"), ("draft", "change"), ("awaiting_sign_off", "return"), ("awaiting_sign_off", "sign-off")}
STATES = ("draft", "awaiting_sign_off", "signed_off")
ACTIONS = ("submit", "return", "change", "sign-off")


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
async def test_state_transitions(board: Board, state: str, action: str) -> None:
    a = await _in_state(board, state)
    response = await _act(board, a, action)
    if (state, action) in LEGAL:
        assert response.status_code == 200, response.text
        expected = {"submit": "awaiting_sign_off", "return": "draft", "change": "draft", "sign-off": "signed_off"}
        assert response.json()["status"] == expected[action]
        assert response.headers["etag"] == f'"{a["version"] + 1}"'
    else:
        assert response.status_code == 409, response.text
        problem = response.json()
        assert problem["type"] == "/problems/conflict"
        assert problem["current_status"] == state
    after = await board.client.get(_url(a), headers=board.hr())
    if (state, action) not in LEGAL:
        assert after.json()["status"] == state
        assert after.json()["version"] == a["version"]


async def test_the_chair_sends_an_assessment_back_to_draft(board: Board) -> None:
    a = await board.ready_for_sign_off(board.ceo)
    response = await board.client.post(
        _url(a, "return"), headers={**board.director(board.chair), "If-Match": f'"{a["version"]}"'}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "draft"
    assert response.json()["submitted_at"] is None


async def test_changes_need_if_match(board: Board) -> None:
    a = await board.new_assessment(board.ceo)
    assert (await board.client.post(_url(a, "submit"), headers=board.hr())).status_code == 428
    stale = await board.client.post(_url(a, "submit"), headers={**board.hr(), "If-Match": '"5"'})
    assert stale.status_code == 412


async def test_chair_signs_off_a_board_members_assessment(board: Board) -> None:
    a = await board.ready_for_sign_off(board.ceo)
    response = await board.sign_off(a, board.chair)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "signed_off"
    assert body["outcome"] == "fit_and_proper"
    assert body["signed_off_as"] == "chair"
    assert body["signed_off_by_director_id"] == board.chair
    checks = (await board.client.get(f"/v1/directors/{board.ceo}/checks?current=true", headers=board.hr())).json()
    assert set(body["relied_on_check_ids"]) == {c["id"] for c in checks["items"]}
    assert len(body["relied_on_check_ids"]) == len(ANNUAL_REQUIRED)


async def test_sid_signs_off_the_chairs_assessment(board: Board) -> None:
    a = await board.ready_for_sign_off(board.chair)
    by_chair = await board.sign_off(a, board.chair)
    assert by_chair.status_code == 403
    assert "own" in by_chair.json()["detail"]
    by_sid = await board.sign_off(a, board.sid)
    assert by_sid.status_code == 200, by_sid.text
    assert by_sid.json()["signed_off_as"] == "senior_independent_director"


async def test_sid_cannot_sign_off_anyone_but_the_chair(board: Board) -> None:
    a = await board.ready_for_sign_off(board.ceo)
    response = await board.sign_off(a, board.sid)
    assert response.status_code == 403
    assert "chair of RJ1" in response.json()["detail"]


async def test_nobody_signs_off_their_own_assessment(board: Board) -> None:
    a = await board.ready_for_sign_off(board.sid)  # signed by the chair; the SID may not sign it
    response = await board.sign_off(a, board.sid)
    assert response.status_code == 403
    assert response.json()["detail"] == "Nobody signs off their own FPPT assessment."


async def test_trust_hr_prepares_but_cannot_sign(board: Board, auth: TokenFactory) -> None:
    a = await board.ready_for_sign_off(board.ceo)
    url = _url(a, "sign-off")
    body = {"outcome": "fit_and_proper"}
    for caller in (board.hr(), board.regulator(), auth("auditor"), auth("admin")):
        response = await board.client.post(url, json=body, headers={**caller, "If-Match": '"2"'})
        assert response.status_code == 403


async def test_trust_hr_is_told_who_signs_off_and_how(board: Board) -> None:
    a = await board.ready_for_sign_off(board.ceo)
    response = await board.client.post(
        _url(a, "sign-off"), json={"outcome": "fit_and_proper"}, headers={**board.hr(), "If-Match": '"2"'}
    )
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert "This operation is for" not in detail
    assert "chair" in detail and "senior independent director" in detail and "own director" in detail
    assert (await board.client.get(_url(a), headers=board.hr())).json()["status"] == "awaiting_sign_off"


async def test_chair_of_another_trust_cannot_sign(board: Board) -> None:
    a = await board.ready_for_sign_off(board.ceo)
    response = await board.sign_off(a, board.other_chair)
    assert response.status_code == 404  # RJ1's directors are not theirs to see


async def test_a_board_member_who_is_not_chair_cannot_sign(board: Board) -> None:
    a = await board.ready_for_sign_off(board.ned)
    response = await board.sign_off(a, board.ceo)
    assert response.status_code == 404


async def test_a_chair_whose_appointment_has_not_started_cannot_sign(
    board: Board, create_director: Callable[..., Any]
) -> None:
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    incoming = await create_director(
        given_name="Ingrid", appointment={"board_role": "chair", "appointment_type": "permanent", "start_date": future}
    )
    a = await board.ready_for_sign_off(board.ceo)
    response = await board.sign_off(a, incoming["id"])
    assert response.status_code == 404


async def test_sign_off_is_blocked_by_a_missing_check_until_it_is_recorded(board: Board) -> None:
    await board.complete_checks(board.ceo, types=[t for t in ANNUAL_REQUIRED if t is not CheckType.SOCIAL_MEDIA])
    a = await board.submit(await board.new_assessment(board.ceo))
    assert [g["check_type"] for g in a["blocking_checks"]] == ["social_media"]
    blocked = await board.sign_off(a, board.chair)
    assert blocked.status_code == 422
    problem = blocked.json()
    assert problem["type"] == "/problems/rule-violation"
    assert problem["missing_checks"] == [
        {"check_type": "social_media", "problem": "missing", "check_id": None, "next_due": None}
    ]
    assert "social media" in problem["detail"]
    await board.record_check(board.ceo, "social_media")
    assert (await board.sign_off(a, board.chair)).status_code == 200


async def test_sign_off_is_blocked_by_an_overdue_check(board: Board) -> None:
    with time_machine.travel(dt.datetime(2025, 1, 10, 9, tzinfo=dt.UTC), tick=False):
        await board.complete_checks(board.ceo)
        a = await board.submit(await board.new_assessment(board.ceo, year=2025))
        assert a["blocking_checks"] == []
    with time_machine.travel(dt.datetime(2026, 1, 20, 9, tzinfo=dt.UTC), tick=False):
        blocked = await board.sign_off(a, board.chair)
        assert blocked.status_code == 422
        gaps = blocked.json()["missing_checks"]
        assert {g["check_type"] for g in gaps} == {t.value for t in ANNUAL_REQUIRED}
        assert {g["problem"] for g in gaps} == {"overdue"}
        await board.complete_checks(board.ceo)
        assert (await board.sign_off(a, board.chair)).status_code == 200


async def test_an_unmitigated_concern_blocks_fit_and_proper_until_mitigated(board: Board) -> None:
    await board.complete_checks(board.ceo)
    concern = await board.record_check(board.ceo, "disciplinary_findings", result="concern", notes="Upheld 2021")
    a = await board.submit(await board.new_assessment(board.ceo))
    blocked = await board.sign_off(a, board.chair)
    assert blocked.status_code == 422
    assert blocked.json()["missing_checks"][0]["problem"] == "unmitigated_concern"
    mitigated = await board.client.post(
        f"/v1/directors/{board.ceo}/checks/{concern['id']}/mitigation",
        json={"mitigation": "Finding addressed by training; reviewed by the board."},
        headers={**board.hr(), "If-Match": '"1"'},
    )
    assert mitigated.status_code == 200
    assert (await board.sign_off(a, board.chair)).status_code == 200


async def test_an_unmitigated_concern_may_be_signed_pending_investigation(board: Board) -> None:
    await board.complete_checks(board.ceo)
    await board.record_check(board.ceo, "disciplinary_findings", result="concern", notes="Allegation 2026")
    a = await board.submit(await board.new_assessment(board.ceo))
    response = await board.sign_off(a, board.chair, outcome="pending_investigation")
    assert response.status_code == 200
    assert response.json()["outcome"] == "pending_investigation"


async def test_not_fit_and_proper_needs_a_reason(board: Board) -> None:
    a = await board.ready_for_sign_off(board.ceo)
    assert (await board.sign_off(a, board.chair, outcome="not_fit_and_proper")).status_code == 400
    response = await board.sign_off(
        a, board.chair, outcome="not_fit_and_proper", outcome_reason="Struck off the NMC register."
    )
    assert response.status_code == 200
    assert response.json()["outcome_reason"] == "Struck off the NMC register."


async def test_an_appointment_assessment_needs_every_check(board: Board) -> None:
    a = await board.ready_for_sign_off(board.ceo, kind="appointment")
    blocked = await board.sign_off(a, board.chair)
    assert blocked.status_code == 422
    assert {g["check_type"] for g in blocked.json()["missing_checks"]} == {
        t.value for t in CheckType if t not in ANNUAL_REQUIRED
    }


async def test_signed_off_is_final_and_corrected_by_a_linked_triggered_assessment(
    board: Board, db: AsyncSession
) -> None:
    a = await _in_state(board, "signed_off")
    with pytest.raises(IntegrityError):  # the database refuses too, whatever the code path
        async with db.begin_nested():
            await db.execute(
                sa.text("UPDATE fppt_assessments SET outcome_reason = 'x' WHERE id = :id"), {"id": a["id"]}
            )

    wrong_kind = await board.client.post(
        f"/v1/directors/{board.ceo}/assessments", json={"kind": "annual", "corrects_id": a["id"]}, headers=board.hr()
    )
    assert wrong_kind.status_code == 422
    correction = await board.new_assessment(board.ceo, kind="triggered", corrects_id=a["id"], year=2024)
    assert correction["corrects_id"] == a["id"]
    assert correction["year"] == a["year"]  # the correction answers for the same year
    original = (await board.client.get(_url(a), headers=board.hr())).json()
    assert original["corrected_by_ids"] == [correction["id"]]
    assert original["status"] == "signed_off"

    draft = await board.new_assessment(board.ned)
    of_draft = await board.client.post(
        f"/v1/directors/{board.ned}/assessments",
        json={"kind": "triggered", "corrects_id": draft["id"]},
        headers=board.hr(),
    )
    assert of_draft.status_code == 409


async def test_one_annual_assessment_per_year(board: Board) -> None:
    await board.new_assessment(board.ceo, year=2025)
    again = await board.client.post(
        f"/v1/directors/{board.ceo}/assessments", json={"kind": "annual", "year": 2025}, headers=board.hr()
    )
    assert again.status_code == 409
    assert "assessment_id" in again.json()


async def test_a_triggered_assessment_says_what_triggered_it(board: Board) -> None:
    url = f"/v1/directors/{board.ceo}/assessments"
    assert (await board.client.post(url, json={"kind": "triggered"}, headers=board.hr())).status_code == 422
    made = await board.new_assessment(board.ceo, kind="triggered", trigger_reason="Whistleblowing concern raised")
    assert made["status"] == "draft"


async def test_who_sees_assessments(board: Board, auth: TokenFactory) -> None:
    a = await board.new_assessment(board.ceo)
    assert (await board.client.get(_url(a), headers=board.director(board.ceo))).status_code == 200
    assert (await board.client.get(_url(a), headers=board.director(board.chair))).status_code == 200
    assert (await board.client.get(_url(a), headers=board.regulator())).status_code == 200
    assert (await board.client.get(_url(a), headers=board.hr("RRV"))).status_code == 404
    assert (await board.client.get(_url(a), headers=board.director(board.ned))).status_code == 404
    assert (await board.client.get(_url(a), headers=auth("admin"))).status_code == 403
    regulator_write = await board.client.post(
        f"/v1/directors/{board.ceo}/assessments", json={"kind": "annual"}, headers=board.regulator()
    )
    assert regulator_write.status_code == 403
    listing = await board.client.get(f"/v1/directors/{board.ceo}/assessments", headers=board.hr())
    assert [i["id"] for i in listing.json()["items"]] == [a["id"]]


async def test_history_of_an_assessment_reads_as_of(board: Board, db: AsyncSession) -> None:
    a = await board.ready_for_sign_off(board.ceo)
    signed = await board.sign_off(a, board.chair)
    assert signed.status_code == 200
    rows = await db.execute(
        sa.text("SELECT version, change FROM record_versions WHERE record_id = :id ORDER BY version"), {"id": a["id"]}
    )
    assert [tuple(r) for r in rows] == [(1, "created"), (2, "submitted"), (3, "signed_off")]
