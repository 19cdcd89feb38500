"""Qualifications: what a director holds and whether it was verified."""

import datetime as dt
import uuid
from dataclasses import asdict, dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from register.access.principal import Actor
from register.qualifications.models import Qualification
from register.records.history import PartChange, PartKind, add_part, change_part, load_part_for_change
from register.records.visible import load_visible_director, require_file_writer
from register.settings import Settings


@dataclass(frozen=True)
class QualificationEntry:
    """A qualification as recorded; ``evidence_reference`` points into the trust's own file, never a document."""

    title: str
    awarding_body: str
    level: str | None
    awarded_on: dt.date | None
    verified: bool
    verified_by: str | None
    verified_on: dt.date | None
    evidence_reference: str | None


async def add_qualification(
    session: AsyncSession, actor: Actor, _settings: Settings, director_id: uuid.UUID, data: QualificationEntry
) -> Qualification:
    """Record a qualification in the director's file."""
    await load_visible_director(session, actor, director_id)
    require_file_writer(actor)
    row = Qualification(director_id=director_id, **asdict(data), version=1)
    return await add_part(session, actor, QUALIFICATIONS, row)


async def update_qualification(
    session: AsyncSession, actor: Actor, _settings: Settings, director_id: uuid.UUID, data: PartChange
) -> Qualification:
    """Correct a qualification or record its verification."""
    part = await load_part_for_change(session, actor, QUALIFICATIONS, director_id, data.part_id)
    updated: Qualification = await change_part(
        session, actor, QUALIFICATIONS, part, expected_version=data.expected_version, changes=data.changes
    )
    return updated


QUALIFICATIONS = PartKind(
    Qualification,
    "qualification",
    "qualification",
    ("awarded_on", "title"),
    add=add_qualification,
    change=update_qualification,
)
