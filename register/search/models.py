import uuid
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

from register.base import enum_column


class NameKind(StrEnum):
    """Whether a searchable name is the director's name now or one they were known by before."""

    CURRENT = "current"
    FORMER = "former"


class DirectorName(SQLModel, table=True):
    """A director's current or former name, normalised for search (see ``register/search/names.py``)."""

    __tablename__ = "director_names"
    __table_args__ = (sa.Index("ix_director_names_tokens", "tokens", postgresql_using="gin"),)

    director_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("directors.id", ondelete="CASCADE"), primary_key=True)
    )
    kind: NameKind = Field(sa_column=enum_column(NameKind, "name_kind", primary_key=True))
    name: str = Field(sa_column=sa.Column(sa.Text, primary_key=True))
    # The words of the name, kept by PostgreSQL; the GIN index on them finds names containing given words.
    tokens: list[str] | None = Field(
        default=None,
        sa_column=sa.Column(ARRAY(sa.Text), sa.Computed("string_to_array(name, ' ')", persisted=True)),
    )


class NameTokenVariant(SQLModel, table=True):
    """Every word of every name with each one-deletion variant of it: the index behind one-typo word matching."""

    __tablename__ = "name_token_variants"

    variant: str = Field(sa_column=sa.Column(sa.Text, primary_key=True))
    token: str = Field(sa_column=sa.Column(sa.Text, primary_key=True))
