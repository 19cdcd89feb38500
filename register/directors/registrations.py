"""Professional registrations: one number belongs to one person on the register."""

import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.access.principal import Actor
from register.directors.models import ProfessionalRegistration, RegistrationStatus
from register.errors import Conflict
from register.identifiers import RegistrationBody
from register.records.history import PartChange, PartKind, add_part, change_part, load_part_for_change
from register.records.visible import load_visible_director, require_file_writer
from register.settings import Settings


@dataclass(frozen=True)
class RegistrationEntry:
    """A professional registration as recorded in a director's file."""

    body: RegistrationBody
    number: str
    status: RegistrationStatus
    verified: bool
    verified_by: str | None
    verified_on: dt.date | None


async def add_registration(
    session: AsyncSession, actor: Actor, _settings: Settings, director_id: uuid.UUID, data: RegistrationEntry
) -> ProfessionalRegistration:
    """Record a registration; 409 if the number is already another record's."""
    body, number = data.body, data.number
    await load_visible_director(session, actor, director_id)
    require_file_writer(actor)
    taken = await session.execute(
        sa.select(col(ProfessionalRegistration.director_id)).where(
            col(ProfessionalRegistration.body) == body,
            col(ProfessionalRegistration.number) == number,
            col(ProfessionalRegistration.withdrawn_at).is_(None),
        )
    )
    holder = taken.scalar_one_or_none()
    if holder is not None:
        where = "this director's file" if holder == director_id else "another person's record on the register"
        # Never say whose: the caller may not be allowed to see that person.
        raise Conflict(f"{body.value} number {number} is already in {where}.", matched_on="registration_number")
    row = ProfessionalRegistration(
        director_id=director_id,
        body=body,
        number=number,
        status=data.status,
        verified=data.verified,
        verified_by=data.verified_by,
        verified_on=data.verified_on,
        version=1,
    )
    return await add_part(session, actor, REGISTRATIONS, row)


async def update_registration(
    session: AsyncSession, actor: Actor, _settings: Settings, director_id: uuid.UUID, data: PartChange
) -> ProfessionalRegistration:
    """Change a registration's standing or verification."""
    part = await load_part_for_change(session, actor, REGISTRATIONS, director_id, data.part_id)
    updated: ProfessionalRegistration = await change_part(
        session, actor, REGISTRATIONS, part, expected_version=data.expected_version, changes=data.changes
    )
    return updated


REGISTRATIONS = PartKind(
    ProfessionalRegistration,
    "registration",
    "registration",
    ("body", "number"),
    add=add_registration,
    change=update_registration,
)
