"""The hash chain under a concurrent, mixed workload: no fork, no gap, every committed event sealed once, in order."""

import asyncio
import hashlib
import json
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from api.cli import main
from register.audit.chain import GENESIS_HASH, canonical, link_hash, seal_pending
from register.audit.sealer import seal_round
from register.db import create_session_factory, transaction
from register.settings import Settings
from tests.audit.conftest import chain_rows, seal_all
from tests.conftest import TokenFactory, director_body


def test_canonical_form_is_sorted_compact_utc_json() -> None:
    import datetime as dt
    import uuid

    event = {
        "id": 7,
        "txid": 812,
        "occurred_at": dt.datetime(2026, 1, 31, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        "actor_sub": "alice",
        "actor_role": "trust_hr",
        "actor_org": "RJ1",
        "action": "director.read",
        "record_type": "director",
        "record_id": "x",
        "director_id": uuid.UUID("0190c2a4-0000-7000-8000-000000000001"),
        "purpose": "annual check",
        "request_id": None,
        "detail": {"b": 1, "a": [1, 2]},
    }
    text = canonical(event).decode()
    assert text.startswith('{"action":"director.read","actor_org":"RJ1",')
    assert '"occurred_at":"2026-01-31T09:00:00+00:00"' in text
    assert '"director_id":"0190c2a4-0000-7000-8000-000000000001"' in text
    assert '"detail":{"a":[1,2],"b":1}' in text
    assert " " not in text.replace("annual check", "")
    assert json.loads(text)["request_id"] is None
    expected = hashlib.sha256(GENESIS_HASH.encode() + text.encode()).hexdigest()
    assert link_hash(GENESIS_HASH, event) == expected


async def test_chain_is_intact_after_a_concurrent_mixed_workload(
    app_client: httpx.AsyncClient, app_engine: AsyncEngine, auth: TokenFactory, trusts: list[str]
) -> None:
    hr = {org: auth("trust_hr", org=org, sub=f"hr-{org.lower()}") for org in trusts}
    auditor = auth("auditor", sub="auditor-1")
    regulator = auth("regulator", sub="reg-1")
    factory = create_session_factory(app_engine)

    async def create(org: str) -> int:
        response = await app_client.post("/v1/directors", json=director_body(), headers=hr[org])
        return response.status_code

    async def sealer() -> int:
        # Sealers racing the writers and each other: the blocking one and the worker's try-lock round.
        async with transaction(factory) as session:
            done = (await seal_pending(session, batch=7)).sealed
        return done + await seal_round(factory, batch=5)

    first = await asyncio.gather(*(create(trusts[i % 2]) for i in range(16)), sealer(), sealer())
    assert first[:16] == [201] * 16

    listing = await app_client.get("/v1/directors?limit=50", headers=regulator)
    ids = [d["id"] for d in listing.json()["items"]]
    assert len(ids) == 16

    def call(method: str, url: str, headers: dict[str, str], **kw: Any) -> Any:
        return app_client.request(method, url, headers=headers, **kw)

    mixed = [call("GET", f"/v1/directors/{d}", regulator) for d in ids]
    mixed += [call("GET", f"/v1/directors/{d}", auditor) for d in ids[:6]]
    mixed += [call("GET", "/v1/directors?limit=5", hr[org]) for org in trusts]
    mixed += [call("POST", "/v1/directors", hr["RJ1"], json=director_body()) for _ in range(6)]
    mixed += [call("GET", "/v1/audit/verify", auditor) for _ in range(3)]
    mixed += [call("GET", "/v1/audit/events?limit=10", auditor) for _ in range(2)]
    mixed += [call("GET", "/v1/directors/00000000-0000-7000-8000-000000000000", regulator)]  # 404: rolled back
    results = await asyncio.gather(*mixed, sealer(), sealer(), sealer())
    statuses = [r.status_code for r in results[: len(mixed)]]
    assert statuses.count(404) == 1
    assert all(s in (200, 201, 404) for s in statuses), statuses
    for verification in (r for r in results[: len(mixed)] if r.url.path == "/v1/audit/verify"):
        assert verification.json()["intact"] is True, verification.json()

    report = await seal_all(app_engine)
    assert report.intact, report.summary
    assert report.unsealed == 0

    async with app_engine.connect() as conn:
        total = await conn.scalar(sa.text("SELECT count(*) FROM audit_events"))
        txids = await conn.scalar(sa.text("SELECT count(DISTINCT txid) FROM audit_events"))
    assert report.events == total
    assert txids > 40, "each request wrote in its own transaction"

    # One link per event, seq 1..N without gaps, in (txid, id) order: the chain never forked or jumped back.
    rows = await chain_rows(app_engine)
    assert [r["seq"] for r in rows] == list(range(1, total + 1))
    assert len({r["event_id"] for r in rows}) == total
    keys = [(r["txid"], r["event_id"]) for r in rows]
    assert keys == sorted(keys)

    # The API's answer is the same chain and the same head.
    response = await app_client.get("/v1/audit/verify", headers=auditor)
    assert response.status_code == 200
    body = response.json()
    assert body["intact"] is True
    assert body["head_hash"] == report.head_hash
    assert body["events"] >= total  # the verification requests' own events may have been sealed since
    assert body["summary"] == f"intact, {body['events']} events, head hash {body['head_hash']}"


async def test_events_of_unfinished_transactions_wait_for_a_later_seal(
    app_engine: AsyncEngine, owner_engine: AsyncEngine, make_events: Any
) -> None:
    await make_events(2)
    factory = create_session_factory(app_engine)
    async with owner_engine.connect() as open_tx:
        # A transaction that has written an audit event and not yet committed.
        await open_tx.execute(
            sa.text("INSERT INTO audit_events (actor_sub, actor_role, action) VALUES ('slow', 'trust_hr', 'x.slow')")
        )
        async with transaction(factory) as session:
            await seal_pending(session)
        async with transaction(factory) as session:
            sealed_slow = await session.scalar(
                sa.text(
                    "SELECT count(*) FROM audit_chain c JOIN audit_events e ON e.id = c.event_id "
                    "WHERE e.action = 'x.slow'"
                )
            )
            assert sealed_slow == 0
        await open_tx.commit()
    report = await seal_all(app_engine)
    assert report.intact and report.unsealed == 0
    rows = await chain_rows(app_engine)
    assert rows[-1]["action"] == "x.slow"


@pytest.fixture
async def four_unsealed(make_events: Any) -> None:
    await make_events(2)


def test_cli_seals_and_verifies(
    audit_db: URL, settings: Settings, monkeypatch: pytest.MonkeyPatch, four_unsealed: None
) -> None:
    url = audit_db.set(username=settings.app_db_role, password=None, drivername="postgresql")
    monkeypatch.setenv("REGISTER_DATABASE_URL", url.render_as_string(hide_password=False))
    runner = CliRunner()
    sealed = runner.invoke(main, ["audit", "seal"])
    assert sealed.exit_code == 0, sealed.output
    assert sealed.output.startswith("sealed 4 events; head seq 4, head hash ")
    head = sealed.output.split()[-1]
    verified = runner.invoke(main, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert f"intact, 4 events, head hash {head}" in verified.output
    assert "0 events not sealed yet" in verified.output
