"""The full read built in PostgreSQL: a director's file (``DirectorRead``) as one statement.

The statement finds the director through the caller's access scope (the same ``policy.visible_directors``
expression the ORM path uses), writes the audit event in the same statement (a data-modifying CTE that inserts only
when the director is visible), and returns the finished JSON as text, in the exact shape of
``schemas.directors.DirectorRead``: no ORM objects and no pydantic validation per request. Timestamps are written
as pydantic writes them (UTC, ``Z``, microseconds only when not zero), so a client cannot tell the two paths apart
(tests/api/test_fast_path_twins.py compares them). The fast path and its justification: docs/benchmarks.md.
"""

# ruff: noqa: S608  (the SQL here is built from constants of this module only; values are bind parameters)

from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from register.directors.models import Director
from register.findings.models import Finding
from register.findings.service import active_bar_on
from register.records.prepared import audit_cte, ts, visible_cte
from register.statements.queries import statements_json

_directors = Director.__table__  # type: ignore[attr-defined]


# The full read (DirectorRead): identity, registrations, board appointments, statements, the bar in force.
FILE_JSON = f"""json_build_object(
  'id', d.id, 'given_name', d.given_name, 'family_name', d.family_name, 'date_of_birth', d.date_of_birth,
  'synthetic', d.synthetic, 'version', d.version, 'score', NULL,
  'former_names', (SELECT coalesce(json_agg(json_build_object(
      'given_name', f->>'given_name', 'family_name', f->>'family_name')), '[]'::json)
    FROM jsonb_array_elements(d.former_names) f),
  'registrations', (SELECT coalesce(json_agg(json_build_object(
      'id', r.id, 'version', r.version, 'created_at', {ts("r.created_at")}, 'updated_at', {ts("r.updated_at")},
      'statements', {statements_json("s.about_record_type = 'registration' AND s.about_record_id = r.id::text")},
      'body', r.body, 'number', r.number, 'status', r.status, 'verified', r.verified,
      'verified_by', r.verified_by, 'verified_on', r.verified_on) ORDER BY r.body, r.number), '[]'::json)
    FROM professional_registrations r WHERE r.director_id = v.id AND r.withdrawn_at IS NULL),
  'appointments', (SELECT coalesce(json_agg(json_build_object(
      'id', e.id, 'ods_code', e.ods_code, 'employer_name', e.employer_name, 'role_title', e.role_title,
      'board_role', e.board_role, 'portfolio', e.portfolio, 'appointment_type', e.appointment_type,
      'start_date', e.start_date, 'end_date', e.end_date,
      'senior_independent_director', e.senior_independent_director, 'deputy_chair', e.deputy_chair,
      'voting', e.voting, 'version', e.version,
      'statements', {statements_json("s.about_record_type = 'employment' AND s.about_record_id = e.id::text")})
      ORDER BY e.start_date DESC, e.id), '[]'::json)
    FROM employment_records e
    WHERE e.director_id = v.id AND e.kind = 'board_appointment' AND e.withdrawn_at IS NULL),
  'barred', bar.id IS NOT NULL,
  'bar', CASE WHEN bar.id IS NULL THEN NULL ELSE json_build_object(
      'finding_id', bar.id, 'bar_start', bar.bar_start, 'bar_end', bar.bar_end,
      'decision_reference', bar.decision_reference) END,
  'statements', {statements_json("s.about_record_type IS NULL")},
  'created_at', {ts("d.created_at")}, 'updated_at', {ts("d.updated_at")}
)::text"""


def file_statement(scope: ColumnElement[bool]) -> sa.Select[Any]:
    """The file as JSON text and its version, with the ``director.read`` audit event, in one statement."""
    v = visible_cte(scope)
    audit = audit_cte(v, record_id=sa.cast(v.c.id, sa.String), director_id=v.c.id)
    d = _directors.alias("d")
    # The bar in force on the register's date (findings.service.active_bar_on), beside the director.
    bar = (
        sa.select(col(Finding.id), col(Finding.bar_start), col(Finding.bar_end), col(Finding.decision_reference))
        .where(col(Finding.director_id) == v.c.id, active_bar_on(cast(Any, v.c.today)))
        .order_by(col(Finding.bar_start).desc(), col(Finding.id))
        .limit(1)
        .lateral("bar")
    )
    return (
        sa.select(sa.literal_column(FILE_JSON).label("body"), d.c.version)
        .select_from(v.join(d, d.c.id == v.c.id).outerjoin(bar, sa.true()))
        .add_cte(audit)
    )
