"""Search names: keeping ``director_names`` in step with each director's current and former names.

A name is stored once per director and kind (current or former) in a normalised form: lower case, accents
stripped, punctuation removed (apostrophes joined, hyphens and other marks as spaces), single spaces. Its words
("tokens") feed a small vocabulary table of one-deletion variants, which is how a one-typo query word finds
the words it may stand for (see ``register/search/service.py``).
"""

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.names import normalise_name
from register.search.models import DirectorName, NameKind, NameTokenVariant

MAX_TOKEN_LENGTH = 60


def name_tokens(name: str) -> list[str]:
    """The distinct words of a normalised name, in order."""
    return list(dict.fromkeys(t[:MAX_TOKEN_LENGTH] for t in name.split()))


def deletion_variants(token: str) -> set[str]:
    """The token and every string made by deleting one of its characters (never the empty string).

    Two words are within one typo of each other (a substitution, insertion, deletion or transposition) only
    if their variant sets meet, so an exact lookup of a query word's variants finds every such word.
    """
    out = {token}
    out.update(token[:i] + token[i + 1 :] for i in range(len(token)))
    out.discard("")
    return out


def director_name_rows(
    director_id: uuid.UUID, given_name: str, family_name: str, former_names: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The ``director_names`` rows of one director (current name first, duplicates dropped)."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    current = normalise_name(given_name, family_name)
    if current:
        rows[(NameKind.CURRENT, current)] = {"director_id": director_id, "kind": NameKind.CURRENT, "name": current}
    for former in former_names:
        name = normalise_name(str(former.get("given_name", "")), str(former.get("family_name", "")))
        if name and (NameKind.FORMER, name) not in rows:
            rows[(NameKind.FORMER, name)] = {"director_id": director_id, "kind": NameKind.FORMER, "name": name}
    return list(rows.values())


def variant_rows(tokens: Iterable[str]) -> list[dict[str, str]]:
    """``name_token_variants`` rows for these words."""
    return [{"variant": v, "token": t} for t in set(tokens) for v in sorted(deletion_variants(t))]


async def sync_director_names(
    session: AsyncSession,
    director_id: uuid.UUID,
    *,
    given_name: str,
    family_name: str,
    former_names: Iterable[Mapping[str, Any]],
) -> None:
    """Replace a director's search names with their current and former names (call wherever names are written)."""
    rows = director_name_rows(director_id, given_name, family_name, former_names)
    await session.execute(sa.delete(DirectorName).where(col(DirectorName.director_id) == director_id))
    if not rows:
        return
    await session.execute(sa.insert(DirectorName), rows)
    # The vocabulary only grows: a word nobody is called any more costs one unused lookup row.
    variants = variant_rows(t for r in rows for t in name_tokens(r["name"]))
    await session.execute(pg_insert(NameTokenVariant).values(variants).on_conflict_do_nothing())
