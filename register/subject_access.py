"""Subject access (UK GDPR Art. 15): everything the register holds about the director who asks.

As JSON, or as a zip of ``record.json`` and one CSV per section for people who read it in a spreadsheet.
"""

import csv
import io
import json
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from register.access import policy
from register.access.principal import Actor
from register.appraisals.models import Appraisal
from register.assessments.models import Assessment
from register.attestations.models import Attestation
from register.audit.models import AuditEvent
from register.audit.service import record_event
from register.candidates.models import CandidateCheck
from register.checks.models import FpptCheck
from register.directors.models import Director, ProfessionalRegistration
from register.employment.models import EmploymentRecord, GapExplanation
from register.errors import Forbidden, NotFound
from register.events.models import OutboundEvent
from register.exports.formulas import neutralise
from register.findings.models import Finding
from register.qualifications.models import Qualification
from register.references.models import BoardMemberReference, ReferenceRequest
from register.returns.models import AnnualReturn
from register.statements.models import Statement
from register.versions.models import RecordVersion
from register.versions.service import snapshot

# What the access log shows of each audit event about the director.
ACCESS_LOG_FIELDS = ("occurred_at", "actor_sub", "actor_role", "actor_org", "action", "purpose")
# Every table that holds records about one director, under the name it has in the subject access bundle.
SECTIONS: dict[str, type[SQLModel]] = {
    "registrations": ProfessionalRegistration,
    "qualifications": Qualification,
    "employment": EmploymentRecord,
    "gap_explanations": GapExplanation,
    "checks": FpptCheck,
    "attestations": Attestation,
    "assessments": Assessment,
    "appraisals": Appraisal,
    "findings": Finding,
    "statements": Statement,
    "references": BoardMemberReference,
    "reference_requests": ReferenceRequest,
    "candidate_checks": CandidateCheck,
}


async def subject_access(session: AsyncSession, actor: Actor) -> dict[str, Any]:
    """The caller's own whole record: every part (withdrawn ones too), every version, and who read it."""
    principal = actor.principal
    if not policy.can_request_subject_access(principal) or principal.director_id is None:
        raise Forbidden("Subject access is for the director the record is about.")
    director_id: uuid.UUID = principal.director_id
    director = await session.get(Director, director_id)
    if director is None:
        raise NotFound("Your register record was not found; it may have been erased.")
    record: dict[str, Any] = {"director": snapshot(director)}
    for name, model in SECTIONS.items():
        m: Any = model
        rows = await session.execute(sa.select(m).where(col(m.director_id) == director_id).order_by(col(m.id)))
        record[name] = [snapshot(r) for r in rows.scalars()]
    versions = await session.execute(
        sa.select(RecordVersion).where(col(RecordVersion.director_id) == director_id).order_by(col(RecordVersion.id))
    )
    record["versions"] = [snapshot(v) for v in versions.scalars()]
    events = await session.execute(
        sa.select(OutboundEvent).where(col(OutboundEvent.director_id) == director_id).order_by(col(OutboundEvent.id))
    )
    record["events"] = [snapshot(e) for e in events.scalars()]
    record["annual_returns"] = await _annual_return_lines(session, director_id)
    # Events written before a candidate check's purpose was the event's own kept it in the detail only.
    stated = sa.func.coalesce(col(AuditEvent.purpose), col(AuditEvent.detail)["purpose"].astext)
    shown = [stated.label(k) if k == "purpose" else col(getattr(AuditEvent, k)) for k in ACCESS_LOG_FIELDS]
    reads = await session.execute(
        sa.select(*shown)
        .where(col(AuditEvent.director_id) == director_id, col(AuditEvent.actor_sub) != principal.sub)
        .order_by(col(AuditEvent.id))
    )
    record["access_log"] = [
        {k: v.isoformat() if k == "occurred_at" else v for k, v in row._mapping.items()} for row in reads
    ]
    await record_event(
        session,
        actor,
        "director.subject_access",
        record_type="director",
        record_id=str(director_id),
        director_id=director_id,
    )
    return record


async def _annual_return_lines(session: AsyncSession, director_id: uuid.UUID) -> list[dict[str, Any]]:
    """The director's own line in every annual return that lists them (not the rest of the board)."""
    rows = await session.execute(
        sa.select(AnnualReturn)
        .where(col(AnnualReturn.contents)["members"].contains([{"director_id": str(director_id)}]))
        .order_by(col(AnnualReturn.submitted_at))
    )
    lines = []
    for ret in rows.scalars():
        mine = next(m for m in ret.contents["members"] if m.get("director_id") == str(director_id))
        lines.append(
            {
                "ods_code": ret.ods_code,
                "year": ret.year,
                "version": ret.version,
                "submitted_at": ret.submitted_at.isoformat() if ret.submitted_at else None,
                "entry": mine,
            }
        )
    return lines


# --- The zip: record.json and one CSV per section. ---

ZIP_SPOOL_BYTES = 8 * 1024 * 1024  # kept in memory up to this size, then on disk


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    if isinstance(value, str):
        return neutralise(value)  # a cell a spreadsheet would run as a formula is defused
    return "" if value is None else value


def section_csv(rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    """One section as CSV: a header of every field seen (in first-seen order), nested values as JSON."""
    header: list[str] = list(columns or [])
    for row in rows:
        header += [k for k in row if k not in header]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in header})
    return out.getvalue()


def _columns(name: str) -> list[str] | None:
    model: Any = SECTIONS.get(name) or {"director": Director, "versions": RecordVersion, "events": OutboundEvent}.get(
        name
    )
    return [c.key for c in model.__table__.columns] if model is not None else None


def write_zip(record: dict[str, Any], out: IO[bytes]) -> None:
    """Write the record as a zip: ``record.json`` and ``<section>.csv`` for every section."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("record.json", json.dumps(record, ensure_ascii=False, indent=2, default=str))
        for name, value in record.items():
            rows = value if isinstance(value, list) else [value]
            # utf-8-sig: spreadsheets then read accented names correctly
            archive.writestr(f"{name}.csv", section_csv(rows, _columns(name)).encode("utf-8-sig"))


def spooled_zip(record: dict[str, Any]) -> IO[bytes]:
    """The zip in a spooled temporary file, rewound, for streaming; the caller closes it."""
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=ZIP_SPOOL_BYTES)  # noqa: SIM115 (closed by the reader)
    try:
        write_zip(record, spool)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spool


def iter_file(file: IO[bytes], chunk_size: int = 64 * 1024) -> Iterator[bytes]:
    """Read ``file`` in chunks and close it at the end (or when the reader stops early)."""
    try:
        while chunk := file.read(chunk_size):
            yield chunk
    finally:
        file.close()
