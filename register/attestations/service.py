"""Signing and reading annual self-attestations. A signed attestation is never changed; a new one supersedes it."""

import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.access import policy
from register.access.principal import Actor
from register.attestations.models import Attestation, Schedule4Item
from register.audit.service import record_event
from register.checks.service import record_attestation_check
from register.errors import Forbidden, NotFound, RuleViolation
from register.records.history import record_change
from register.records.pages import Keyset, keyset_page
from register.records.visible import load_visible_director
from register.statements.queries import statements_about
from register.versions.service import snapshot

NEWEST_FIRST = Keyset(col(Attestation.id), descending=True)
RECORD_TYPE = "attestation"


@dataclass(frozen=True)
class Answer:
    answer: bool
    detail: str | None = None


@dataclass
class SignedAttestation:
    """An attestation with what superseded it, if anything."""

    attestation: Attestation
    superseded_by_id: uuid.UUID | None = None
    statements: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            **snapshot(self.attestation),
            "superseded_by_id": self.superseded_by_id,
            "statements": self.statements,
        }


async def sign_attestation(
    session: AsyncSession,
    actor: Actor,
    director_id: uuid.UUID,
    *,
    year: int | None,
    answers: dict[Schedule4Item, Answer],
    no_change_since_last_year: bool,
) -> SignedAttestation:
    """The director signs their annual self-attestation against every Schedule 4 matter."""
    await load_visible_director(session, actor, director_id)
    if not policy.can_sign_attestation(actor.principal, director_id):
        raise Forbidden("Only the director signs their own self-attestation.")
    missing = [item.value for item in Schedule4Item if item not in answers]
    if missing:
        raise RuleViolation("Answer every Schedule 4 matter.", missing=missing)
    unexplained = [item.value for item, a in answers.items() if a.answer and not (a.detail or "").strip()]
    if unexplained:
        raise RuleViolation("Every 'yes' needs detail.", needs_detail=unexplained)
    today = policy.today()
    year = year or today.year
    if year not in (today.year - 1, today.year):
        raise RuleViolation(f"An attestation is for this year or last year ({today.year - 1} or {today.year}).")
    stored = {item.value: {"answer": a.answer, "detail": a.detail if a.answer else None} for item, a in answers.items()}
    previous = await _current(session, director_id)
    if no_change_since_last_year and previous is not None and previous.answers != stored:
        raise RuleViolation(
            "You say nothing has changed since your last attestation, but your answers differ from it; "
            "check your answers or untick no_change_since_last_year.",
            previous_attestation_id=str(previous.id),
        )
    row = Attestation(
        director_id=director_id,
        year=year,
        answers=stored,
        any_yes=any(a.answer for a in answers.values()),
        no_change_since_last_year=no_change_since_last_year,
        supersedes_id=previous.id if previous else None,
        signed_by=actor.principal.sub,
        version=1,
    )
    session.add(row)
    await session.flush()
    await session.refresh(row)
    assert row.id is not None
    await record_change(
        session,
        actor,
        row,
        record_type=RECORD_TYPE,
        change="created",
        action="attestation.sign",
        detail={"year": year, "supersedes_id": str(previous.id) if previous else None},
    )
    await record_attestation_check(session, actor, director_id, any_yes=row.any_yes, attestation_id=row.id)
    return SignedAttestation(row)


async def list_attestations(
    session: AsyncSession, actor: Actor, director_id: uuid.UUID, *, limit: int, cursor: str | None = None
) -> tuple[list[SignedAttestation], str | None]:
    """A director's attestations, newest first, each with what superseded it."""
    await load_visible_director(session, actor, director_id)
    query = sa.select(Attestation).where(col(Attestation.director_id) == director_id)
    rows, next_cursor = await keyset_page(session, query, NEWEST_FIRST, limit=limit, cursor=cursor)
    successors = await _successors(session, [r.id for r in rows if r.id])
    await record_event(
        session, actor, "attestation.list", record_type="director", record_id=str(director_id), director_id=director_id
    )
    items = [SignedAttestation(r, successors.get(r.id)) for r in rows if r.id]
    about = await statements_about(session, director_id, RECORD_TYPE, [str(i.attestation.id) for i in items])
    for item in items:
        item.statements = about.get(str(item.attestation.id), [])
    return items, next_cursor


async def get_attestation(
    session: AsyncSession, actor: Actor, director_id: uuid.UUID, attestation_id: uuid.UUID
) -> SignedAttestation:
    """One attestation (they never change, so there is no earlier version to ask for)."""
    await load_visible_director(session, actor, director_id)
    row = (
        await session.execute(
            sa.select(Attestation).where(
                col(Attestation.id) == attestation_id, col(Attestation.director_id) == director_id
            )
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"No attestation {attestation_id} on director {director_id}'s file.")
    successors = await _successors(session, [attestation_id])
    await record_event(
        session,
        actor,
        "attestation.read",
        record_type=RECORD_TYPE,
        record_id=str(attestation_id),
        director_id=director_id,
    )
    about = await statements_about(session, director_id, RECORD_TYPE, [str(attestation_id)])
    return SignedAttestation(row, successors.get(attestation_id), about.get(str(attestation_id), []))


async def _current(session: AsyncSession, director_id: uuid.UUID) -> Attestation | None:
    """The director's attestation that nothing supersedes yet."""
    newer = sa.select(col(Attestation.supersedes_id)).where(col(Attestation.supersedes_id).is_not(None))
    return (
        await session.execute(
            sa.select(Attestation)
            .where(col(Attestation.director_id) == director_id, col(Attestation.id).not_in(newer))
            .order_by(col(Attestation.id).desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def _successors(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    if not ids:
        return {}
    rows = await session.execute(
        sa.select(col(Attestation.supersedes_id), col(Attestation.id)).where(col(Attestation.supersedes_id).in_(ids))
    )
    return {old: new for old, new in rows if old is not None and new is not None}


async def attested_years(session: AsyncSession, director_ids: list[uuid.UUID], year: int) -> set[uuid.UUID]:
    """The directors who have signed an attestation for ``year``."""
    if not director_ids:
        return set()
    rows = await session.execute(
        sa.select(col(Attestation.director_id))
        .where(col(Attestation.director_id).in_(director_ids), col(Attestation.year) == year)
        .distinct()
    )
    return set(rows.scalars())
