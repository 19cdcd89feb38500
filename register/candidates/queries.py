"""The summary view and the candidate check built in PostgreSQL, each one statement.

The summary statement finds the director through the caller's summary scope (``policy.visible_summaries``),
writes the audit event in the same statement, and returns the view as JSON text in the shape of
``schemas.candidates.CandidateSummary`` (the coverage and the flags are added in Python from its ``_flags``
helper: register/candidates/service.py ``summary_view``). The candidate check inserts the check, its audit event
and the summary in one statement. tests/api/test_fast_path_twins.py checks the bodies against the schemas; the fast
path and its justification: docs/benchmarks.md.
"""

# ruff: noqa: S608  (the SQL here is built from constants of this module only; values are bind parameters)

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from register.candidates.models import CandidateCheck
from register.directors.models import Director, ProfessionalRegistration
from register.records.prepared import audit_cte, ts, visible_cte
from register.statements.queries import statements_json

_directors = Director.__table__  # type: ignore[attr-defined]


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
    statements_json(
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


def check_statement() -> sa.Select[Any]:
    """The check inserted for the director ``:director_id`` (no row when there is none), its audit event, the
    summary view beside it and the check as JSON."""
    checks = CandidateCheck.__table__  # type: ignore[attr-defined]
    names = (
        "director_id",
        "checking_org",
        "checked_by",
        "purpose",
        "vacancy_board_role",
        "vacancy_title",
        "identified_by",
        "access_until",
    )
    chosen = sa.select(
        col(Director.id),
        *(sa.bindparam(p, None, type_=sa.String) for p in ("c_org", "c_by", "c_purpose", "c_role", "c_title")),
        sa.bindparam("c_identified_by", None, type_=sa.String),
        sa.bindparam("c_access_until", None, type_=sa.DateTime(timezone=True)),
    ).where(col(Director.id) == sa.bindparam("director_id", None, type_=sa.Uuid))
    chk = sa.insert(checks).from_select(list(names), chosen).returning(*checks.c).cte("chk")
    audit = audit_cte(chk, record_id=sa.cast(chk.c.id, sa.String), director_id=chk.c.director_id)
    stmt = summary_statement(sa.true(), also=chk)
    return stmt.add_columns(sa.literal_column(CHECK_JSON)).add_cte(audit)


def by_registration() -> sa.Select[Any]:
    """The director holding the current registration ``:body`` ``:number``."""
    return sa.select(col(ProfessionalRegistration.director_id)).where(
        col(ProfessionalRegistration.body) == sa.bindparam("body", None, type_=sa.String),
        col(ProfessionalRegistration.number) == sa.bindparam("number", None, type_=sa.String),
        col(ProfessionalRegistration.withdrawn_at).is_(None),
    )


def born_on() -> sa.Select[Any]:
    """Everyone born on ``:date_of_birth`` with their names, as one JSON array (names compare in Python)."""
    return sa.select(
        sa.func.json_agg(
            sa.func.json_build_object(
                "id",
                col(Director.id),
                "given_name",
                col(Director.given_name),
                "family_name",
                col(Director.family_name),
                "former_names",
                col(Director.former_names),
            )
        ).cast(sa.Text)
    ).where(col(Director.date_of_birth) == sa.bindparam("date_of_birth", None, type_=sa.Date))
