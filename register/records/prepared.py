"""Statements compiled once and run straight on asyncpg, and the pieces the one-statement requests share.

A statement is built with SQLAlchemy (bind parameters by name), compiled once per shape (:func:`prepare`) and run
with only the request's values (:func:`fetch_row`) by the request's :class:`register.db.Database`: asyncpg keeps it
prepared per connection, so a request pays one round trip and no statement building. The audit event of such a
request is written in the same statement (:func:`audit_cte`), from the one column map of
``register.audit.service`` (:func:`~register.audit.service.audit_fields`).
"""

import datetime as dt
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from register.access.principal import Actor, Principal
from register.audit.models import AuditEvent
from register.audit.service import AUDIT_COLUMNS, audit_fields
from register.db import StatementRunner
from register.directors.models import Director

_audit = AuditEvent.__table__  # type: ignore[attr-defined]


def ts(expr: str, zone: str = "Z") -> str:
    """A timestamptz as pydantic serialises it: ``2026-01-02T03:04:05Z`` or ``...05.123400Z`` (with ``zone``
    ``+00:00``: as Python's ``isoformat`` writes it); NULL stays NULL."""
    return (
        f'(to_char(({expr}) AT TIME ZONE \'UTC\', \'YYYY-MM-DD"T"HH24":"MI":"SS\') || '
        f"CASE WHEN date_part('microseconds', {expr})::bigint % 1000000 = 0 THEN '' "
        f"ELSE to_char(({expr}) AT TIME ZONE 'UTC', '.US') END || '{zone}')"
    )


# The audit columns each row of a statement gives (the record it read or wrote); the others are parameters ``a_*``.
_FROM_ROW = ("record_id", "director_id")
_PARAMETERS = tuple(f"a_{c}" for c in AUDIT_COLUMNS)


def _parameter(column: str) -> ColumnElement[Any]:
    value = sa.bindparam(f"a_{column}", None, type_=sa.String)
    return sa.cast(value, JSONB) if column == "detail" else value


def audit_cte(
    source: Any, *, record_id: ColumnElement[Any], director_id: ColumnElement[Any], name: str = "audit"
) -> sa.CTE:
    """Insert one audit event per row of ``source``: the row ``audit.service.record_event`` writes, from the same
    column map (:data:`register.audit.service.AUDIT_COLUMNS`), with the values of :func:`audit_values`."""
    given = {"record_id": record_id, "director_id": director_id}
    select = sa.select(*(given[c] if c in given else _parameter(c) for c in AUDIT_COLUMNS)).select_from(source)
    return sa.insert(_audit).from_select(list(AUDIT_COLUMNS), select).returning(_audit.c.id).cte(name)


def event_statement() -> sa.Insert:
    """One audit event about no record (parameters ``a_*``, as :func:`audit_values` gives them)."""
    return sa.insert(_audit).values({c: _parameter(c) for c in AUDIT_COLUMNS if c not in _FROM_ROW})


def audit_values(actor: Actor, action: str, record_type: str, detail: dict[str, Any] | None = None) -> dict[str, Any]:
    """The parameters of :func:`audit_cte` and :func:`event_statement`: :func:`register.audit.service.audit_fields`
    under the names ``a_<column>`` (the record's own columns come from the statement's rows)."""
    return dict(zip(_PARAMETERS, audit_fields(actor, action, json.dumps(detail or {}), record_type), strict=True))


@dataclass(frozen=True)
class Prepared:
    """A compiled statement: its SQL, the names of its positional parameters, and the values fixed at build."""

    sql: str
    names: tuple[str, ...]
    fixed: dict[str, Any]


_prepared: dict[tuple[Any, ...], Prepared] = {}
MAX_PREPARED = 512
_DIALECT = PGDialect_asyncpg()  # type: ignore[no-untyped-call]


def prepare(key: tuple[Any, ...] | None, build: Callable[[], sa.ClauseElement]) -> Prepared:
    """Compile ``build()`` once per ``key`` (``None``: a statement with values baked in, compiled every time)."""
    found = _prepared.get(key) if key is not None else None
    if found is None:
        compiled: Any = build().compile(dialect=_DIALECT, compile_kwargs={"render_postcompile": True})
        found = Prepared(compiled.string, tuple(compiled.positiontup or ()), dict(compiled.params))
        if key is not None:
            if len(_prepared) >= MAX_PREPARED:  # keys that carry a day pile up over weeks; compiling again is cheap
                _prepared.clear()
            _prepared[key] = found
    return found


def fetch_row(
    runner: StatementRunner, prepared: Prepared, values: dict[str, Any], stand_ins: dict[Any, Any] | None = None
) -> Awaitable[Any]:
    """Run a prepared statement with the request's values (and the caller's values for the scope's stand-ins);
    the first row or None. One round trip, and no SQLAlchemy statement building per request."""
    swap = stand_ins or {}
    args = []
    for name in prepared.names:
        if name in values:
            args.append(values[name])
            continue
        fixed = prepared.fixed[name]
        args.append(swap.get(fixed, fixed) if isinstance(fixed, str | uuid.UUID | dt.datetime) else fixed)
    return runner.fetchrow(prepared.sql, args)


# Stand-ins for the caller's organisation and director id (and the clock) while a scope is built for a shape of
# caller; their bind parameters are found by value after compiling and get the real caller's values at each request.
SCOPE_ORG = "\x00scope-org"
SCOPE_DIRECTOR = uuid.UUID(int=(1 << 128) - 1)
SCOPE_NOW = dt.datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=dt.UTC)


def scope_placeholders(principal: Principal) -> tuple[Principal, dict[Any, Any], tuple[Any, ...]]:
    """A principal of the same shape with stand-in organisation and director id, the stand-ins' real values, and
    the shape (a cache key): the access scope's SQL is then the same for every caller of a shape."""
    shape = Principal(
        sub="",
        role=principal.role,
        org=SCOPE_ORG if principal.org is not None else None,
        director_id=SCOPE_DIRECTOR if principal.director_id is not None else None,
    )
    key = (principal.role, principal.org is not None, principal.director_id is not None)
    return shape, {SCOPE_ORG: principal.org, SCOPE_DIRECTOR: principal.director_id}, key


def visible_cte(scope: ColumnElement[bool]) -> sa.CTE:
    """``v``: the director ``:director_id`` and the date ``:today``, if the scope lets the caller see them (the row
    a one-statement read builds on)."""
    return (
        sa.select(col(Director.id).label("id"), sa.bindparam("today", None, type_=sa.Date).label("today"))
        .where(col(Director.id) == sa.bindparam("director_id", None, type_=sa.Uuid), scope)
        .cte("v")
    )
