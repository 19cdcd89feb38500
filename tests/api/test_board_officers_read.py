"""A chair or senior independent director reads all of their board's files (DESIGN.md §4 "read all, sign off"),
as long as they hold the office, and nobody else's; reading is audited like anyone's, and gives no write."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.audit.models import AuditEvent
from tests.conftest import TokenFactory
from tests.fppt_helpers import Board, make_board


@pytest.fixture
async def board(client: httpx.AsyncClient, auth: TokenFactory, create_director: Callable[..., Any]) -> Board:
    return await make_board(client, auth, create_director)


async def _read(board: Board, reader: str, subject: str, part: str = "") -> httpx.Response:
    return await board.client.get(f"/v1/directors/{subject}{part}", headers=board.director(reader))


@pytest.mark.parametrize("part", ["", "/employment", "/qualifications", "/registrations", "/summary", "/versions"])
async def test_the_chair_and_the_sid_read_their_boards_files(board: Board, part: str) -> None:
    for officer in (board.chair, board.sid):
        for member in (board.ceo, board.ned, board.chair, board.sid):
            response = await _read(board, officer, member, part)
            assert response.status_code == 200, (officer, member, part, response.text)


async def test_other_directors_and_other_boards_officers_read_nothing_of_it(board: Board) -> None:
    # A board member without an office reads only their own file; another trust's chair reads none of RJ1's.
    assert (await _read(board, board.ned, board.ceo)).status_code == 404
    assert (await _read(board, board.ned, board.ned)).status_code == 200
    assert (await _read(board, board.other_chair, board.ceo)).status_code == 404
    # ... and RJ1's chair reads nothing of RRV's board.
    assert (await _read(board, board.chair, board.other_chair)).status_code == 404


async def test_the_office_ends_and_so_does_the_access(board: Board, auth: TokenFactory) -> None:
    hr = auth("trust_hr", org="RJ1")
    url = f"/v1/directors/{board.chair}/employment"
    [appointment] = (await board.client.get(url, headers=hr)).json()
    ended = await board.client.patch(
        f"{url}/{appointment['id']}",
        json={"end_date": "2025-12-31", "reason_for_leaving": "Term ended"},
        headers={**hr, "If-Match": f'"{appointment["version"]}"'},
    )
    assert ended.status_code == 200, ended.text
    assert (await _read(board, board.chair, board.ceo)).status_code == 404
    assert (await _read(board, board.sid, board.ceo)).status_code == 200


async def test_reading_is_audited_and_gives_no_write(board: Board, db: AsyncSession) -> None:
    assert (await _read(board, board.chair, board.ceo)).status_code == 200
    read = (
        await db.execute(
            sa.select(AuditEvent).where(
                col(AuditEvent.action) == "director.read", col(AuditEvent.actor_role) == "director"
            )
        )
    ).scalar_one()
    assert str(read.director_id) == board.ceo
    entry = {"kind": "role", "employer_name": "Leeds Health Ltd", "role_title": "Adviser", "start_date": "2010-01-04"}
    refused = await board.client.post(
        f"/v1/directors/{board.ceo}/employment", json=entry, headers=board.director(board.chair)
    )
    assert refused.status_code == 403
    statement = await board.client.post(
        f"/v1/directors/{board.ceo}/statements", json={"text": "Not mine to say."}, headers=board.director(board.chair)
    )
    assert statement.status_code == 403


async def test_the_officers_see_the_summary_of_a_candidate_their_trust_checked(
    board: Board, auth: TokenFactory
) -> None:
    candidate = board.other_chair  # RRV's chair, not on RJ1's board
    assert (await _read(board, board.chair, candidate, "/summary")).status_code == 404
    check = {"director_id": candidate, "purpose": "Shortlisting for chair", "vacancy": {"board_role": "chair"}}
    made = await board.client.post("/v1/candidate-checks", json=check, headers=auth("trust_hr", org="RJ1"))
    assert made.status_code == 201, made.text
    for officer in (board.chair, board.sid):
        assert (await _read(board, officer, candidate, "/summary")).status_code == 200
        assert (await _read(board, officer, candidate)).status_code == 404, "the summary view, not the file"
    assert (await _read(board, board.ned, candidate, "/summary")).status_code == 404, "no office, no candidates"
