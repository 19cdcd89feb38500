"""Reading statements to show beside the records they answer (no dependency on the write side)."""

import uuid
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.records.prepared import ts
from register.statements.models import Statement
from register.versions.service import snapshot


async def statements_about(
    session: AsyncSession, director_id: uuid.UUID, record_type: str | None, record_ids: list[str] | None = None
) -> dict[str | None, list[dict[str, Any]]]:
    """Current statements about records of one type (or, with ``record_type=None``, about the whole file)."""
    query = sa.select(Statement).where(col(Statement.director_id) == director_id, col(Statement.withdrawn_at).is_(None))
    if record_type is None:
        query = query.where(col(Statement.about_record_type).is_(None))
    else:
        query = query.where(col(Statement.about_record_type) == record_type)
        if record_ids is not None:
            query = query.where(col(Statement.about_record_id).in_(record_ids))
    grouped: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for row in (await session.execute(query.order_by(col(Statement.created_at)))).scalars():
        grouped[row.about_record_id].append(snapshot(row))
    return grouped


def statements_json(about: str, *, with_version: bool = True) -> str:
    """SQL for the current statements about one record of the director ``v.id`` (``about``: a SQL condition on
    ``s``), oldest first, as a JSON array in the shape of ``StatementRead`` (for the one-statement reads)."""
    version = "'version', s.version, " if with_version else ""
    # Built from constants of this module and the caller's condition; the values are bind parameters.
    return (
        "(SELECT coalesce(json_agg(json_build_object("  # noqa: S608
        "'id', s.id, 'about_record_type', s.about_record_type, 'about_record_id', s.about_record_id, "
        f"'text', s.text, {version}'created_at', {ts('s.created_at')}, 'updated_at', {ts('s.updated_at')})"
        " ORDER BY s.created_at, s.id), '[]'::json)"
        f" FROM statements s WHERE s.director_id = v.id AND s.withdrawn_at IS NULL AND {about})"
    )
