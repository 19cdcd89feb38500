"""The access matrix: every route of the app x every kind of caller → the expected status (DESIGN.md §4).

The routes come from the app's own route table, so a new route without a row here fails
``test_every_route_is_in_the_matrix``. A record a caller may not see is 404, a role that may never use a route
is 403, no token is 401. A refused write changes nothing; a summary view never carries restricted detail.
"""

import datetime as dt
from typing import Any

import pytest

from api.app import create_app
from register.settings import Settings
from tests.reliability.matrix_harness import CALLERS, MatrixEnv, fill_path, matrix_env, route_table
from tests.reliability.world import NO_TO_ALL, World, appraisal_body, bmr

__all__ = ["matrix_env"]  # the module-scoped fixture

YEAR = dt.date.today().year
Row = dict[str, int | frozenset[int]]

# --- Rows by pattern (anonymous is always 401; these name the other ten callers). ----------------------------

DENIED = {c: 403 for c in CALLERS if c != "anonymous"}


def row(**cells: int | frozenset[int]) -> Row:
    """A row: every caller refused (403) unless named."""
    return {**DENIED, **cells, "anonymous": 401}


def either(*codes: int) -> frozenset[int]:
    return frozenset(codes)


# Reads of a director's file (registrations, qualifications, employment, findings, statements, references) and
# of their FPPT records (checks, attestations, assessments, appraisals): the director's own trust, the chair and
# SID of their board ("read all"), regulators, auditors and the director; everyone else 404, admin 403.
FILE_READ = row(
    hr=200,
    hr_other=404,
    hr_candidate=404,
    chair=200,
    sid=200,
    regulator=200,
    auditor=200,
    self=200,
    other_director=404,
)
FPPT_READ = FILE_READ
# A write only the director's own trust makes; other trusts do not see the director (404).
HR_WRITE = row(hr=201, hr_other=404, hr_candidate=404)
HR_CHANGE = row(hr=200, hr_other=404, hr_candidate=404)


def ok(code: int, base: Row, **cells: int | frozenset[int]) -> Row:
    """``base`` with its successful cells set to ``code`` and some cells overridden."""
    out: Row = {c: (code if v in (200, 201) else v) for c, v in base.items()}
    return {**out, **cells}


D = "/v1/directors/{director_id}"
SCOPED_LIST = row(**{c: 200 for c in CALLERS if c not in ("admin", "anonymous")})  # each caller sees their own
EVERYONE = row(**{c: 200 for c in CALLERS if c != "anonymous"})
HR_ONLY_OWN_ORG = row(hr=200, hr_candidate=200, hr_other=404)  # organisation-scoped, trust HR only
# The director's own words only: their board's chair and SID see the file but may not write in it (403).
OWN_STATEMENT = row(self=200, other_director=404)
NOT_BOARD = 404  # a director token that is not on RJ1's board, at an RJ1 route

MATRIX: dict[str, Row] = {
    # Who am I, organisations (reference data: everyone reads, administrators write).
    "GET /v1/me": EVERYONE,
    "GET /v1/me/record": row(chair=200, sid=200, self=200, other_director=200),
    "GET /v1/me/candidate-checks": row(chair=200, sid=200, self=200, other_director=200),
    "GET /v1/me/audit-events": row(  # one's own actions only (checked in tests/audit)
        hr=200, hr_other=200, hr_candidate=200, chair=200, sid=200, self=200, other_director=200
    ),
    "GET /v1/organisations": EVERYONE,
    "POST /v1/organisations": row(admin=201),
    "GET /v1/organisations/{ods_code}": EVERYONE,
    "PATCH /v1/organisations/{ods_code}": row(admin=200),
    # Directors: search is scoped to the caller (checked below: no one finds a director they may not see).
    "GET /v1/directors": SCOPED_LIST,
    "POST /v1/directors": row(hr=201, hr_other=201, hr_candidate=201),  # each at their own trust
    f"GET {D}": FILE_READ,
    f"PATCH {D}": HR_CHANGE,
    f"GET {D}/summary": {**FILE_READ, "hr_candidate": 200},
    f"GET {D}/versions": FILE_READ,
    f"GET {D}/fhir": FILE_READ,
    f"GET {D}/references": FILE_READ,
    f"GET {D}/employment/coverage": FILE_READ,
    # The parts of the file.
    **{
        f"{m} {D}/{seg}{tail}": spec
        for seg in ("registrations", "qualifications", "employment", "employment/gap-explanations", "findings")
        for m, tail, spec in (
            ("GET", "", FILE_READ),
            ("GET", "/{part_id}", FILE_READ),
            ("POST", "", HR_WRITE),
            ("POST", "/{part_id}/withdraw", HR_CHANGE),
        )
    },
    **{f"PATCH {D}/{seg}/{{part_id}}": HR_CHANGE for seg in ("registrations", "qualifications", "employment")},
    # A regulator records board appointments (not other roles: 403) and findings.
    f"POST {D}/employment": {**HR_WRITE},
    f"POST {D}/employment/{{part_id}}/withdraw": HR_CHANGE,
    f"POST {D}/findings": {**HR_WRITE, "regulator": 201},
    f"POST {D}/findings/{{part_id}}/withdraw": {**HR_CHANGE, "regulator": 200},
    f"POST {D}/findings/{{finding_id}}/transitions": {**HR_CHANGE, "regulator": 200},
    "GET /v1/barred": row(hr=200, hr_other=200, hr_candidate=200, regulator=200, auditor=200),
    # Statements: the director writes their own; everyone who reads the file reads them.
    f"GET {D}/statements": FILE_READ,
    f"GET {D}/statements/{{part_id}}": FILE_READ,
    f"POST {D}/statements": ok(201, OWN_STATEMENT),
    f"PATCH {D}/statements/{{part_id}}": OWN_STATEMENT,
    f"POST {D}/statements/{{part_id}}/withdraw": OWN_STATEMENT,
    # FPPT checks, attestations, assessments, appraisals: the board's chair and SID read them too.
    f"GET {D}/checks": FPPT_READ,
    f"GET {D}/checks/{{check_id}}": FPPT_READ,
    f"POST {D}/checks": HR_WRITE,
    f"POST {D}/checks/{{check_id}}/mitigation": HR_CHANGE,
    f"GET {D}/attestations": FPPT_READ,
    f"GET {D}/attestations/{{attestation_id}}": FPPT_READ,
    f"POST {D}/attestations": row(self=201, other_director=404),  # the director signs their own only
    f"GET {D}/assessments": FPPT_READ,
    f"GET {D}/assessments/{{assessment_id}}": FPPT_READ,
    f"POST {D}/assessments": HR_WRITE,
    f"PATCH {D}/assessments/{{assessment_id}}": HR_CHANGE,
    f"POST {D}/assessments/{{assessment_id}}/submit": HR_CHANGE,
    # The chair signs off D's; the SID signs off only the chair's (403); nobody signs their own (403).
    f"POST {D}/assessments/{{assessment_id}}/return": {**HR_CHANGE, "chair": 200, "other_director": 404},
    f"POST {D}/assessments/{{assessment_id}}/sign-off": row(chair=200, other_director=404),
    f"GET {D}/appraisals": FPPT_READ,
    f"GET {D}/appraisals/{{appraisal_id}}": FPPT_READ,
    f"POST {D}/appraisals": HR_WRITE,
    f"PATCH {D}/appraisals/{{appraisal_id}}": HR_CHANGE,
    # Board-level views of RJ1: its HR, its chair and SID, regulators, auditors.
    "GET /v1/organisations/{ods_code}/checks/due": row(
        hr=200,
        hr_candidate=200,
        hr_other=404,
        chair=200,
        sid=200,
        regulator=200,
        auditor=200,
        self=NOT_BOARD,
        other_director=NOT_BOARD,
    ),
    "GET /v1/organisations/{ods_code}/returns/{year}": row(
        hr=200,
        hr_candidate=200,
        hr_other=404,
        chair=200,
        sid=200,
        regulator=200,
        auditor=200,
        self=NOT_BOARD,
        other_director=NOT_BOARD,
    ),
    "POST /v1/organisations/{ods_code}/returns/{year}/submit": row(chair=201, self=NOT_BOARD, other_director=NOT_BOARD),
    "GET /v1/returns": row(regulator=200, auditor=200),
    # Hiring: candidate checks and Board Member References (RJ1 asked RRV about K).
    "POST /v1/candidate-checks": row(hr=201, hr_other=201, hr_candidate=201),
    # RJ1's check on K: the checking trust, regulators and auditors (K would see it too; no caller here is K).
    "GET /v1/candidate-checks/{candidate_check_id}": row(
        hr=200,
        hr_candidate=200,
        hr_other=404,
        chair=404,
        sid=404,
        regulator=200,
        auditor=200,
        self=404,
        other_director=404,
    ),
    "GET /v1/reference-requests": SCOPED_LIST,
    "GET /v1/reference-requests/{request_id}": row(
        hr=200,
        hr_candidate=200,
        hr_other=200,
        regulator=200,
        auditor=200,
        chair=404,
        sid=404,
        self=404,
        other_director=404,
    ),
    "POST /v1/reference-requests": row(hr=201, hr_candidate=201, hr_other=404),
    # Only the organisation asked (RRV) answers or declines (the asker: 403); only the asker withdraws.
    "POST /v1/reference-requests/{request_id}/answer": row(hr_other=200),
    "POST /v1/reference-requests/{request_id}/decline": row(hr_other=200),
    "POST /v1/reference-requests/{request_id}/withdraw": row(hr=200, hr_candidate=200),
    "GET /v1/organisations/{ods_code}/references/due": row(
        hr=200, hr_candidate=200, regulator=200, auditor=200
    ),  # another trust: 403 (guarded by the path's organisation)
    "POST /v1/organisations/{ods_code}/references": row(hr=201, hr_candidate=201),
    "POST /v1/references/{reference_id}/corrections": row(hr=200, hr_candidate=200, hr_other=404),
    # Monitoring: the change feed is scoped to the caller; subscriptions belong to a trust.
    "GET /v1/events": SCOPED_LIST,
    "POST /v1/subscriptions": row(hr=201, hr_other=201, hr_candidate=201),
    "GET /v1/subscriptions": row(hr=200, hr_other=200, hr_candidate=200),
    "GET /v1/subscriptions/{subscription_id}": HR_ONLY_OWN_ORG,
    "POST /v1/subscriptions/{subscription_id}/deactivate": HR_ONLY_OWN_ORG,
    "GET /v1/subscriptions/{subscription_id}/deliveries": HR_ONLY_OWN_ORG,
    # Exports are scoped to the caller (checked below); the audit trail is the auditor's.
    "GET /v1/exports/{name}": SCOPED_LIST,
    "GET /v1/audit/events": row(auditor=200),
    "GET /v1/audit/verify": row(auditor=200),
    # Recorded erasure: regulators only; refused while a finding is open (D has one): 409.
    f"POST {D}/erasure": row(regulator=409),
}


# --- Request bodies and headers for writes. -------------------------------------------------------------


def request_for(key: str, w: World) -> tuple[Any, dict[str, str]]:
    """A valid body (and If-Match) for the write ``key``; reads send nothing."""
    method, template = key.split(" ", 1)
    match1 = "1"
    body: Any = None
    if template == "/v1/organisations":
        body = {"ods_code": "RX1", "name": "A New Trust", "kind": "nhs_trust", "region": "london"}
    elif template == "/v1/organisations/{ods_code}":
        body = {"name": "Guy's and St Thomas' (renamed)"}
    elif template == "/v1/directors":
        body = {
            "given_name": "Nia",
            "family_name": "Newcomer",
            "date_of_birth": "1975-05-05",
            "registrations": [],
            "appointment": {"board_role": "non_executive_director", "start_date": "2025-01-01"},
        }
    elif template == "/v1/directors/{director_id}":
        body = {"given_name": "Dana-Marie"}
    elif template.endswith("/registrations"):
        body = {"body": "NMC", "number": "01A2345N"}
    elif template.endswith("/qualifications"):
        body = {"title": "MSc", "awarding_body": "UCL", "awarded_on": "2010-07-01"}
    elif template.endswith("/qualifications/{part_id}"):
        body = {"verified": True, "verified_by": "CoSec", "verified_on": dt.date.today().isoformat()}
    elif template.endswith("/registrations/{part_id}"):
        body = {"status": "suspended"}
    elif template.endswith("/employment"):
        body = {
            "kind": "role",
            "employer_name": "Beta Care Ltd",
            "role_title": "Adviser",
            "start_date": "2009-01-05",
            "end_date": "2010-12-31",
        }
    elif template.endswith("/employment/{part_id}"):
        body = {"role_title": "Operations and strategy director"}
    elif template.endswith("/gap-explanations"):
        body = {"start_date": "2008-01-01", "end_date": "2008-12-31", "reason": "Travel"}
    elif template.endswith("/withdraw") and "/reference-requests/" not in template:
        body = {"reason": "recorded in error"}
    elif template.endswith("/findings"):
        body = {
            "finding_type": "grievance_upheld",
            "summary": "A grievance about conduct.",
            "reported_on": "2025-01-10",
        }
    elif template.endswith("/transitions"):
        body = {"status": "under_investigation", "on": dt.date.today().isoformat()}
    elif template.endswith("/statements"):
        body = {"text": "My reply."}
    elif template.endswith("/statements/{part_id}"):
        body = {"text": "My reply, reworded."}
    elif template == "/v1/candidate-checks":
        body = {"director_id": w.ids["K"], "purpose": "Shortlisting", "vacancy": {"board_role": "chief_executive"}}
    elif template == "/v1/reference-requests":
        body = {"director_id": w.ids["K"], "employment_id": w.ids["K.earlier_employment"]}
    elif template.endswith("/answer"):
        body = bmr()
    elif template.endswith(("/decline", "/reference-requests/{request_id}/withdraw")):
        body = {"reason": "not ours to give"}
    elif template.endswith("/corrections"):
        body = {**bmr(), "reason": "dates were wrong"}
    elif template == "/v1/organisations/{ods_code}/references":
        body = {**bmr(), "employment_id": w.ids["D.past_appointment"]}
    elif template.endswith("/checks"):
        body = {"check_type": "social_media", "result": "clear", "performed_on": dt.date.today().isoformat()}
        body |= {"performed_by": "CoSec", "evidence_reference": "FPPT/s/2"}
    elif template.endswith("/mitigation"):
        body = {"mitigation": "Posts taken down; training done."}
    elif template.endswith("/attestations"):
        body = {"answers": NO_TO_ALL}
    elif template.endswith("/assessments"):
        body = {"kind": "triggered", "trigger_reason": "New information"}
    elif template.endswith("/assessments/{assessment_id}"):
        body = {"summary": "Updated notes"}
    elif template.endswith("/sign-off"):
        body = {"outcome": "fit_and_proper"}
        match1 = str(w.versions["D.assessment.waiting"])
    elif template.endswith("/return"):
        match1 = str(w.versions["D.assessment.waiting"])
    elif template.endswith("/appraisals"):
        body = appraisal_body(YEAR)
    elif template.endswith("/appraisals/{appraisal_id}"):
        body = {"multi_source_feedback": False}
    elif template.endswith("/submit") and "/returns/" in template:
        body = {"declaration": "I confirm the board's FPPT assessments are complete."}
        match1 = "0"
    elif template == "/v1/subscriptions":
        body = {"url": "https://hr.example.org/hooks"}
    elif template.endswith("/erasure"):
        body = {"reason": "Granted erasure request ER-1"}
    if template == "/v1/directors/{director_id}":
        match1 = str(w.versions["D"])
    headers = {"If-Match": f'"{match1}"'} if method in ("PATCH", "POST") else {}
    return body, headers


def test_every_route_is_in_the_matrix(settings: Settings) -> None:
    missing = [f"add {key} to the matrix" for key in route_table(create_app(settings)) if key not in MATRIX]
    assert not missing, "\n".join(missing)


def test_the_matrix_names_no_route_the_app_lacks(settings: Settings) -> None:
    assert not set(MATRIX) - set(route_table(create_app(settings)))


# Callers who must never be shown these directors in any successful response (ids by world name).
NEVER_SHOWN = {
    "hr": {"O"},
    "hr_candidate": {"O"},
    "hr_other": {"D", "C", "S"},
    "chair": {"O", "K"},
    "sid": {"O", "K"},
    "self": {"O", "K"},
    "other_director": {"D", "C", "S", "K"},
    "admin": {"D", "C", "S", "K", "O"},
}
# RJ1 checked K: K appears to RJ1 in the summary view, the hiring workflow, (while the check's window is open)
# the change feed (register/access/monitoring.py) and RJ1's own actions (the check it made), nowhere else.
CANDIDATE_ROUTES = {
    f"GET {D}/summary",
    "POST /v1/candidate-checks",
    "GET /v1/candidate-checks/{candidate_check_id}",
    "GET /v1/events",
    "GET /v1/me/audit-events",
} | {k for k in MATRIX if "/reference-requests" in k}
SUMMARY_ROUTES = {f"GET {D}/summary", "POST /v1/candidate-checks"}
# Never in a summary view: check evidence and notes, mitigations, sign-off reasons, drafts' text (DESIGN.md §4).
RESTRICTED_KEYS = {"evidence_reference", "notes", "mitigation", "mitigations", "outcome_reason", "trigger_reason"}
RESTRICTED_TEXT = ("private note", "posts under review", "draft notes", "secret", "FPPT/")
OUTCOME_ONLY = {"dbs", "medical_clearance"}
QUERY = {"GET /v1/returns": f"?year={YEAR}"}


def walk(value: Any) -> Any:
    """Every dict inside a JSON value."""
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v)


def leaks_in(key: str, caller: str, env: MatrixEnv, text: str, body: Any) -> list[str]:
    """What a successful response shows that this caller must not see."""
    w, found = env.world, []
    hidden = set(NEVER_SHOWN.get(caller, ()))
    if caller in ("hr", "hr_candidate") and key not in CANDIDATE_ROUTES:
        hidden.add("K")
    found += [f"shows director {name}" for name in sorted(hidden) if w.ids[name] in text]
    for item in walk(body):
        detail = [k for k in ("evidence_reference", "notes", "mitigation") if item.get(k)]
        if item.get("check_type") in OUTCOME_ONLY and detail:
            found.append(f"shows detail of a {item['check_type']} check")
    if key in SUMMARY_ROUTES:
        found += [f"summary has {k!r}" for item in walk(body) for k in sorted(RESTRICTED_KEYS & set(item))]
        found += [f"summary shows {t!r}" for t in RESTRICTED_TEXT if t in text]
        private = ("D.assessment.draft", "D.assessment.waiting", "D.check.dbs", "D.check.medical_clearance")
        found += [f"summary shows {name}" for name in private if w.ids[name] in text]
    return found


def top_keys(body: Any) -> frozenset[str]:
    """The top-level keys of a JSON object, or of a list's items, or of a page's items."""
    if isinstance(body, dict) and isinstance(body.get("items"), list):
        body = body["items"]
    if isinstance(body, list):
        return frozenset(k for item in body if isinstance(item, dict) for k in item)
    return frozenset(body) if isinstance(body, dict) else frozenset()


# Every response carries these (api/middleware.py); every matrix route is under /v1, so may carry personal data.
SECURITY_HEADERS = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "cache-control": "no-store"}


def missing_headers(response: Any) -> list[str]:
    return [
        f"{h}: {response.headers.get(h)!r}, expected {v!r}"
        for h, v in SECURITY_HEADERS.items()
        if response.headers.get(h) != v
    ]


@pytest.mark.parametrize("subs", ["own-sub", "shared-sub"])
@pytest.mark.parametrize("key", sorted(MATRIX))
async def test_access(matrix_env: MatrixEnv, key: str, subs: str) -> None:
    """Every caller gets the expected status; with ``shared-sub`` every token carries one `sub`, and every POST is
    sent with one Idempotency-Key first used by the route's first successful caller in the same transaction: only
    that very principal, at that very URL, gets the stored response again; any other principal is a 422 that
    shows nothing of it (never the stored body, whatever the `sub`)."""
    env = matrix_env
    method, template = key.split(" ", 1)
    body, extra = request_for(key, env.world)
    table = env.callers if subs == "own-sub" else env.shared
    idempotent = subs == "shared-sub" and method == "POST"
    primer = next((c for c in CALLERS if MATRIX[key][c] in (200, 201)), None) if idempotent else None
    if idempotent:
        extra = {**extra, "Idempotency-Key": f"matrix {key}"}
    wrong: list[str] = []
    views: dict[frozenset[str], list[str]] = {}
    for name in CALLERS:
        caller = table[name]
        url = fill_path(template, method, env.world, caller) + QUERY.get(key, "")
        headers = caller.headers if method == "GET" else {**caller.headers, **extra}
        expected = MATRIX[key][name]
        transaction = await env.conn.begin()
        primed = None
        try:
            if primer is not None and expected not in (401, 403):  # refused by role before the key is looked at
                first = table[primer]
                primer_url = fill_path(template, method, env.world, first) + QUERY.get(key, "")
                primed = await env.client.request(method, primer_url, json=body, headers={**first.headers, **extra})
                assert primed.status_code < 300, f"{key}: primer {primer} got {primed.status_code}"
                # The same principal retrying at the same URL gets the first response again; anyone else a 422.
                same = (first.principal, primer_url) == (caller.principal, url)
                expected = primed.status_code if same else 422
            before = await env.fingerprint() if method != "GET" else ()
            response = await env.client.request(method, url, json=body, headers=headers)
            status = response.status_code
            if status >= 300 and method != "GET" and await env.fingerprint() != before:
                wrong.append(f"{name}: refused with {status} but wrote something")
        finally:
            await transaction.rollback()
        allowed = expected if isinstance(expected, frozenset) else frozenset({expected})
        if status not in allowed:
            leak = " (LEAK)" if status < 300 else ""
            wrong.append(f"{name}: {status}{leak}, expected {sorted(allowed)}: {response.text[:200]}")
        if primed is not None and status == 422 and primed.content and primed.content in response.content:
            wrong.append(f"{name}: the stored response of {primer} was replayed (LEAK)")
        wrong += [f"{name}: {m}" for m in missing_headers(response)]
        if status < 300:
            payload = response.json() if "json" in response.headers.get("content-type", "") else None
            wrong += [f"{name}: {leak} (LEAK)" for leak in leaks_in(key, name, env, response.text, payload)]
            if method == "GET" and top_keys(payload):
                views.setdefault(top_keys(payload), []).append(name)
    if len(views) > 1:
        wrong.append(f"callers see different fields: { {', '.join(v): sorted(k) for k, v in views.items()} }")
    assert not wrong, f"{key} ({subs})\n" + "\n".join(wrong)


def test_matrix_size() -> None:
    """The matrix covers every route for every caller (the count goes into docs/reliability.md)."""
    cells = sum(len(r) for r in MATRIX.values())
    assert cells == len(MATRIX) * len(CALLERS)
    assert all(set(r) == set(CALLERS) for r in MATRIX.values())
