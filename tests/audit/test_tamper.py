"""Tampering with the trail directly in PostgreSQL, as the superuser with the guards switched off: verify names the
exact link where the chain breaks, and why."""

from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from api.cli import main
from register.settings import Settings
from tests.audit.conftest import chain_rows, seal_all
from tests.conftest import TokenFactory

# Each of events :a and :b takes the other's content (everything but the id).
SWAP_CONTENTS = """
UPDATE audit_events t SET
    (txid, occurred_at, actor_sub, actor_role, actor_org, action, record_type, record_id, director_id, purpose,
     request_id, detail)
  = (SELECT txid, occurred_at, actor_sub, actor_role, actor_org, action, record_type, record_id, director_id, purpose,
            request_id, detail
       FROM audit_events s WHERE s.id = CASE t.id WHEN :a THEN :b ELSE :a END)
WHERE t.id IN (:a, :b)
"""


@pytest.fixture
async def sealed(app_engine: AsyncEngine, make_events: Any) -> list[dict[str, Any]]:
    """Sixteen events from eight requests, all sealed; the chain as the owner sees it."""
    await make_events(8)
    report = await seal_all(app_engine)
    assert report.intact and report.unsealed == 0 and report.events == 16
    return await chain_rows(app_engine)


async def tamper(engine: AsyncEngine, *statements: str, **params: Any) -> None:
    """Run statements as the superuser in one transaction, with the append-only triggers not firing."""
    async with engine.begin() as conn:
        await conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        for statement in statements:
            await conn.execute(sa.text(statement), {k: v for k, v in params.items() if f":{k}" in statement})


async def verify(client: httpx.AsyncClient, auth: TokenFactory) -> dict[str, Any]:
    response = await client.get("/v1/audit/verify", headers=auth("auditor", sub="auditor-1"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_intact_chain_is_reported_with_count_and_head(
    app_client: httpx.AsyncClient, auth: TokenFactory, sealed: list[dict[str, Any]]
) -> None:
    body = await verify(app_client, auth)
    assert body["intact"] is True
    assert body["broken"] is None
    assert body["events"] == 16
    assert body["summary"] == f"intact, 16 events, head hash {body['head_hash']}"


async def test_changed_event_is_named(
    app_client: httpx.AsyncClient, auth: TokenFactory, owner_engine: AsyncEngine, sealed: list[dict[str, Any]]
) -> None:
    target = sealed[5]
    # DISABLE TRIGGER here (the other tests use session_replication_role): either way the guard is off.
    async with owner_engine.begin() as conn:
        await conn.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
        await conn.execute(
            sa.text("UPDATE audit_events SET purpose = 'nothing to see' WHERE id = :id"), {"id": target["event_id"]}
        )
        await conn.execute(sa.text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))

    body = await verify(app_client, auth)
    assert body["intact"] is False
    assert body["broken"]["seq"] == target["seq"] == 6
    assert body["broken"]["event_id"] == target["event_id"]
    assert body["broken"]["reason"] == "content_changed"
    assert body["events"] == 5  # the links before the break hold
    assert body["summary"].startswith(f"broken at seq 6 (event {target['event_id']}): content_changed")


async def test_changed_detail_is_named(
    app_client: httpx.AsyncClient, auth: TokenFactory, owner_engine: AsyncEngine, sealed: list[dict[str, Any]]
) -> None:
    target = sealed[-1]
    await tamper(
        owner_engine, """UPDATE audit_events SET detail = '{"note": 1}'::jsonb WHERE id = :id""", id=target["event_id"]
    )
    body = await verify(app_client, auth)
    assert (body["broken"]["seq"], body["broken"]["event_id"]) == (16, target["event_id"])
    assert body["broken"]["reason"] == "content_changed"


async def test_deleted_event_is_named(
    app_client: httpx.AsyncClient, auth: TokenFactory, owner_engine: AsyncEngine, sealed: list[dict[str, Any]]
) -> None:
    target = sealed[9]
    await tamper(owner_engine, "DELETE FROM audit_events WHERE id = :id", id=target["event_id"])
    body = await verify(app_client, auth)
    assert body["intact"] is False
    assert (body["broken"]["seq"], body["broken"]["event_id"]) == (10, target["event_id"])
    assert body["broken"]["reason"] == "event_missing"


async def test_swapped_event_contents_are_named_at_the_first(
    app_client: httpx.AsyncClient, auth: TokenFactory, owner_engine: AsyncEngine, sealed: list[dict[str, Any]]
) -> None:
    first, second = sealed[2], sealed[11]
    assert first["txid"] != second["txid"]
    a, b = first["event_id"], second["event_id"]
    # Each row takes the other's content: the history now says event b's action happened at event a's place.
    await tamper(
        owner_engine,
        SWAP_CONTENTS,
        a=a,
        b=b,
    )
    body = await verify(app_client, auth)
    assert (body["broken"]["seq"], body["broken"]["event_id"]) == (3, a)
    assert body["broken"]["reason"] == "order_changed"


async def test_reordered_chain_is_named_at_the_first_moved_link(
    app_client: httpx.AsyncClient, auth: TokenFactory, owner_engine: AsyncEngine, sealed: list[dict[str, Any]]
) -> None:
    a, b = sealed[3]["event_id"], sealed[7]["event_id"]
    await tamper(
        owner_engine,
        "UPDATE audit_chain SET event_id = -1 WHERE seq = 4",
        "UPDATE audit_chain SET event_id = :a WHERE seq = 8",
        "UPDATE audit_chain SET event_id = :b WHERE seq = 4",
        a=a,
        b=b,
    )
    body = await verify(app_client, auth)
    assert (body["broken"]["seq"], body["broken"]["event_id"]) == (4, b)
    assert body["broken"]["reason"] == "order_changed"


async def test_removed_chain_link_is_named(
    app_client: httpx.AsyncClient, auth: TokenFactory, owner_engine: AsyncEngine, sealed: list[dict[str, Any]]
) -> None:
    target = sealed[12]
    await tamper(owner_engine, "DELETE FROM audit_chain WHERE seq = 13")
    body = await verify(app_client, auth)
    assert (body["broken"]["seq"], body["broken"]["event_id"]) == (13, target["event_id"])
    assert body["broken"]["reason"] == "chain_row_missing"


async def test_rewritten_link_hash_is_named(
    app_client: httpx.AsyncClient, auth: TokenFactory, owner_engine: AsyncEngine, sealed: list[dict[str, Any]]
) -> None:
    # Changing an event and recomputing its own link is not enough: the next link still carries the old hash.
    target = sealed[6]
    await tamper(
        owner_engine,
        "UPDATE audit_events SET purpose = 'rewritten' WHERE id = :id",
        "UPDATE audit_chain SET hash = repeat('a', 64) WHERE seq = 7",
        id=target["event_id"],
    )
    body = await verify(app_client, auth)
    assert body["broken"]["seq"] == 7
    assert body["broken"]["event_id"] == target["event_id"]


async def test_event_slipped_in_behind_the_head_is_named(
    app_client: httpx.AsyncClient,
    auth: TokenFactory,
    app_engine: AsyncEngine,
    sealed: list[dict[str, Any]],
) -> None:
    # The app's role may insert: an event backdated into an already sealed stretch cannot hide there.
    async with app_engine.begin() as conn:
        forged = await conn.scalar(
            sa.text(
                "INSERT INTO audit_events (actor_sub, actor_role, action, txid) "
                "VALUES ('ghost', 'auditor', 'director.read', 1) RETURNING id"
            )
        )
    body = await verify(app_client, auth)
    assert body["intact"] is False
    assert body["broken"]["event_id"] == forged
    assert body["broken"]["reason"] == "event_outside_chain"


def test_cli_verify_names_the_break_and_exits_1(
    audit_db: URL,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    sealed: list[dict[str, Any]],
    owner_engine: AsyncEngine,
) -> None:
    import asyncio

    target = sealed[4]
    asyncio.run(_tamper_in_new_loop(audit_db, "DELETE FROM audit_events WHERE id = :id", id=target["event_id"]))
    url = audit_db.set(username=settings.app_db_role, password=None, drivername="postgresql")
    monkeypatch.setenv("REGISTER_DATABASE_URL", url.render_as_string(hide_password=False))
    result = CliRunner().invoke(main, ["audit", "verify"])
    assert result.exit_code == 1, result.output
    assert f"broken at seq 5 (event {target['event_id']}): event_missing" in result.output


async def _tamper_in_new_loop(url: URL, statement: str, **params: Any) -> None:
    from register.db import create_engine

    engine = create_engine(url, pool_size=1)
    try:
        await tamper(engine, statement, **params)
    finally:
        await engine.dispose()
