"""Annual returns through the API: contents, the chair's submission and freeze, and the regulators' overview."""

import datetime as dt
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tests.api.test_appraisals import appraisal_body
from tests.conftest import TokenFactory
from tests.fppt_helpers import Board, make_board

TODAY = dt.datetime(2026, 6, 15, 10, tzinfo=dt.UTC)
DECLARATION = "I confirm that every board member listed has been assessed under the FPPT framework."


@pytest.fixture
async def board(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: Callable[..., Any]
) -> AsyncIterator[Board]:
    """RJ1's board on 15 June 2026, part-way through its FPPT year; time stands still for the test."""
    with time_machine.travel(TODAY, tick=False):
        board = await make_board(client, auth, create_director)
        # The chief executive's year is complete and signed off.
        await board.attest(board.ceo)
        appraisal = appraisal_body(year=2026, submitted_to_nhse_on=None)
        assert (
            await client.post(f"/v1/directors/{board.ceo}/appraisals", json=appraisal, headers=board.hr())
        ).status_code == 201
        signed = await board.sign_off(await board.ready_for_sign_off(board.ceo), board.chair)
        assert signed.status_code == 200, signed.text
        # The NED's assessment is a draft; the chair's awaits the SID; the SID has nothing yet.
        await board.new_assessment(board.ned)
        await board.ready_for_sign_off(board.chair)
        yield board


async def _members(board: Board, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = await board.client.get("/v1/organisations/RJ1/returns/2026", params=params, headers=headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def test_the_return_lists_everyone_in_post_during_the_year(
    board: Board, create_director: Callable[..., Any]
) -> None:
    def appointment(start: str, end: str) -> dict[str, Any]:
        return {"board_role": "executive_director", "start_date": start, "end_date": end, "portfolio": "finance"}

    left_in_year = await create_director(given_name="Lena", appointment=appointment("2024-01-01", "2026-03-31"))
    left_before = await create_director(given_name="Bruno", appointment=appointment("2024-01-01", "2025-12-31"))
    body = await _members(board, board.hr())
    assert body["status"] == "not_submitted"
    assert body["version"] == 0 and body["live"] is True
    members = {m["director_id"]: m for m in body["members"]}
    assert set(members) == {board.chair, board.sid, board.ceo, board.ned, left_in_year["id"]}
    assert left_before["id"] not in members and board.other_chair not in members

    ceo = members[board.ceo]
    assert ceo["assessment"]["status"] == "signed_off"
    assert ceo["assessment"]["outcome"] == "fit_and_proper"
    assert ceo["missing"] == []
    assert members[board.ned]["assessment"]["status"] == "draft"
    assert "FPPT assessment for 2026 is draft" in members[board.ned]["missing"]
    assert "self-attestation for 2026 not signed" in members[board.ned]["missing"]
    assert "check social media missing" in members[board.ned]["missing"]
    assert members[board.chair]["assessment"]["status"] == "awaiting_sign_off"
    assert members[board.sid]["assessment"] == {
        "status": "not_started",
        "assessment_id": None,
        "kind": None,
        "outcome": None,
        "signed_off_at": None,
    }
    assert members[board.sid]["roles"][0]["role"] == "non_executive_director (senior independent director)"
    # Someone who has left is not chased for checks, only for the year's assessment.
    assert not any(m.startswith("check ") for m in members[left_in_year["id"]]["missing"])
    assert body["summary"] == {
        "members": 5,
        "signed_off": 1,
        "outcomes": {"fit_and_proper": 1, "not_fit_and_proper": 0, "pending_investigation": 0},
        "statuses": {"not_started": 2, "draft": 1, "awaiting_sign_off": 1, "signed_off": 1},
        "complete": 1,
        "completion_rate": 0.2,
    }


async def test_who_sees_the_return(board: Board, auth: TokenFactory) -> None:
    url = "/v1/organisations/RJ1/returns/2026"
    with time_machine.travel(TODAY, tick=False):
        for reader in (board.hr(), board.director(board.chair), board.director(board.sid), board.regulator()):
            assert (await board.client.get(url, headers=reader)).status_code == 200
        assert (await board.client.get(url, headers=board.hr("RRV"))).status_code == 404
        assert (await board.client.get(url, headers=board.director(board.ceo))).status_code == 404
        assert (await board.client.get(url, headers=auth("admin"))).status_code == 403
        assert (await board.client.get("/v1/organisations/RJ1/returns/2031", headers=board.hr())).status_code == 422


async def test_the_chair_submits_and_the_return_is_frozen(board: Board, db: AsyncSession) -> None:
    url = "/v1/organisations/RJ1/returns/2026/submit"
    body = {"declaration": DECLARATION}
    with time_machine.travel(TODAY, tick=False):
        etag = (await board.client.get("/v1/organisations/RJ1/returns/2026", headers=board.hr())).headers["etag"]
        assert etag == '"0"'
        assert (await board.client.post(url, json=body, headers={**board.hr(), "If-Match": etag})).status_code == 403
        by_sid = await board.client.post(url, json=body, headers={**board.director(board.sid), "If-Match": etag})
        assert by_sid.status_code == 403
        by_other = await board.client.post(
            url, json=body, headers={**board.director(board.other_chair), "If-Match": etag}
        )
        assert by_other.status_code == 404
        chair = board.director(board.chair)
        assert (await board.client.post(url, json=body, headers=chair)).status_code == 428
        assert (await board.client.post(url, json=body, headers={**chair, "If-Match": '"1"'})).status_code == 412

        submitted = await board.client.post(url, json=body, headers={**chair, "If-Match": etag})
        assert submitted.status_code == 201, submitted.text
        first = submitted.json()
        assert first["status"] == "submitted" and first["version"] == 1 and first["live"] is False
        assert first["declaration"] == DECLARATION

        # The register moves on: the SID signs the chair's assessment off. The submitted return does not move.
        chairs = (await board.client.get(f"/v1/directors/{board.chair}/assessments", headers=board.hr())).json()
        assert (await board.sign_off(chairs["items"][0], board.sid)).status_code == 200
        frozen = await _members(board, board.regulator())
        assert frozen["members"] == first["members"] and frozen["summary"]["signed_off"] == 1
        live = await _members(board, board.regulator(), live="true")
        assert live["live"] is True and live["summary"]["signed_off"] == 2 and live["status"] == "submitted"

        with pytest.raises(IntegrityError):
            async with db.begin_nested():
                await db.execute(sa.text("UPDATE annual_returns SET members = 0 WHERE ods_code = 'RJ1'"))

        # A resubmission is a new version; the first stays readable.
        stale = await board.client.post(url, json=body, headers={**chair, "If-Match": '"0"'})
        assert stale.status_code == 412
        again = await board.client.post(url, json=body, headers={**chair, "If-Match": '"1"'})
        assert again.status_code == 201
        assert again.json()["version"] == 2 and again.json()["summary"]["signed_off"] == 2
        old = await _members(board, board.hr(), version=1)
        assert old["version"] == 1 and old["latest_version"] == 2 and old["summary"]["signed_off"] == 1


async def test_regulators_follow_returns_across_trusts(board: Board, auth: TokenFactory) -> None:
    with time_machine.travel(TODAY, tick=False):
        chair = {**board.director(board.chair), "If-Match": '"0"'}
        submitted = await board.client.post(
            "/v1/organisations/RJ1/returns/2026/submit", json={"declaration": DECLARATION}, headers=chair
        )
        assert submitted.status_code == 201
        response = await board.client.get("/v1/returns", params={"year": 2026}, headers=board.regulator())
        assert response.status_code == 200, response.text
        overview = response.json()
        rows = {r["ods_code"]: r for r in overview["items"]}
        assert set(rows) == {"QWE", "RJ1", "RRV", "RTH"}
        assert rows["RJ1"]["submitted"] is True and rows["RJ1"]["version"] == 1
        assert rows["RJ1"]["members"] == 4 and rows["RJ1"]["signed_off"] == 1
        assert rows["RJ1"]["outcomes"]["fit_and_proper"] == 1
        assert rows["RJ1"]["completion_rate"] == 0.25
        assert rows["RRV"]["submitted"] is False and rows["RRV"]["members"] == 1
        assert rows["RRV"]["completion_rate"] == 0.0
        assert rows["RTH"]["members"] == 0 and rows["RTH"]["completion_rate"] is None
        national = overview["national"]
        assert national["organisations"] == 4 and national["submitted"] == 1
        assert national["members"] == 5 and national["signed_off"] == 1
        assert national["completion_rate"] == 0.2 and national["submission_rate"] == 0.25
        assert overview["regions"]["london"]["organisations"] == 3
        assert overview["regions"]["london"]["submitted"] == 1
        assert overview["regions"]["south_east"]["organisations"] == 1

        south_east = (
            await board.client.get(
                "/v1/returns", params={"year": 2026, "region": "south_east"}, headers=auth("auditor")
            )
        ).json()
        assert [r["ods_code"] for r in south_east["items"]] == ["RTH"]
        assert list(south_east["regions"]) == ["south_east"]
        assert south_east["national"]["organisations"] == 4

        seen: list[str] = []
        url: str | None = "/v1/returns?year=2026&limit=3"
        while url:
            page = (await board.client.get(url, headers=board.regulator())).json()
            seen += [r["ods_code"] for r in page["items"]]
            url = page["next"]
        assert seen == ["QWE", "RJ1", "RRV", "RTH"]

        assert (await board.client.get("/v1/returns?year=2026", headers=board.hr())).status_code == 403
        assert (await board.client.get("/v1/returns?year=2026", headers=board.director(board.chair))).status_code == 403
        assert (await board.client.get("/v1/returns", headers=board.regulator())).status_code == 400


async def test_trust_hr_is_told_the_chair_submits_the_return(board: Board) -> None:
    with time_machine.travel(TODAY, tick=False):
        response = await board.client.post(
            "/v1/organisations/RJ1/returns/2026/submit",
            json={"declaration": DECLARATION},
            headers={**board.hr(), "If-Match": '"0"'},
        )
    assert response.status_code == 403
    assert response.json()["detail"].startswith("The annual return is submitted by the organisation's chair")


async def test_the_return_tells_the_appraisal_check_from_the_lcf_appraisal_record(board: Board) -> None:
    with time_machine.travel(TODAY, tick=False):
        await board.record_check(board.ned, "appraisal")  # the check, recorded clear; no LCF appraisal record
        members = {m["director_id"]: m for m in (await _members(board, board.hr()))["members"]}
    ned = members[board.ned]["missing"]
    assert (
        ned.count(
            "LCF appraisal (competency appraisal record) for 2026 not recorded at RJ1; "
            "a clear appraisal check does not record it"
        )
        == 1
    )
    assert not any("appraisal check" in m and m.startswith("check ") for m in ned)
    assert members[board.ned]["appraised"] is False
    # Neither is recorded for the SID: both are missing, each named for what it is.
    sid = members[board.sid]["missing"]
    assert "check appraisal (the FPPT appraisal check) missing" in sid
    assert any(m.startswith("LCF appraisal (competency appraisal record) for 2026") for m in sid)
    # The chief executive has the LCF appraisal record and every check: nothing about appraisals is missing.
    assert members[board.ceo]["appraised"] is True and members[board.ceo]["missing"] == []
