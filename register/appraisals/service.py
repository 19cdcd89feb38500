"""Recording LCF appraisals: one per board member, organisation and year, changed under If-Match."""

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.access import policy
from register.access.principal import Actor
from register.appraisals.models import Appraisal, LcfDomain
from register.audit.service import record_event
from register.errors import Conflict, Forbidden, NotFound, PreconditionFailed, RuleViolation
from register.records.history import attach_statements, record_change
from register.records.pages import Keyset, keyset_page
from register.records.visible import load_visible_director
from register.versions.service import snapshot, version_as_of

RECORD_TYPE = "appraisal"
RATING_COLUMNS = {d: f"rating_{d.value}" for d in LcfDomain}


async def record_appraisal(
    session: AsyncSession, actor: Actor, director_id: uuid.UUID, *, fields: dict[str, Any]
) -> Appraisal:
    """Record a board member's appraisal for a year (trust HR of the appraising organisation)."""
    await load_visible_director(session, actor, director_id)
    principal = actor.principal
    if not policy.can_keep_fppt_records(principal, principal.org) or principal.org is None:
        raise Forbidden("Only the HR team of the director's trust records LCF appraisals.")
    _check_rules(fields)
    taken = (
        await session.execute(
            sa.select(col(Appraisal.id)).where(
                col(Appraisal.director_id) == director_id,
                col(Appraisal.ods_code) == principal.org,
                col(Appraisal.year) == fields["year"],
            )
        )
    ).scalar_one_or_none()
    if taken is not None:
        raise Conflict(
            f"The {fields['year']} LCF appraisal is already recorded; change it with If-Match instead.",
            appraisal_id=str(taken),
        )
    row = Appraisal(director_id=director_id, ods_code=principal.org, recorded_by=principal.sub, version=1, **fields)
    session.add(row)
    await session.flush()
    await session.refresh(row)
    await _versioned(session, actor, row, "created", "appraisal.record")
    return row


async def update_appraisal(
    session: AsyncSession,
    actor: Actor,
    director_id: uuid.UUID,
    appraisal_id: uuid.UUID,
    *,
    expected_version: int,
    changes: dict[str, Any],
) -> Appraisal:
    """Correct an appraisal (trust HR of the appraising organisation, If-Match)."""
    await load_visible_director(session, actor, director_id)
    row = await _load(session, director_id, appraisal_id)
    if not policy.can_keep_fppt_records(actor.principal, row.ods_code):
        raise Forbidden("Only the HR team of the appraising organisation changes this LCF appraisal.")
    if not changes:
        raise RuleViolation("The change names no field to update.")
    if row.version != expected_version:
        raise PreconditionFailed(
            f"The appraisal is at version {row.version}, not {expected_version}; read it again and resend.",
            current_version=row.version,
        )
    _check_rules({**snapshot(row), **changes})
    result = await session.execute(
        sa.update(Appraisal)
        .where(col(Appraisal.id) == appraisal_id, col(Appraisal.version) == expected_version)
        .values(**changes, version=expected_version + 1, updated_at=sa.func.now())
        .returning(Appraisal)
        .execution_options(populate_existing=True)
    )
    updated = result.scalar_one_or_none()
    if updated is None:
        raise PreconditionFailed("The appraisal changed while you were editing it; read it again and resend.")
    await _versioned(session, actor, updated, "updated", "appraisal.update", detail={"fields": sorted(changes)})
    return updated


async def list_appraisals(
    session: AsyncSession, actor: Actor, director_id: uuid.UUID, *, limit: int, cursor: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """A director's appraisals, newest year first, each with the director's statements about it."""
    await load_visible_director(session, actor, director_id)
    query = sa.select(Appraisal).where(col(Appraisal.director_id) == director_id)
    rows, next_cursor = await keyset_page(
        session, query, Keyset(col(Appraisal.id), descending=True), limit=limit, cursor=cursor
    )
    await record_event(
        session, actor, "appraisal.list", record_type="director", record_id=str(director_id), director_id=director_id
    )
    items = [snapshot(r) for r in rows]
    await attach_statements(session, director_id, RECORD_TYPE, items)
    return items, next_cursor


async def get_appraisal(
    session: AsyncSession,
    actor: Actor,
    director_id: uuid.UUID,
    appraisal_id: uuid.UUID,
    *,
    as_of: dt.datetime | None = None,
) -> dict[str, Any]:
    """One appraisal, now or as it stood at ``as_of``."""
    await load_visible_director(session, actor, director_id)
    data = snapshot(await _load(session, director_id, appraisal_id))
    if as_of is not None:
        past = await version_as_of(session, RECORD_TYPE, str(appraisal_id), as_of)
        if past is None:
            raise NotFound(f"LCF appraisal {appraisal_id} was not on the register at {as_of.isoformat()}.")
        data = past.data
    await attach_statements(session, director_id, RECORD_TYPE, [data])
    await record_event(
        session,
        actor,
        "appraisal.read",
        record_type=RECORD_TYPE,
        record_id=str(appraisal_id),
        director_id=director_id,
        detail={"as_of": as_of.isoformat()} if as_of else None,
    )
    return data


async def appraised_directors(
    session: AsyncSession, director_ids: list[uuid.UUID], ods_code: str, year: int
) -> set[uuid.UUID]:
    """The directors with an appraisal recorded by ``ods_code`` for ``year``."""
    if not director_ids:
        return set()
    rows = await session.execute(
        sa.select(col(Appraisal.director_id)).where(
            col(Appraisal.director_id).in_(director_ids),
            col(Appraisal.ods_code) == ods_code,
            col(Appraisal.year) == year,
        )
    )
    return set(rows.scalars())


def _check_rules(fields: dict[str, Any]) -> None:
    today = policy.today()
    if fields["year"] > today.year:
        raise RuleViolation(f"An LCF appraisal for {fields['year']} cannot be recorded before the year starts.")
    submitted = fields.get("submitted_to_nhse_on")
    if isinstance(submitted, str):
        submitted = dt.date.fromisoformat(submitted)
    if submitted is not None and submitted > today:
        raise RuleViolation("submitted_to_nhse_on cannot be in the future.")
    # LCF domain 3: every board member holds at least one equality, diversity and inclusion objective.
    if not any(o.get("equality_diversity_inclusion") for o in fields["objectives"]):
        raise RuleViolation("At least one objective must be on equality, diversity and inclusion.")


async def _load(session: AsyncSession, director_id: uuid.UUID, appraisal_id: uuid.UUID) -> Appraisal:
    row = (
        await session.execute(
            sa.select(Appraisal).where(col(Appraisal.id) == appraisal_id, col(Appraisal.director_id) == director_id)
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"No LCF appraisal {appraisal_id} on director {director_id}'s file.")
    return row


async def _versioned(
    session: AsyncSession,
    actor: Actor,
    row: Appraisal,
    change: str,
    action: str,
    detail: dict[str, Any] | None = None,
) -> None:
    await record_change(
        session,
        actor,
        row,
        record_type=RECORD_TYPE,
        change=change,
        action=action,
        detail={"year": row.year, **(detail or {})},
    )
