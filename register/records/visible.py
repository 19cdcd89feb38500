"""Who may see a director's file, in one place: load or require a visible director, require a file writer.

Every service that reads or writes a director's file starts here, so that a record the caller may not see is
404 (DESIGN.md §4), whatever the part.
"""

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.access import policy
from register.access.principal import Actor
from register.db import SessionRunner
from register.directors.models import Director
from register.errors import Forbidden, NotFound
from register.records import prepared as sql


async def load_visible_director(session: AsyncSession, actor: Actor, director_id: uuid.UUID) -> Director:
    """The director if the caller may see them; otherwise 404, whether or not they exist."""
    director = (
        await session.execute(
            sa.select(Director).where(col(Director.id) == director_id, policy.visible_directors(actor.principal))
        )
    ).scalar_one_or_none()
    if director is None:
        raise NotFound(f"No director {director_id} that you may see is on the register.")
    return director


async def require_visible_director(session: AsyncSession, actor: Actor, director_id: uuid.UUID) -> None:
    """:func:`load_visible_director` for a caller that needs only the answer: 404 unless the caller may see the
    director (a prepared statement, compiled once per shape of caller and day: the scope compares appointments
    with the day it is built on)."""
    shape, stand_ins, key = sql.scope_placeholders(actor.principal)
    prepared = sql.prepare(
        ("visible", *key, policy.today()),
        lambda: sa.select(col(Director.id)).where(
            col(Director.id) == sa.bindparam("director_id", None, type_=sa.Uuid), policy.visible_directors(shape)
        ),
    )
    if await sql.fetch_row(SessionRunner(session), prepared, {"director_id": director_id}, stand_ins) is None:
        raise NotFound(f"No director {director_id} that you may see is on the register.")


def require_file_writer(actor: Actor) -> None:
    """Only a trust keeps a director's file (regulators read it; a director adds statements)."""
    if not policy.can_change_director(actor.principal):
        raise Forbidden("Your role may read this file but not change it.")
