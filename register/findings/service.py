"""Recording findings, moving them through their lifecycle, and the barring decisions among them."""

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.access import policy
from register.access.principal import Actor
from register.audit.service import record_reads
from register.directors.models import Director
from register.errors import Conflict, Forbidden, NotFound, RuleViolation
from register.events.service import EventType, emit
from register.findings.models import INTERNAL_TYPES, TRANSITIONS, UPHELD, Finding, FindingStatus, FindingType
from register.records.history import (
    PartKind,
    PartWithdrawal,
    add_part,
    change_part,
    load_part_for_change,
    withdraw_part,
)
from register.records.pages import Keyset, keyset_page
from register.records.visible import load_visible_director
from register.settings import Settings

_INITIAL = frozenset({FindingStatus.REPORTED, FindingStatus.UNDER_INVESTIGATION, FindingStatus.UPHELD})


def active_bar_on(on: dt.date) -> sa.ColumnElement[bool]:
    """Findings that are barring decisions in force on ``on``."""
    return sa.and_(
        col(Finding.finding_type) == FindingType.BARRING_DECISION,
        col(Finding.status).in_(UPHELD),
        col(Finding.withdrawn_at).is_(None),
        col(Finding.bar_start) <= on,
        sa.or_(col(Finding.bar_end).is_(None), col(Finding.bar_end) >= on),
    )


def is_barred(director_id: Any, on: dt.date | None = None) -> sa.ColumnElement[bool]:
    """The director has a barring decision in force (usable as a column in any director query)."""
    return sa.exists().where(col(Finding.director_id) == director_id, active_bar_on(on or policy.today()))


async def bar_covering(session: AsyncSession, director_id: uuid.UUID, on: dt.date) -> Finding | None:
    """The barring decision in force on ``on``, if any."""
    result = await session.execute(
        sa.select(Finding).where(col(Finding.director_id) == director_id, active_bar_on(on)).limit(1)
    )
    return result.scalar_one_or_none()


def _may_record(actor: Actor, finding_type: FindingType) -> None:
    principal = actor.principal
    if policy.can_record_any_finding(principal):
        return
    if policy.can_record_findings(principal) and finding_type in INTERNAL_TYPES:
        return
    if policy.can_record_findings(principal):
        raise Forbidden(
            f"A trust records internal findings only ({', '.join(sorted(t.value for t in INTERNAL_TYPES))}); "
            f"a {finding_type.value.replace('_', ' ')} is recorded by a regulator."
        )
    raise Forbidden("Only regulators and trusts record findings.")


@dataclass(frozen=True)
class FindingEntry:
    """A finding as first recorded (a barring decision carries its bar's dates)."""

    finding_type: FindingType
    status: FindingStatus
    summary: str
    reported_on: dt.date
    decided_on: dt.date | None = None
    decision_reference: str | None = None
    bar_start: dt.date | None = None
    bar_end: dt.date | None = None


async def record_finding(
    session: AsyncSession, actor: Actor, _settings: Settings, director_id: uuid.UUID, data: FindingEntry
) -> Finding:
    """Record a finding; a trust records internal ones about its own directors, regulators any."""
    finding_type, status, summary, reported_on = data.finding_type, data.status, data.summary, data.reported_on
    decided_on, decision_reference, bar_start, bar_end = (
        data.decided_on,
        data.decision_reference,
        data.bar_start,
        data.bar_end,
    )
    await load_visible_director(session, actor, director_id)
    _may_record(actor, finding_type)
    if status not in _INITIAL:
        raise RuleViolation("A new finding starts as reported, under investigation, or already upheld.")
    if status is FindingStatus.UPHELD and decided_on is None:
        raise RuleViolation("An upheld finding needs decided_on, the date of the decision.")
    today = policy.today()
    if reported_on > today or (decided_on is not None and decided_on > today):
        raise RuleViolation("Report and decision dates cannot be in the future.")
    row = Finding(
        director_id=director_id,
        finding_type=finding_type,
        status=status,
        recorded_by_role=actor.principal.role.value,
        recording_org=actor.principal.org,
        summary=summary,
        decision_reference=decision_reference,
        reported_on=reported_on,
        investigation_started_on=reported_on if status is FindingStatus.UNDER_INVESTIGATION else None,
        decided_on=decided_on,
        bar_start=bar_start,
        bar_end=bar_end,
        version=1,
    )
    finding = await add_part(session, actor, FINDINGS, row)
    await _announce(session, finding, EventType.FINDING_RECORDED)
    return finding


async def move_finding(
    session: AsyncSession,
    actor: Actor,
    director_id: uuid.UUID,
    finding_id: uuid.UUID,
    *,
    expected_version: int,
    to: FindingStatus,
    on: dt.date,
    note: str | None = None,
) -> Finding:
    """Move a finding along its lifecycle; any other move is a 409."""
    await load_visible_director(session, actor, director_id)
    finding: Finding = await _load_for_writer(session, actor, director_id, finding_id)
    allowed = TRANSITIONS.get(finding.status, {})
    if to not in allowed:
        options = ", ".join(s.value for s in allowed) or "none: the outcome is final"
        raise Conflict(
            f"A finding that is {finding.status.value.replace('_', ' ')} cannot become "
            f"{to.value.replace('_', ' ')}; next steps: {options}.",
            current_status=finding.status.value,
        )
    if on > policy.today():
        raise RuleViolation("The date of the step cannot be in the future.")
    changes: dict[str, Any] = {"status": to, allowed[to]: on}
    if note:
        changes["summary"] = f"{finding.summary}\n[{on.isoformat()} {to.value}] {note}"[:2000]
    updated: Finding = await change_part(
        session, actor, FINDINGS, finding, expected_version=expected_version, changes=changes
    )
    await _announce(session, updated, EventType.FINDING_CHANGED)
    return updated


async def _load_for_writer(session: AsyncSession, actor: Actor, director_id: uuid.UUID, finding_id: uuid.UUID) -> Any:
    """Regulators move any finding; a trust only the internal findings it recorded itself."""
    principal = actor.principal
    if not policy.can_record_findings(principal):
        raise Forbidden("Only regulators and trusts move findings on.")
    # load_part_for_change insists on a file writer (trust); regulators load the finding directly.
    if policy.can_record_any_finding(principal):
        finding = (
            await session.execute(
                sa.select(Finding)
                .where(
                    col(Finding.id) == finding_id,
                    col(Finding.director_id) == director_id,
                    col(Finding.withdrawn_at).is_(None),
                )
                .with_for_update()
            )
        ).scalar_one_or_none()
        if finding is None:
            raise NotFound(f"This director's file has no current finding {finding_id}.")
        return finding
    finding = await load_part_for_change(session, actor, FINDINGS, director_id, finding_id)
    if finding.recording_org != principal.org or finding.finding_type not in INTERNAL_TYPES:
        raise Forbidden("A trust moves on only the internal findings it recorded itself.")
    return finding


async def _announce(session: AsyncSession, finding: Finding, event: EventType) -> None:
    assert finding.id is not None
    payload = {"finding_type": finding.finding_type.value, "status": finding.status.value}
    await emit(
        session,
        event,
        director_id=finding.director_id,
        record_type="finding",
        record_id=str(finding.id),
        ods_code=finding.recording_org,
        payload=payload,
    )
    if finding.finding_type is FindingType.BARRING_DECISION and finding.status in UPHELD:
        await emit(
            session,
            EventType.BARRING_DECIDED,
            director_id=finding.director_id,
            record_type="finding",
            record_id=str(finding.id),
            payload={
                "bar_start": finding.bar_start.isoformat() if finding.bar_start else None,
                "bar_end": finding.bar_end.isoformat() if finding.bar_end else None,
            },
        )


async def list_active_bars(
    session: AsyncSession, actor: Actor, *, limit: int, cursor: str | None = None
) -> tuple[list[tuple[Finding, Director]], str | None]:
    """Barring decisions in force today, with the barred director, newest bar first."""
    if not policy.can_read_barred_list(actor.principal):
        raise Forbidden("The barred list is for trusts, regulators and auditors.")
    query = (
        sa.select(Finding, Director)
        .join(Director, col(Director.id) == col(Finding.director_id))
        .where(active_bar_on(policy.today()))
    )
    found, next_cursor = await keyset_page(
        session, query, Keyset(col(Finding.id), cursor_key="after"), limit=limit, cursor=cursor, scalars=False
    )
    rows = [(f, d) for f, d in found]
    await record_reads(session, actor, "barred.list", [d.id for _, d in rows if d.id])
    return rows, next_cursor


async def withdraw_finding(
    session: AsyncSession, actor: Actor, _settings: Settings, director_id: uuid.UUID, data: PartWithdrawal
) -> Finding:
    """Withdraw a finding recorded in error (by a regulator, or the trust that recorded an internal one)."""
    await load_visible_director(session, actor, director_id)
    finding = await _load_for_writer(session, actor, director_id, data.part_id)
    withdrawn: Finding = await withdraw_part(
        session, actor, FINDINGS, finding, expected_version=data.expected_version, reason=data.reason
    )
    await _announce(session, withdrawn, EventType.FINDING_CHANGED)
    return withdrawn


FINDINGS = PartKind(Finding, "finding", "finding", ("reported_on",), add=record_finding, withdraw=withdraw_finding)
