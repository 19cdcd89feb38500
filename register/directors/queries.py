"""The hot reads built in PostgreSQL: a director's file and the summary view, each one statement.

Each statement finds the director through the caller's access scope (the same ``policy.visible_*`` expression
the ORM path uses), writes the audit event in the same statement (a data-modifying CTE that inserts only when
the director is visible), and returns the finished JSON as text, in the exact shape of the response schemas
(``schemas.directors.DirectorRead``, ``schemas.candidates.CandidateSummary``): no ORM objects and no pydantic
validation per request. Timestamps are written as pydantic writes them (UTC, ``Z``, microseconds only when
not zero), so a client cannot tell the two paths apart.
"""

# ruff: noqa: S608  (the SQL here is built from constants of this module only; values are bind parameters)

from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from register.directors.models import Director
from register.findings.models import Finding
from register.findings.service import active_bar_on
from register.records.prepared import audit_cte, ts

_directors = Director.__table__  # type: ignore[attr-defined]


def _statements(about: str, *, with_version: bool = True) -> str:
    """The current statements about one record (``about``: a SQL condition on ``s``), oldest first, as JSON."""
    version = "'version', s.version, " if with_version else ""
    return (
        "(SELECT coalesce(json_agg(json_build_object("
        "'id', s.id, 'about_record_type', s.about_record_type, 'about_record_id', s.about_record_id, "
        f"'text', s.text, {version}'created_at', {ts('s.created_at')}, 'updated_at', {ts('s.updated_at')})"
        " ORDER BY s.created_at, s.id), '[]'::json)"
        f" FROM statements s WHERE s.director_id = v.id AND s.withdrawn_at IS NULL AND {about})"
    )


# The full read (DirectorRead): identity, registrations, board appointments, statements, the bar in force.
FILE_JSON = f"""json_build_object(
  'id', d.id, 'given_name', d.given_name, 'family_name', d.family_name, 'date_of_birth', d.date_of_birth,
  'synthetic', d.synthetic, 'version', d.version, 'score', NULL,
  'former_names', (SELECT coalesce(json_agg(json_build_object(
      'given_name', f->>'given_name', 'family_name', f->>'family_name')), '[]'::json)
    FROM jsonb_array_elements(d.former_names) f),
  'registrations', (SELECT coalesce(json_agg(json_build_object(
      'id', r.id, 'version', r.version, 'created_at', {ts("r.created_at")}, 'updated_at', {ts("r.updated_at")},
      'statements', {_statements("s.about_record_type = 'registration' AND s.about_record_id = r.id::text")},
      'body', r.body, 'number', r.number, 'status', r.status, 'verified', r.verified,
      'verified_by', r.verified_by, 'verified_on', r.verified_on) ORDER BY r.body, r.number), '[]'::json)
    FROM professional_registrations r WHERE r.director_id = v.id AND r.withdrawn_at IS NULL),
  'appointments', (SELECT coalesce(json_agg(json_build_object(
      'id', e.id, 'ods_code', e.ods_code, 'employer_name', e.employer_name, 'role_title', e.role_title,
      'board_role', e.board_role, 'portfolio', e.portfolio, 'appointment_type', e.appointment_type,
      'start_date', e.start_date, 'end_date', e.end_date,
      'senior_independent_director', e.senior_independent_director, 'deputy_chair', e.deputy_chair,
      'voting', e.voting, 'version', e.version,
      'statements', {_statements("s.about_record_type = 'employment' AND s.about_record_id = e.id::text")})
      ORDER BY e.start_date DESC, e.id), '[]'::json)
    FROM employment_records e
    WHERE e.director_id = v.id AND e.kind = 'board_appointment' AND e.withdrawn_at IS NULL),
  'barred', bar.id IS NOT NULL,
  'bar', CASE WHEN bar.id IS NULL THEN NULL ELSE json_build_object(
      'finding_id', bar.id, 'bar_start', bar.bar_start, 'bar_end', bar.bar_end,
      'decision_reference', bar.decision_reference) END,
  'statements', {_statements("s.about_record_type IS NULL")},
  'created_at', {ts("d.created_at")}, 'updated_at', {ts("d.updated_at")}
)::text"""

# The summary view (CandidateSummary) without the parts computed in Python (coverage and flags): those need
# ``explanations`` (gap explanations), ``referenced`` (employment ids with a BMR), and a few fields of the
# board appointments, annual assessments and registrations, returned under ``_flags``.
_UPHELD = "('upheld', 'upheld_on_appeal')"
_OPEN = "('reported', 'under_investigation', 'appealed')"
SUMMARY_JSON = f"""json_build_object(
  'identity', json_build_object(
    'id', d.id, 'given_name', d.given_name, 'family_name', d.family_name, 'former_names', d.former_names,
    'date_of_birth', d.date_of_birth, 'synthetic', d.synthetic,
    'registrations', (SELECT coalesce(json_agg(json_build_object(
        'id', r.id, 'body', r.body, 'number', r.number, 'status', r.status, 'verified', r.verified,
        'verified_on', r.verified_on) ORDER BY r.id), '[]'::json)
      FROM professional_registrations r WHERE r.director_id = v.id AND r.withdrawn_at IS NULL)),
  'employment', (SELECT coalesce(json_agg(json_build_object(
      'id', e.id, 'kind', e.kind, 'employer_name', e.employer_name, 'ods_code', e.ods_code,
      'role_title', e.role_title, 'start_date', e.start_date, 'end_date', e.end_date,
      'reason_for_leaving', e.reason_for_leaving, 'board_role', e.board_role, 'portfolio', e.portfolio,
      'appointment_type', e.appointment_type, 'senior_independent_director', e.senior_independent_director,
      'deputy_chair', e.deputy_chair, 'voting', e.voting) ORDER BY e.start_date, e.id), '[]'::json)
    FROM employment_records e WHERE e.director_id = v.id AND e.withdrawn_at IS NULL),
  'qualifications', (SELECT coalesce(json_agg(json_build_object(
      'id', q.id, 'title', q.title, 'awarding_body', q.awarding_body, 'level', q.level,
      'awarded_on', q.awarded_on, 'verified', q.verified, 'verified_on', q.verified_on) ORDER BY q.id), '[]'::json)
    FROM qualifications q WHERE q.director_id = v.id AND q.withdrawn_at IS NULL),
  'assessments', (SELECT coalesce(json_agg(json_build_object(
      'id', a.id, 'kind', a.kind, 'year', a.year, 'ods_code', a.ods_code, 'outcome', a.outcome,
      'signed_off_on', (a.signed_off_at AT TIME ZONE 'UTC')::date) ORDER BY a.signed_off_at, a.id), '[]'::json)
    FROM fppt_assessments a WHERE a.director_id = v.id AND a.status = 'signed_off'),
  'upheld_findings', (SELECT coalesce(json_agg(json_build_object(
      'id', f.id, 'finding_type', f.finding_type, 'status', f.status, 'recording_org', f.recording_org,
      'summary', f.summary, 'decision_reference', f.decision_reference, 'reported_on', f.reported_on,
      'decided_on', f.decided_on, 'appeal_decided_on', f.appeal_decided_on, 'bar_start', f.bar_start,
      'bar_end', f.bar_end) ORDER BY f.reported_on, f.id), '[]'::json)
    FROM findings f WHERE f.director_id = v.id AND f.withdrawn_at IS NULL AND f.status IN {_UPHELD}),
  'open_investigations', (SELECT coalesce(json_agg(json_build_object('opened_on', f.reported_on)
      ORDER BY f.reported_on, f.id), '[]'::json)
    FROM findings f WHERE f.director_id = v.id AND f.withdrawn_at IS NULL AND f.status IN {_OPEN}),
  'bar', (SELECT json_build_object('id', f.id, 'bar_start', f.bar_start, 'bar_end', f.bar_end,
      'decision_reference', f.decision_reference)
    FROM findings f WHERE f.director_id = v.id AND f.withdrawn_at IS NULL AND f.status IN {_UPHELD}
      AND f.finding_type = 'barring_decision' AND f.bar_start <= v.today
      AND (f.bar_end IS NULL OR f.bar_end >= v.today)
    ORDER BY f.reported_on, f.id LIMIT 1),
  'references', (SELECT coalesce(json_agg(json_build_object(
      'id', b.id, 'providing_org', b.providing_org, 'kind', b.kind, 'role_title', b.role_title,
      'start_date', b.start_date, 'end_date', b.end_date, 'answers', b.answers, 'competence', b.competence,
      'signatory_name', b.signatory_name, 'signatory_role', b.signatory_role, 'signed_on', b.signed_on,
      'correction_reason', b.correction_reason, 'version', b.version) ORDER BY b.signed_on, b.id), '[]'::json)
    FROM board_member_references b WHERE b.director_id = v.id AND b.withdrawn_at IS NULL),
  'statements', {
    _statements(
        f'''(s.about_record_type IS NULL
      OR (s.about_record_type = 'finding' AND s.about_record_id IN (SELECT f.id::text FROM findings f
          WHERE f.director_id = v.id AND f.withdrawn_at IS NULL AND f.status IN {_UPHELD}))
      OR (s.about_record_type = 'assessment' AND s.about_record_id IN (SELECT a.id::text FROM fppt_assessments a
          WHERE a.director_id = v.id AND a.status = 'signed_off'))
      OR (s.about_record_type = 'reference' AND s.about_record_id IN (SELECT b.id::text
          FROM board_member_references b WHERE b.director_id = v.id AND b.withdrawn_at IS NULL))
      OR (s.about_record_type = 'employment' AND s.about_record_id IN (SELECT e.id::text FROM employment_records e
          WHERE e.director_id = v.id AND e.withdrawn_at IS NULL))
      OR (s.about_record_type = 'qualification' AND s.about_record_id IN (SELECT q.id::text FROM qualifications q
          WHERE q.director_id = v.id AND q.withdrawn_at IS NULL))
      OR (s.about_record_type = 'registration' AND s.about_record_id IN (SELECT r.id::text
          FROM professional_registrations r WHERE r.director_id = v.id AND r.withdrawn_at IS NULL)))''',
        with_version=False,
    )
},
  '_flags', json_build_object(
    'explanations', (SELECT coalesce(json_agg(json_build_object('id', g.id, 'start', g.start_date,
        'end', g.end_date)), '[]'::json)
      FROM employment_gap_explanations g WHERE g.director_id = v.id AND g.withdrawn_at IS NULL),
    'referenced', (SELECT coalesce(json_agg(b.employment_id), '[]'::json)
      FROM board_member_references b WHERE b.director_id = v.id AND b.withdrawn_at IS NULL),
    'annual', (SELECT max((a.signed_off_at AT TIME ZONE 'UTC')::date) FROM fppt_assessments a
      WHERE a.director_id = v.id AND a.status = 'signed_off' AND a.kind = 'annual')
  )
)::text"""

# A recorded candidate check (CandidateCheckRead), from the ``chk`` CTE.
CHECK_JSON = f"""json_build_object(
  'id', chk.id, 'director_id', chk.director_id, 'checking_org', chk.checking_org, 'checked_by', chk.checked_by,
  'purpose', chk.purpose, 'vacancy_board_role', chk.vacancy_board_role, 'vacancy_title', chk.vacancy_title,
  'identified_by', chk.identified_by, 'checked_at', {ts("chk.checked_at")},
  'access_until', {ts("chk.access_until")})::text"""


# --- Statements: built once per shape of caller, compiled once, then run with only the values per request. ---


def visible_cte(scope: ColumnElement[bool]) -> sa.CTE:
    """``v``: the director ``:director_id`` and the date ``:today``, if the scope lets the caller see them."""
    return (
        sa.select(col(Director.id).label("id"), sa.bindparam("today", None, type_=sa.Date).label("today"))
        .where(col(Director.id) == sa.bindparam("director_id", None, type_=sa.Uuid), scope)
        .cte("v")
    )


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


def summary_statement(scope: ColumnElement[bool], *, also: sa.CTE | None = None) -> sa.Select[Any]:
    """The summary view as JSON text (with its helper ``_flags``) and its audit event (parameters ``a_*``).

    ``also``: a one-row CTE joined beside (the candidate check just inserted), whose columns the caller selects;
    the audit event is then the caller's to add.
    """
    v = visible_cte(scope)
    d = _directors.alias("d")
    source = v.join(d, d.c.id == v.c.id)
    if also is not None:
        source = source.join(also, sa.true())
    stmt: sa.Select[Any] = sa.select(sa.literal_column(SUMMARY_JSON).label("body")).select_from(source)
    if also is None:
        stmt = stmt.add_cte(audit_cte(v, record_id=sa.cast(v.c.id, sa.String), director_id=v.c.id))
    return stmt
