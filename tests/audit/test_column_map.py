"""The audit row has one column map: the ORM writers and the prepared statements' audit CTE write the same row."""

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from register.access.principal import Actor, Principal, Role
from register.audit.models import AuditEvent
from register.audit.service import AUDIT_COLUMNS, record_event
from register.db import SessionRunner
from register.records import prepared

_table = AuditEvent.__table__  # type: ignore[attr-defined]
# Filled by the server: the event's id, its time and its writing transaction.
SERVER_FILLED = {"id", "occurred_at", "txid"}
ACTOR = Actor(Principal(sub="hr-rj1", role=Role.TRUST_HR, org="RJ1"), request_id="req-1", purpose="shortlisting")


def test_the_column_map_names_every_column_a_writer_fills() -> None:
    assert set(AUDIT_COLUMNS) == {c.key for c in _table.columns} - SERVER_FILLED


async def _rows(db: AsyncSession, action: str) -> list[dict[str, Any]]:
    result = await db.execute(
        sa.select(*(_table.c[c] for c in AUDIT_COLUMNS)).where(_table.c.action == action).order_by(_table.c.id)
    )
    return [dict(r._mapping) for r in result]


async def test_a_prepared_statement_writes_the_row_record_event_writes(db: AsyncSession) -> None:
    director = uuid.uuid4()
    detail = {"as_of": "2026-01-01T00:00:00+00:00", "n": 2}
    await record_event(
        db, ACTOR, "twin.orm", record_type="director", record_id=str(director), director_id=director, detail=detail
    )
    source = sa.select(sa.literal(director, sa.Uuid).label("id")).cte("v")
    statement = sa.select(sa.literal(1)).add_cte(
        prepared.audit_cte(source, record_id=sa.cast(source.c.id, sa.String), director_id=source.c.id)
    )
    compiled = prepared.prepare(None, lambda: statement)
    await prepared.fetch_row(SessionRunner(db), compiled, prepared.audit_values(ACTOR, "twin.sql", "director", detail))
    [orm] = await _rows(db, "twin.orm")
    [sql] = await _rows(db, "twin.sql")
    assert {**orm, "action": None} == {**sql, "action": None}
    assert orm["detail"] == detail and orm["purpose"] == "shortlisting" and orm["request_id"] == "req-1"


async def test_an_event_about_no_record_is_the_same_both_ways(db: AsyncSession) -> None:
    await record_event(db, ACTOR, "twin.orm", record_type="candidate_check")
    await prepared.fetch_row(
        SessionRunner(db),
        prepared.prepare(None, prepared.event_statement),
        prepared.audit_values(ACTOR, "twin.sql", "candidate_check"),
    )
    [orm] = await _rows(db, "twin.orm")
    [sql] = await _rows(db, "twin.sql")
    assert {**orm, "action": None} == {**sql, "action": None}
    assert orm["detail"] == {} and orm["record_id"] is None and orm["director_id"] is None
