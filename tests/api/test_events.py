"""The change feed: order, resuming from a cursor, who sees which events, and the audit of reading them."""

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.audit.models import AuditEvent
from register.events.models import OutboundEvent
from register.events.service import EventType, emit
from tests.conftest import TokenFactory

CreateDirector = Callable[..., Any]


async def record_finding(db: AsyncSession, director_id: str, n: int = 1) -> None:
    """Emit ``n`` finding events about a director, committed as a change would commit them."""
    for i in range(n):
        await emit(
            db,
            EventType.FINDING_RECORDED,
            director_id=uuid.UUID(director_id),
            record_type="finding",
            record_id=str(uuid.uuid4()),
            payload={"n": i},
        )
    await db.commit()


async def outbox(db: AsyncSession, director_ids: set[str] | None = None) -> list[int]:
    """The ids in the outbox, oldest first (the ground truth the feed is checked against)."""
    query = sa.select(col(OutboundEvent.id)).order_by(col(OutboundEvent.id))
    if director_ids is not None:
        query = query.where(col(OutboundEvent.director_id).in_([uuid.UUID(d) for d in director_ids]))
    return [i for i in (await db.execute(query)).scalars() if i is not None]


async def read_all(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> tuple[list[int], str]:
    """Follow the feed's `next` links to the end; the ids read and the cursor to resume from."""
    response = await client.get("/v1/events", params=params, headers=headers)
    ids: list[int] = []
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        ids += [e["id"] for e in body["items"]]
        if body["next"] is None:
            return ids, body["cursor"]
        assert response.headers["link"] == f'<{body["next"]}>; rel="next"'
        response = await client.get(body["next"], headers=headers)


async def test_regulator_reads_every_event_in_order_in_pages(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector, db: AsyncSession
) -> None:
    first = await create_director("RJ1")
    second = await create_director("RRV")
    await record_finding(db, first["id"], 3)
    await record_finding(db, second["id"], 2)

    ids, _ = await read_all(client, auth("regulator"), limit=2)

    assert ids == await outbox(db)
    assert len(ids) >= 5


async def test_feed_resumes_after_the_cursor_with_only_new_events(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector, db: AsyncSession
) -> None:
    director = await create_director("RJ1")
    await record_finding(db, director["id"], 2)
    seen, cursor = await read_all(client, auth("regulator"))

    again = await client.get("/v1/events", params={"after": cursor}, headers=auth("regulator"))
    assert again.json()["items"] == []
    assert again.json()["cursor"] == cursor

    await record_finding(db, director["id"], 1)
    new, _ = await read_all(client, auth("regulator"), after=cursor)
    assert new == (await outbox(db))[len(seen) :]
    assert len(new) == 1


async def test_event_document_has_what_a_subscriber_needs(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector, db: AsyncSession
) -> None:
    director = await create_director("RJ1")
    record_id = str(uuid.uuid4())
    await emit(
        db,
        EventType.BARRING_DECIDED,
        director_id=uuid.UUID(director["id"]),
        record_type="finding",
        record_id=record_id,
        payload={"barred": True},
    )
    await db.commit()
    response = await client.get("/v1/events", headers=auth("trust_hr", org="RJ1"))
    event = response.json()["items"][-1]
    assert set(event) == {"id", "type", "occurred_at", "director_id", "record_type", "record_id", "payload"}
    assert (event["type"], event["director_id"], event["record_id"]) == ("barring.decided", director["id"], record_id)
    assert event["payload"] == {"barred": True}


async def test_trust_hr_sees_only_events_about_its_own_directors(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector, db: AsyncSession
) -> None:
    own = await create_director("RJ1")
    other = await create_director("RRV")
    await record_finding(db, own["id"], 2)
    await record_finding(db, other["id"], 2)

    ids, _ = await read_all(client, auth("trust_hr", org="RJ1"), limit=1)

    assert ids == await outbox(db, {own["id"]})
    assert not set(ids) & set(await outbox(db, {other["id"]}))


async def test_trust_loses_sight_of_events_once_the_appointment_has_ended(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector, db: AsyncSession
) -> None:
    left = await create_director(
        "RJ1", appointment={"board_role": "chair", "start_date": "2020-01-01", "end_date": "2021-12-31"}
    )
    await record_finding(db, left["id"])
    ids, _ = await read_all(client, auth("trust_hr", org="RJ1"))
    assert not set(ids) & set(await outbox(db, {left["id"]}))


async def test_director_sees_only_events_about_themselves(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector, db: AsyncSession
) -> None:
    me = await create_director("RJ1")
    colleague = await create_director("RJ1")
    await record_finding(db, me["id"])
    await record_finding(db, colleague["id"])

    ids, _ = await read_all(client, auth("director", director_id=me["id"]))

    assert ids == await outbox(db, {me["id"]})


async def test_auditor_sees_every_event(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector, db: AsyncSession
) -> None:
    for org in ("RJ1", "RTH"):
        await record_finding(db, (await create_director(org))["id"])
    ids, _ = await read_all(client, auth("auditor"))
    assert ids == await outbox(db)


async def test_admin_may_not_read_the_feed(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    response = await client.get("/v1/events", headers=auth("admin"))
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/forbidden"


async def test_feed_needs_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/events")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_cursor_the_feed_did_not_issue_is_a_400(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    for bad in ("not-a-cursor", "eyJhZnRlciI6Ii0xIn0", "eyJpZCI6MX0"):  # junk, {"after":"-1"}, {"id":1}
        response = await client.get("/v1/events", params={"after": bad}, headers=auth("regulator"))
        assert response.status_code == 400, bad
        assert response.json()["type"] == "/problems/invalid-input"


async def test_limit_is_capped(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    response = await client.get("/v1/events", params={"limit": 10_000}, headers=auth("regulator"))
    assert response.status_code == 400
    assert response.json()["type"] == "/problems/validation-error"


async def test_reading_the_feed_is_audited_per_director_shown(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: CreateDirector, db: AsyncSession
) -> None:
    director = await create_director("RJ1")
    await record_finding(db, director["id"], 2)
    response = await client.get(
        "/v1/events", headers={**auth("trust_hr", org="RJ1"), "X-Purpose": "monitoring our board"}
    )
    assert response.status_code == 200
    rows = (
        await db.execute(
            sa.select(col(AuditEvent.action), col(AuditEvent.purpose)).where(
                col(AuditEvent.director_id) == uuid.UUID(director["id"]), col(AuditEvent.action) == "event.list"
            )
        )
    ).all()
    assert rows == [("event.list", "monitoring our board")]
