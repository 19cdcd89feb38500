"""Self-attestations through the API: the director signs their own; signed means final; a new one supersedes."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import TokenFactory
from tests.fppt_helpers import NO_TO_ALL, Board, make_board


@pytest.fixture
async def board(client: httpx.AsyncClient, auth: TokenFactory, create_director: Callable[..., Any]) -> Board:
    return await make_board(client, auth, create_director)


def _with(**answers: dict[str, Any]) -> dict[str, Any]:
    return {**NO_TO_ALL, **answers}


async def test_director_signs_and_the_trust_sees_it(board: Board) -> None:
    response = await board.attest(board.ceo)
    assert response.status_code == 201, response.text
    signed = response.json()
    assert signed["any_yes"] is False
    assert signed["current"] is True
    assert set(signed["answers"]) == set(NO_TO_ALL)
    assert response.headers["location"].endswith(signed["id"])

    seen = await board.client.get(f"/v1/directors/{board.ceo}/attestations/{signed['id']}", headers=board.hr())
    assert seen.status_code == 200
    assert seen.json()["answers"] == signed["answers"]
    # Signing writes the self-attestation check, so the trust's FPPT file shows it.
    checks = await board.client.get(
        f"/v1/directors/{board.ceo}/checks", params={"check_type": "self_attestation"}, headers=board.hr()
    )
    [check] = checks.json()["items"]
    assert check["result"] == "clear"
    assert check["evidence_reference"] == f"attestation:{signed['id']}"


async def test_a_yes_needs_detail_and_is_a_concern_for_the_trust(board: Board) -> None:
    bare = await board.attest(board.ceo, answers=_with(convictions={"answer": True}))
    assert bare.status_code == 400
    assert "detail" in bare.json()["detail"]
    told = await board.attest(
        board.ceo, answers=_with(convictions={"answer": True, "detail": "Speeding offence, 2019 (fixed penalty)."})
    )
    assert told.status_code == 201, told.text
    assert told.json()["any_yes"] is True
    assert told.json()["answers"]["convictions"]["detail"].startswith("Speeding")
    checks = await board.client.get(
        f"/v1/directors/{board.ceo}/checks", params={"check_type": "self_attestation"}, headers=board.hr()
    )
    assert checks.json()["items"][0]["result"] == "concern"


async def test_every_schedule_4_matter_must_be_answered(board: Board) -> None:
    answers = dict(NO_TO_ALL)
    del answers["barred_lists"]
    response = await board.attest(board.ceo, answers=answers)
    assert response.status_code == 400
    assert "barred_lists" in response.text
    extra = await board.attest(board.ceo, answers={**NO_TO_ALL, "astrology": {"answer": False}})
    assert extra.status_code == 400


async def test_a_signed_attestation_cannot_be_changed(board: Board, db: AsyncSession) -> None:
    signed = (await board.attest(board.ceo)).json()
    url = f"/v1/directors/{board.ceo}/attestations/{signed['id']}"
    headers = {**board.director(board.ceo), "If-Match": '"1"'}
    assert (await board.client.patch(url, json={"no_change_since_last_year": True}, headers=headers)).status_code == 405
    assert (await board.client.put(url, json={"answers": NO_TO_ALL}, headers=headers)).status_code == 405
    assert (await board.client.delete(url, headers=headers)).status_code == 405
    with pytest.raises(IntegrityError):
        async with db.begin_nested():
            await db.execute(sa.text("UPDATE attestations SET any_yes = true WHERE id = :id"), {"id": signed["id"]})
    again = await board.client.get(url, headers=board.hr())
    assert again.json() == signed


async def test_a_new_attestation_supersedes_the_last(board: Board) -> None:
    first = (await board.attest(board.ceo)).json()
    second = await board.attest(board.ceo, no_change_since_last_year=True)
    assert second.status_code == 201, second.text
    assert second.json()["supersedes_id"] == first["id"]
    old = (await board.client.get(f"/v1/directors/{board.ceo}/attestations/{first['id']}", headers=board.hr())).json()
    assert old["superseded_by_id"] == second.json()["id"]
    assert old["current"] is False
    listing = (await board.client.get(f"/v1/directors/{board.ceo}/attestations", headers=board.hr())).json()
    assert [a["id"] for a in listing["items"]] == [second.json()["id"], first["id"]]


async def test_no_change_must_match_the_last_attestation(board: Board) -> None:
    await board.attest(board.ceo)
    changed = await board.attest(
        board.ceo,
        no_change_since_last_year=True,
        answers=_with(debt_relief_order={"answer": True, "detail": "Debt relief order made in 2026."}),
    )
    assert changed.status_code == 422
    assert "previous_attestation_id" in changed.json()


async def test_only_the_director_signs_their_own(board: Board, auth: TokenFactory) -> None:
    url = f"/v1/directors/{board.ceo}/attestations"
    body = {"answers": NO_TO_ALL}
    assert (await board.client.post(url, json=body, headers=board.hr())).status_code == 403
    assert (await board.client.post(url, json=body, headers=board.regulator())).status_code == 403
    assert (await board.client.post(url, json=body, headers=board.director(board.ned))).status_code == 404
    # The chair reads the board's records but does not sign for them.
    assert (await board.client.post(url, json=body, headers=board.director(board.chair))).status_code == 403
    assert (await board.client.get(url, headers=auth("admin"))).status_code == 403
    assert (await board.client.get(url, headers=board.hr("RRV"))).status_code == 404


async def test_trust_hr_is_told_the_director_signs_themselves(board: Board) -> None:
    url = f"/v1/directors/{board.ceo}/attestations"
    response = await board.client.post(url, json={"answers": NO_TO_ALL}, headers=board.hr())
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert "This operation is for" not in detail
    assert "director themselves" in detail and "own director" in detail
    assert (await board.client.get(url, headers=board.hr())).json()["items"] == []


async def test_the_year_is_this_year_or_last(board: Board) -> None:
    with time_machine.travel(dt.datetime(2026, 2, 1, 9, tzinfo=dt.UTC), tick=False):
        assert (await board.attest(board.ceo, year=2024)).status_code == 422
        assert (await board.attest(board.ceo, year=2025)).status_code == 201
