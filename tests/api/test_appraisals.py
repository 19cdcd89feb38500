"""LCF appraisals through the API."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.conftest import TokenFactory
from tests.fppt_helpers import Board, make_board

RATINGS = {
    "high_quality_outcomes": "met",
    "strategy_and_transformation": "exceeded",
    "equality_and_inclusion": "partially_met",
    "governance_and_assurance": "met",
    "compassionate_culture": "met",
    "partners_and_communities": "not_met",
}


def appraisal_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "year": 2025,
        "appraiser_name": "Cara Chair",
        "appraiser_role": "chair",
        "ratings": RATINGS,
        "objectives": [
            {"description": "Reduce the board's reliance on agency staff", "domain": "high_quality_outcomes"},
            {
                "description": "Sponsor the race equality network and report progress to the board",
                "domain": "equality_and_inclusion",
                "equality_diversity_inclusion": True,
            },
        ],
        "multi_source_feedback": True,
        "submitted_to_nhse_on": "2025-06-30",
    }
    body.update(overrides)
    return body


@pytest.fixture
async def board(client: httpx.AsyncClient, auth: TokenFactory, create_director: Callable[..., Any]) -> Board:
    return await make_board(client, auth, create_director)


async def test_trust_hr_records_an_appraisal(board: Board) -> None:
    response = await board.client.post(
        f"/v1/directors/{board.chair}/appraisals", json=appraisal_body(), headers=board.hr()
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["ratings"] == RATINGS
    assert body["multi_source_feedback"] is True
    assert body["submitted_to_nhse_on"] == "2025-06-30"
    assert body["objectives"][1]["equality_diversity_inclusion"] is True
    read = await board.client.get(
        f"/v1/directors/{board.chair}/appraisals/{body['id']}", headers=board.director(board.chair)
    )
    assert read.status_code == 200
    assert read.headers["etag"] == '"1"'
    assert read.json() == body


async def test_an_equality_diversity_and_inclusion_objective_is_required(board: Board) -> None:
    body = appraisal_body(objectives=[{"description": "Deliver the estates strategy"}])
    response = await board.client.post(f"/v1/directors/{board.ceo}/appraisals", json=body, headers=board.hr())
    assert response.status_code == 422
    assert "equality, diversity and inclusion" in response.json()["detail"]
    none = await board.client.post(
        f"/v1/directors/{board.ceo}/appraisals", json=appraisal_body(objectives=[]), headers=board.hr()
    )
    assert none.status_code == 400


async def test_every_domain_is_rated_on_the_four_point_scale(board: Board) -> None:
    partial = {k: v for k, v in RATINGS.items() if k != "compassionate_culture"}
    url = f"/v1/directors/{board.ceo}/appraisals"
    assert (await board.client.post(url, json=appraisal_body(ratings=partial), headers=board.hr())).status_code == 400
    five = {**RATINGS, "governance_and_assurance": "outstanding"}
    assert (await board.client.post(url, json=appraisal_body(ratings=five), headers=board.hr())).status_code == 400


async def test_one_appraisal_a_year_corrected_under_if_match(board: Board) -> None:
    url = f"/v1/directors/{board.ceo}/appraisals"
    made = (await board.client.post(url, json=appraisal_body(), headers=board.hr())).json()
    again = await board.client.post(url, json=appraisal_body(), headers=board.hr())
    assert again.status_code == 409
    change = {"ratings": {**RATINGS, "partners_and_communities": "met"}, "multi_source_feedback": False}
    item = f"{url}/{made['id']}"
    assert (await board.client.patch(item, json=change, headers=board.hr())).status_code == 428
    done = await board.client.patch(item, json=change, headers={**board.hr(), "If-Match": '"1"'})
    assert done.status_code == 200, done.text
    assert done.json()["ratings"]["partners_and_communities"] == "met"
    assert done.json()["multi_source_feedback"] is False
    assert done.headers["etag"] == '"2"'
    stale = await board.client.patch(item, json=change, headers={**board.hr(), "If-Match": '"1"'})
    assert stale.status_code == 412


async def test_who_records_and_reads_appraisals(board: Board, auth: TokenFactory) -> None:
    url = f"/v1/directors/{board.ceo}/appraisals"
    assert (await board.client.post(url, json=appraisal_body(), headers=board.regulator())).status_code == 403
    assert (await board.client.post(url, json=appraisal_body(), headers=board.hr("RRV"))).status_code == 404
    assert (await board.client.post(url, json=appraisal_body(), headers=board.director(board.ceo))).status_code == 403
    assert (await board.client.post(url, json=appraisal_body(), headers=board.hr())).status_code == 201
    assert (await board.client.get(url, headers=board.regulator())).status_code == 200
    assert (await board.client.get(url, headers=auth("admin"))).status_code == 403
    assert (await board.client.get(url, headers=board.director(board.ned))).status_code == 404
    listing = await board.client.get(url, headers=board.director(board.ceo))
    assert len(listing.json()["items"]) == 1


async def test_statements_show_beside_appraisals_and_attestations(board: Board) -> None:
    base = f"/v1/directors/{board.ceo}"
    appraisal = (await board.client.post(f"{base}/appraisals", json=appraisal_body(), headers=board.hr())).json()
    attestation = (await board.attest(board.ceo)).json()
    me = board.director(board.ceo)
    for record_type, record in (("appraisal", appraisal), ("attestation", attestation)):
        response = await board.client.post(
            f"{base}/statements",
            json={"about_record_type": record_type, "about_record_id": record["id"], "text": f"On my {record_type}."},
            headers=me,
        )
        assert response.status_code == 201, response.text
    listed = (await board.client.get(f"{base}/appraisals", headers=board.hr())).json()["items"]
    assert listed[0]["statements"][0]["text"] == "On my appraisal."
    one = (await board.client.get(f"{base}/appraisals/{appraisal['id']}", headers=board.regulator())).json()
    assert one["statements"][0]["text"] == "On my appraisal."
    attestations = (await board.client.get(f"{base}/attestations", headers=board.hr())).json()["items"]
    assert attestations[0]["statements"][0]["text"] == "On my attestation."
    single = (await board.client.get(f"{base}/attestations/{attestation['id']}", headers=me)).json()
    assert single["statements"][0]["text"] == "On my attestation."
