"""FPPT checks through the API: recording, outcome-only DBS and medical results, mitigation, the due list."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.audit.models import AuditEvent
from register.checks import service as check_service
from register.checks.models import ANNUAL_REQUIRED, CheckResult, CheckType, FpptCheck
from register.versions.models import RecordVersion
from tests.conftest import TokenFactory
from tests.fppt_helpers import Board, make_board

DETAIL_KEYS = {"notes", "evidence_reference", "mitigation"}


@pytest.fixture
async def board(client: httpx.AsyncClient, auth: TokenFactory, create_director: Callable[..., Any]) -> Board:
    return await make_board(client, auth, create_director)


async def test_trust_hr_records_a_check_due_again_a_year_later(board: Board, db: AsyncSession) -> None:
    done = dt.date.today() - dt.timedelta(days=10)
    check = await board.record_check(board.ceo, "social_media", performed_on=done, notes="Nothing of concern found.")
    assert check["result"] == "clear"
    assert check["next_due"] == (done + dt.timedelta(days=365)).isoformat()
    assert check["ods_code"] == "RJ1"
    assert check["version"] == 1

    read = await board.client.get(f"/v1/directors/{board.ceo}/checks/{check['id']}", headers=board.regulator())
    assert read.status_code == 200
    assert read.headers["etag"] == '"1"'
    assert read.json()["notes"] == "Nothing of concern found."
    versions = await db.execute(sa.select(RecordVersion).where(col(RecordVersion.record_id) == check["id"]))
    assert [(v.record_type, v.change, str(v.director_id)) for v in versions.scalars()] == [
        ("check", "created", board.ceo)
    ]
    actions = (
        await db.execute(sa.select(col(AuditEvent.action)).where(col(AuditEvent.record_id) == check["id"]))
    ).scalars()
    assert set(actions) == {"check.record", "check.read"}


async def test_every_check_type_can_be_recorded(board: Board) -> None:
    recorded = {t: await board.record_check(board.ned, t) for t in CheckType}
    listing = await board.client.get(f"/v1/directors/{board.ned}/checks?current=true&limit=200", headers=board.hr())
    assert listing.status_code == 200
    assert {c["check_type"] for c in listing.json()["items"]} == {t.value for t in recorded}


@pytest.mark.parametrize("check_type", ["dbs", "medical_clearance"])
@pytest.mark.parametrize("detail", ["notes", "evidence_reference"])
async def test_dbs_and_medical_checks_refuse_any_detail(board: Board, check_type: str, detail: str) -> None:
    response = await board.client.post(
        f"/v1/directors/{board.ceo}/checks",
        json={
            "check_type": check_type,
            "result": "clear",
            "performed_on": dt.date.today().isoformat(),
            "performed_by": "HR",
            detail: "Enhanced certificate 0012345, no convictions",
        },
        headers=board.hr(),
    )
    assert response.status_code == 400
    assert "outcome and date only" in response.json()["detail"]


@pytest.mark.parametrize("check_type", ["dbs", "medical_clearance"])
async def test_dbs_and_medical_checks_show_no_detail_keys_anywhere(board: Board, check_type: str) -> None:
    check = await board.record_check(board.ceo, check_type)
    assert DETAIL_KEYS.isdisjoint(check)
    assert {"result", "performed_on", "next_due"} <= set(check)
    read = await board.client.get(f"/v1/directors/{board.ceo}/checks/{check['id']}", headers=board.hr())
    assert DETAIL_KEYS.isdisjoint(read.json())
    listing = await board.client.get(f"/v1/directors/{board.ceo}/checks", headers=board.director(board.ceo))
    [item] = [c for c in listing.json()["items"] if c["id"] == check["id"]]
    assert DETAIL_KEYS.isdisjoint(item)
    other = await board.record_check(board.ceo, "references")
    assert set(other) >= DETAIL_KEYS


async def test_the_database_refuses_detail_on_a_dbs_check(board: Board, db: AsyncSession) -> None:
    with pytest.raises(IntegrityError):
        async with db.begin_nested():
            db.add(
                FpptCheck(
                    director_id=board.ceo,  # type: ignore[arg-type]
                    check_type=CheckType.DBS,
                    result=CheckResult.CLEAR,
                    performed_on=dt.date.today(),
                    notes="conviction details",
                    recorded_by="someone",
                )
            )
            await db.flush()


async def test_check_interval_is_configurable_per_type(board: Board, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTER_CHECK_INTERVAL_DAYS", '{"dbs": 1095}')
    check_service._settings.cache_clear()
    try:
        done = dt.date.today()
        dbs = await board.record_check(board.ceo, "dbs", performed_on=done)
        training = await board.record_check(board.ceo, "training", performed_on=done)
    finally:
        monkeypatch.delenv("REGISTER_CHECK_INTERVAL_DAYS")
        check_service._settings.cache_clear()
    assert dbs["next_due"] == (done + dt.timedelta(days=1095)).isoformat()
    assert training["next_due"] == (done + dt.timedelta(days=365)).isoformat()


async def test_a_check_not_done_is_due_now_and_needs_no_date(board: Board) -> None:
    response = await board.client.post(
        f"/v1/directors/{board.ceo}/checks",
        json={"check_type": "references", "result": "not_done"},
        headers=board.hr(),
    )
    assert response.status_code == 201, response.text
    assert response.json()["next_due"] == dt.date.today().isoformat()
    assert response.json()["performed_on"] is None


async def test_bad_check_input_is_refused(board: Board) -> None:
    url = f"/v1/directors/{board.ceo}/checks"
    no_date = await board.client.post(url, json={"check_type": "training", "result": "clear"}, headers=board.hr())
    assert no_date.status_code == 400
    future = await board.client.post(
        url,
        json={
            "check_type": "training",
            "result": "clear",
            "performed_on": (dt.date.today() + dt.timedelta(days=3)).isoformat(),
            "performed_by": "HR",
        },
        headers=board.hr(),
    )
    assert future.status_code == 422
    unknown = await board.client.post(url, json={"check_type": "astrology", "result": "clear"}, headers=board.hr())
    assert unknown.status_code == 400


async def test_who_may_record_and_read_checks(board: Board, auth: TokenFactory) -> None:
    url = f"/v1/directors/{board.ceo}/checks"
    body = {"check_type": "training", "result": "clear", "performed_on": "2025-01-01", "performed_by": "HR"}
    assert (await board.client.post(url, json=body, headers=board.regulator())).status_code == 403
    assert (await board.client.post(url, json=body, headers=auth("auditor"))).status_code == 403
    assert (await board.client.post(url, json=body, headers=board.director(board.ceo))).status_code == 403
    assert (await board.client.post(url, json=body, headers=board.hr("RRV"))).status_code == 404
    assert (await board.client.post(url, json=body, headers=board.hr())).status_code == 201

    assert (await board.client.get(url, headers=auth("admin"))).status_code == 403
    assert (await board.client.get(url, headers=board.hr("RRV"))).status_code == 404
    assert (await board.client.get(url, headers=board.director(board.ned))).status_code == 404
    assert (await board.client.get(url, headers=board.director(board.other_chair))).status_code == 404
    for reader in (board.hr(), board.regulator(), auth("auditor"), board.director(board.ceo)):
        assert (await board.client.get(url, headers=reader)).status_code == 200
    # The chair and the SID read their board's checks (DESIGN.md §4: "read all, sign off").
    assert (await board.client.get(url, headers=board.director(board.chair))).status_code == 200
    assert (await board.client.get(url, headers=board.director(board.sid))).status_code == 200


async def test_a_concern_is_mitigated_under_if_match(board: Board) -> None:
    check = await board.record_check(board.ceo, "employment_tribunal", result="concern", notes="2019 judgment")
    url = f"/v1/directors/{board.ceo}/checks/{check['id']}/mitigation"
    body = {"mitigation": "Judgment reviewed by the chair; no finding against the director personally."}
    assert (await board.client.post(url, json=body, headers=board.hr())).status_code == 428
    stale = await board.client.post(url, json=body, headers={**board.hr(), "If-Match": '"7"'})
    assert stale.status_code == 412
    done = await board.client.post(url, json=body, headers={**board.hr(), "If-Match": '"1"'})
    assert done.status_code == 200, done.text
    assert done.headers["etag"] == '"2"'
    assert done.json()["mitigated_on"] == dt.date.today().isoformat()
    assert done.json()["mitigation"].startswith("Judgment reviewed")
    as_before = await board.client.get(
        f"/v1/directors/{board.ceo}/checks/{check['id']}",
        params={"as_of": "2000-01-01T00:00:00Z"},
        headers=board.hr(),
    )
    assert as_before.status_code == 404


async def test_only_concerns_are_mitigated_and_dbs_mitigation_has_no_text(board: Board) -> None:
    clear = await board.record_check(board.ceo, "training")
    refused = await board.client.post(
        f"/v1/directors/{board.ceo}/checks/{clear['id']}/mitigation",
        json={"mitigation": "n/a"},
        headers={**board.hr(), "If-Match": '"1"'},
    )
    assert refused.status_code == 422
    dbs = await board.record_check(board.ceo, "dbs", result="concern")
    url = f"/v1/directors/{board.ceo}/checks/{dbs['id']}/mitigation"
    with_text = await board.client.post(
        url, json={"mitigation": "Spent caution from 1995"}, headers={**board.hr(), "If-Match": '"1"'}
    )
    assert with_text.status_code == 422
    without = await board.client.post(url, json={}, headers={**board.hr(), "If-Match": '"1"'})
    assert without.status_code == 200, without.text
    assert without.json()["mitigated_on"] is not None
    assert DETAIL_KEYS.isdisjoint(without.json())


def _mine(page: dict[str, Any], director_id: str) -> dict[str, tuple[str, str | None]]:
    return {i["check_type"]: (i["status"], i["next_due"]) for i in page["items"] if i["director_id"] == director_id}


async def test_due_list_follows_the_calendar(board: Board) -> None:
    url = "/v1/organisations/RJ1/checks/due"
    with time_machine.travel(dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        await board.record_check(board.ceo, "social_media", performed_on=dt.date(2025, 3, 1))
        await board.record_check(board.ceo, "training", performed_on=dt.date(2025, 1, 15))
        await board.record_check(board.ceo, "dbs", performed_on=dt.date(2025, 2, 1), next_due=dt.date(2028, 2, 1))
        page = (await board.client.get(url, params={"limit": 200}, headers=board.hr())).json()
        mine = _mine(page, board.ceo)
        assert "social_media" not in mine and "training" not in mine and "dbs" not in mine
        missing = {t.value for t in ANNUAL_REQUIRED} - {"social_media", "training"}
        assert {t for t, (status, _) in mine.items() if status == "missing"} == missing

    with time_machine.travel(dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC), tick=False):
        mine = _mine((await board.client.get(url, params={"limit": 200}, headers=board.hr())).json(), board.ceo)
        assert mine["training"] == ("due_soon", "2026-01-15")
        assert "social_media" not in mine

    with time_machine.travel(dt.datetime(2026, 2, 10, 12, tzinfo=dt.UTC), tick=False):
        page = (await board.client.get(url, params={"limit": 200}, headers=board.hr())).json()
        mine = _mine(page, board.ceo)
        assert mine["training"] == ("overdue", "2026-01-15")
        assert mine["social_media"] == ("due_soon", "2026-03-01")
        assert "dbs" not in mine
        week = _mine(
            (await board.client.get(url, params={"within": "1w", "limit": 200}, headers=board.hr())).json(), board.ceo
        )
        assert "social_media" not in week and week["training"][0] == "overdue"
        # Missing checks come first, then by due date.
        statuses = [i["status"] for i in page["items"]]
        assert statuses.index("overdue") > max(i for i, s in enumerate(statuses) if s == "missing")

    with time_machine.travel(dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC), tick=False):
        # A new result replaces the old one: once training is done again it leaves the list.
        await board.record_check(board.ceo, "training", performed_on=dt.date(2026, 3, 2))
        mine = _mine((await board.client.get(url, params={"limit": 200}, headers=board.hr())).json(), board.ceo)
        assert "training" not in mine
        assert mine["social_media"] == ("overdue", "2026-03-01")


async def test_due_list_pages_through_the_whole_board(board: Board) -> None:
    url: str | None = "/v1/organisations/RJ1/checks/due?limit=7"
    seen: list[tuple[str, str]] = []
    while url:
        response = await board.client.get(url, headers=board.regulator())
        assert response.status_code == 200
        body = response.json()
        seen += [(i["director_id"], i["check_type"]) for i in body["items"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 4 * len(ANNUAL_REQUIRED)  # four RJ1 board members, nothing recorded


async def test_due_list_is_for_the_organisations_own_readers(board: Board, auth: TokenFactory) -> None:
    url = "/v1/organisations/RJ1/checks/due"
    assert (await board.client.get(url, headers=board.hr("RRV"))).status_code == 404
    assert (await board.client.get(url, headers=board.director(board.ned))).status_code == 404
    assert (await board.client.get(url, headers=board.director(board.other_chair))).status_code == 404
    assert (await board.client.get(url, headers=auth("admin"))).status_code == 403
    assert (await board.client.get(url, headers=board.director(board.chair))).status_code == 200
    assert (await board.client.get(url, headers=auth("auditor"))).status_code == 200
    bad = await board.client.get(url, params={"within": "30x"}, headers=board.hr())
    assert bad.status_code == 400
    assert (await board.client.get("/v1/organisations/RZZ/checks/due", headers=board.regulator())).status_code == 404
