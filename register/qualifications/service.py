"""Qualifications: what a director holds and whether it was verified."""

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from register.access.principal import Actor
from register.parts import (
    PartKind,
    add_part,
    change_part,
    load_part_for_change,
    load_visible_director,
    require_file_writer,
)
from register.qualifications.models import Qualification

QUALIFICATIONS = PartKind(Qualification, "qualification", "qualification", ("awarded_on", "title"))


async def add_qualification(
    session: AsyncSession,
    actor: Actor,
    director_id: uuid.UUID,
    *,
    title: str,
    awarding_body: str,
    level: str | None,
    awarded_on: dt.date | None,
    verified: bool,
    verified_by: str | None,
    verified_on: dt.date | None,
    evidence_reference: str | None,
) -> Qualification:
    """Record a qualification in the director's file."""
    await load_visible_director(session, actor, director_id)
    require_file_writer(actor)
    row = Qualification(
        director_id=director_id,
        title=title,
        awarding_body=awarding_body,
        level=level,
        awarded_on=awarded_on,
        verified=verified,
        verified_by=verified_by,
        verified_on=verified_on,
        evidence_reference=evidence_reference,
        version=1,
    )
    return await add_part(session, actor, QUALIFICATIONS, row)


async def update_qualification(
    session: AsyncSession,
    actor: Actor,
    director_id: uuid.UUID,
    qualification_id: uuid.UUID,
    *,
    expected_version: int,
    changes: dict[str, Any],
) -> Qualification:
    """Correct a qualification or record its verification."""
    part = await load_part_for_change(session, actor, QUALIFICATIONS, director_id, qualification_id)
    updated: Qualification = await change_part(
        session, actor, QUALIFICATIONS, part, expected_version=expected_version, changes=changes
    )
    return updated
