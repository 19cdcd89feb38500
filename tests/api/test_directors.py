"""Directors: who may create, read, list and change them; validation; versions; the audit trail."""

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.audit.models import AuditEvent
from register.directors.models import Director
from register.versions.models import RecordVersion
from tests.conftest import Orgs, TokenFactory, director_body

CreateDirector = Callable[..., Any]


async def count(db: AsyncSession, model: type) -> int:
    return (await db.execute(sa.select(sa.func.count()).select_from(model))).scalar_one()


async def audit_actions(db: AsyncSession, director_id: str) -> list[tuple[str, str, str | None]]:
    rows = await db.execute(
        sa.select(col(AuditEvent.action), col(AuditEvent.actor_role), col(AuditEvent.purpose))
        .where(col(AuditEvent.director_id) == director_id)
        .order_by(col(AuditEvent.id))
    )
    return [(a, r, p) for a, r, p in rows]


async def test_trust_hr_creates_a_director_with_an_appointment_at_their_trust(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession
) -> None:
    body = director_body(
        registrations=[{"body": "GMC", "number": "1234567"}, {"body": "NMC", "number": "01a 2345n"}],
        appointment={"board_role": "executive_director", "portfolio": "medical", "start_date": "2025-04-01"},
    )
    response = await client.post(
        "/v1/directors", json=body, headers={**auth("trust_hr", org="RJ1"), "X-Purpose": "new appointment"}
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"/v1/directors/{created['id']}"
    assert {(r["body"], r["number"]) for r in created["registrations"]} == {("GMC", "1234567"), ("NMC", "01A2345N")}
    [appointment] = created["appointments"]
    assert appointment["ods_code"] == "RJ1"
    assert appointment["employer_name"] == "Guy's and St Thomas' NHS Foundation Trust"
    assert appointment["role_title"] == "Executive director (medical)"
    assert appointment["voting"] is True
    assert await audit_actions(db, created["id"]) == [("director.create", "trust_hr", "new appointment")]
    versions = await db.execute(
        sa.select(col(RecordVersion.record_type)).where(col(RecordVersion.director_id) == created["id"])
    )
    assert sorted(versions.scalars()) == ["director", "employment", "registration", "registration"]


async def test_trust_hr_reads_own_director_and_the_read_is_audited(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector, db: AsyncSession
) -> None:
    director = await create_director("RJ1")
    response = await client.get(
        f"/v1/directors/{director['id']}", headers={**auth("trust_hr", org="RJ1"), "X-Purpose": "annual FPPT"}
    )
    assert response.status_code == 200
    assert response.json()["family_name"] == director["family_name"]
    assert response.headers["etag"] == '"1"'
    assert (await audit_actions(db, director["id"]))[-1] == ("director.read", "trust_hr", "annual FPPT")


async def test_trust_hr_cannot_see_other_trusts_director(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    director = await create_director("RRV")
    response = await client.get(f"/v1/directors/{director['id']}", headers=auth("trust_hr", org="RJ1"))
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"
    listed = await client.get("/v1/directors", headers=auth("trust_hr", org="RJ1"))
    assert director["id"] not in [d["id"] for d in listed.json()["items"]]


async def test_trust_loses_sight_of_a_director_whose_appointment_has_ended(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    ended = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    director = await create_director(
        "RJ1", appointment={"board_role": "chair", "start_date": "2020-01-01", "end_date": ended}
    )
    response = await client.get(f"/v1/directors/{director['id']}", headers=auth("trust_hr", org="RJ1"))
    assert response.status_code == 404


async def test_regulator_and_auditor_list_every_director(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector, db: AsyncSession
) -> None:
    ids = {(await create_director(org))["id"] for org in ("RJ1", "RRV", "RTH")}
    for role in ("regulator", "auditor"):
        response = await client.get("/v1/directors?limit=200", headers=auth(role))
        assert response.status_code == 200
        assert ids <= {d["id"] for d in response.json()["items"]}
    for director_id in ids:
        actions = [a for a, _, _ in await audit_actions(db, director_id)]
        assert actions.count("director.list") == 2


async def test_trust_hr_lists_only_its_own_directors(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    own = {(await create_director("RJ1"))["id"] for _ in range(3)}
    await create_director("RRV")
    response = await client.get("/v1/directors", headers=auth("trust_hr", org="RJ1"))
    assert {d["id"] for d in response.json()["items"]} == own


async def test_list_pages_follow_next_without_repeats(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    created = [(await create_director("RJ1"))["id"] for _ in range(5)]
    seen: list[str] = []
    url: str | None = "/v1/directors?limit=2"
    while url:
        body = (await client.get(url, headers=auth("trust_hr", org="RJ1"))).json()
        seen += [d["id"] for d in body["items"]]
        url = body["next"]
    assert seen == created


async def test_a_forged_cursor_is_a_400(client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs) -> None:
    response = await client.get("/v1/directors?cursor=bm90LWEtY3Vyc29y", headers=auth("regulator"))
    assert response.status_code == 400
    assert response.json()["type"] == "/problems/invalid-input"


async def test_director_reads_own_record_but_not_anothers(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    me = await create_director("RJ1")
    other = await create_director("RJ1")
    headers = auth("director", director_id=me["id"])
    assert (await client.get(f"/v1/directors/{me['id']}", headers=headers)).status_code == 200
    assert (await client.get(f"/v1/directors/{other['id']}", headers=headers)).status_code == 404
    listed = await client.get("/v1/directors", headers=headers)
    assert [d["id"] for d in listed.json()["items"]] == [me["id"]]


async def test_admin_sees_no_personal_data(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    director = await create_director("RJ1")
    assert (await client.get("/v1/directors", headers=auth("admin"))).status_code == 403
    assert (await client.get(f"/v1/directors/{director['id']}", headers=auth("admin"))).status_code == 403


async def test_only_trust_hr_creates_directors(client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs) -> None:
    for role in ("regulator", "auditor", "admin"):
        response = await client.post("/v1/directors", json=director_body(), headers=auth(role))
        assert response.status_code == 403, role


async def test_malformed_json_is_a_400_and_writes_nothing(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession
) -> None:
    response = await client.post(
        "/v1/directors",
        content=b'{"given_name": "Amara",',
        headers={**auth("trust_hr", org="RJ1"), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await count(db, Director) == 0


async def test_unknown_field_is_refused(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession
) -> None:
    response = await client.post(
        "/v1/directors", json=director_body(nickname="Mo"), headers=auth("trust_hr", org="RJ1")
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "nickname"
    assert await count(db, Director) == 0


async def test_bad_gmc_number_is_refused_with_the_format(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession
) -> None:
    body = director_body(registrations=[{"body": "GMC", "number": "12345"}])
    response = await client.post("/v1/directors", json=body, headers=auth("trust_hr", org="RJ1"))
    assert response.status_code == 400
    assert "GMC registration number is 7 digits" in response.json()["detail"]
    assert await count(db, Director) == 0


async def test_appointment_ending_before_it_starts_is_refused(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs
) -> None:
    body = director_body(appointment={"board_role": "chair", "start_date": "2025-01-01", "end_date": "2024-01-01"})
    response = await client.post("/v1/directors", json=body, headers=auth("trust_hr", org="RJ1"))
    assert response.status_code == 400
    assert "end_date must not be before start_date" in response.json()["detail"]


async def test_non_json_body_is_415(client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs) -> None:
    response = await client.post(
        "/v1/directors",
        content=b"given_name=Amara",
        headers={**auth("trust_hr", org="RJ1"), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415
    assert response.json()["type"] == "/problems/unsupported-media-type"


async def test_same_registration_number_is_a_duplicate_person(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector, db: AsyncSession
) -> None:
    await create_director("RRV", registrations=[{"body": "GMC", "number": "7654321"}])
    before = await count(db, Director)
    response = await client.post(
        "/v1/directors",
        json=director_body(registrations=[{"body": "GMC", "number": "7654321"}]),
        headers=auth("trust_hr", org="RJ1"),
    )
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"] == "/problems/duplicate-director"
    assert "candidate check" in problem["detail"]
    assert "id" not in problem and "RRV" not in response.text
    assert await count(db, Director) == before


async def test_same_name_and_birth_date_is_a_duplicate_person_whatever_the_accents(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    await create_director("RRV", given_name="Siobhán", family_name="O'Brien", date_of_birth="1968-02-03")
    response = await client.post(
        "/v1/directors",
        json=director_body(given_name="siobhan", family_name="  OBRIEN ", date_of_birth="1968-02-03"),
        headers=auth("trust_hr", org="RJ1"),
    )
    assert response.status_code == 409
    assert response.json()["matched_on"] == "name_and_date_of_birth"


async def test_former_name_counts_for_duplicates(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    await create_director(
        "RRV",
        given_name="Jane",
        family_name="Smith",
        date_of_birth="1971-07-07",
        former_names=[{"given_name": "Jane", "family_name": "Jones"}],
    )
    response = await client.post(
        "/v1/directors",
        json=director_body(given_name="Jane", family_name="Jones", date_of_birth="1971-07-07"),
        headers=auth("trust_hr", org="RJ1"),
    )
    assert response.status_code == 409


async def test_letters_that_do_not_decompose_count_as_their_base_letter_for_duplicates(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    await create_director("RRV", given_name="Søren", family_name="Łukasz", date_of_birth="1966-06-06")
    response = await client.post(
        "/v1/directors",
        json=director_body(given_name="Soren", family_name="Lukasz", date_of_birth="1966-06-06"),
        headers=auth("trust_hr", org="RJ1"),
    )
    assert response.status_code == 409
    assert response.json()["matched_on"] == "name_and_date_of_birth"


async def test_a_name_one_typo_away_is_created_with_a_warning_naming_the_matches_the_trust_may_see(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector, db: AsyncSession
) -> None:
    own = await create_director("RJ1", given_name="Hollis", family_name="Grant", date_of_birth="1972-03-04")
    await create_director("RRV", given_name="Holis", family_name="Grunt", date_of_birth="1972-03-04")
    unrelated = await create_director("RRV", given_name="Hollis", family_name="Grant", date_of_birth="1972-03-05")

    response = await client.post(
        "/v1/directors",
        json=director_body(given_name="Holis", family_name="Grant", date_of_birth="1972-03-04"),
        headers=auth("trust_hr", org="RJ1"),
    )

    assert response.status_code == 201, response.text
    [warning] = response.json()["warnings"]
    assert warning["code"] == "possible-duplicate"
    assert "2 people" in warning["detail"]
    assert warning["near_matches"] == [
        {"id": own["id"], "given_name": "Hollis", "family_name": "Grant", "href": f"/v1/directors/{own['id']}"}
    ]
    assert warning["other_matches"] == 1  # Holis Grunt at RRV: counted, never named
    assert "Grunt" not in response.text and unrelated["id"] not in response.text
    shown = await db.execute(
        sa.select(col(AuditEvent.director_id)).where(col(AuditEvent.action) == "director.near_match")
    )
    assert [str(d) for d in shown.scalars()] == [own["id"]]


async def test_a_distinct_name_gets_no_warning(client: httpx.AsyncClient, create_director: CreateDirector) -> None:
    await create_director("RJ1", given_name="Hollis", family_name="Grant", date_of_birth="1972-03-04")
    created = await create_director("RJ1", given_name="Harriet", family_name="Grant", date_of_birth="1972-03-04")
    assert created["warnings"] == []


async def test_update_writes_a_new_version_and_as_of_reads_the_old_one(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector, db: AsyncSession
) -> None:
    director = await create_director("RJ1", family_name="Before")
    # Versions are stamped with the transaction time; step past it so "as of" can tell them apart.
    await db.execute(
        sa.update(RecordVersion)
        .where(col(RecordVersion.director_id) == director["id"])
        .values(changed_at=sa.func.now() - dt.timedelta(hours=1))
    )
    await db.commit()
    headers = auth("trust_hr", org="RJ1")
    response = await client.patch(
        f"/v1/directors/{director['id']}", json={"family_name": "After"}, headers={**headers, "If-Match": '"1"'}
    )
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    assert response.json()["family_name"] == "After"
    earlier = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30)).isoformat()
    old = await client.get(f"/v1/directors/{director['id']}", params={"as_of": earlier}, headers=headers)
    assert old.status_code == 200
    assert old.json()["family_name"] == "Before"
    assert old.json()["version"] == 1
    before_birth = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).isoformat()
    missing = await client.get(f"/v1/directors/{director['id']}", params={"as_of": before_birth}, headers=headers)
    assert missing.status_code == 404
    assert [a for a, _, _ in await audit_actions(db, director["id"])].count("director.update") == 1


async def test_update_without_if_match_is_428_and_stale_is_412(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    director = await create_director("RJ1", family_name="Original")
    url = f"/v1/directors/{director['id']}"
    headers = auth("trust_hr", org="RJ1")
    assert (await client.patch(url, json={"family_name": "X"}, headers=headers)).status_code == 428
    assert (
        await client.patch(url, json={"family_name": "Y"}, headers={**headers, "If-Match": '"1"'})
    ).status_code == 200
    stale = await client.patch(url, json={"family_name": "Z"}, headers={**headers, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["type"] == "/problems/stale-version"
    assert (await client.get(url, headers=headers)).json()["family_name"] == "Y"


async def test_regulator_cannot_change_a_director(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    director = await create_director("RJ1")
    response = await client.patch(
        f"/v1/directors/{director['id']}", json={"family_name": "X"}, headers={**auth("regulator"), "If-Match": '"1"'}
    )
    assert response.status_code == 403


async def test_other_trust_cannot_change_a_director(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    director = await create_director("RRV")
    response = await client.patch(
        f"/v1/directors/{director['id']}",
        json={"family_name": "X"},
        headers={**auth("trust_hr", org="RJ1"), "If-Match": '"1"'},
    )
    assert response.status_code == 404


async def test_empty_update_is_refused(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector
) -> None:
    director = await create_director("RJ1")
    response = await client.patch(
        f"/v1/directors/{director['id']}", json={}, headers={**auth("trust_hr", org="RJ1"), "If-Match": '"1"'}
    )
    assert response.status_code == 422


async def test_unknown_path_and_wrong_method_are_problems(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs
) -> None:
    missing = await client.get("/v1/nothing-here", headers=auth("regulator"))
    assert missing.status_code == 404
    assert missing.json()["type"] == "/problems/not-found"
    wrong = await client.delete("/v1/organisations", headers=auth("admin"))
    assert wrong.status_code == 405
    assert wrong.json()["type"] == "/problems/method-not-allowed"


async def test_concurrent_updates_with_one_etag_let_exactly_one_win(
    committed_client: httpx.AsyncClient, auth: TokenFactory, committed_director: dict[str, Any]
) -> None:
    url = f"/v1/directors/{committed_director['id']}"
    headers = {**auth("trust_hr", org="RJ1"), "If-Match": '"1"'}
    results = await asyncio.gather(
        *(committed_client.patch(url, json={"family_name": f"Racer{i}"}, headers=headers) for i in range(4))
    )
    assert sorted(r.status_code for r in results) == [200, 412, 412, 412]
