import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from register.base import created_at, uuid_pk, version_column


class Schedule4Item(StrEnum):
    """The matters of Schedule 4 to the Health and Social Care Act 2008 (Regulated Activities) Regulations 2014."""

    # Part 1: grounds of unfitness.
    UNDISCHARGED_BANKRUPTCY = "undischarged_bankruptcy"  # para 1, including sequestration in Scotland
    BANKRUPTCY_RESTRICTIONS = "bankruptcy_restrictions"  # para 2, (interim) bankruptcy restrictions order
    DEBT_RELIEF_ORDER = "debt_relief_order"  # para 3, moratorium under a debt relief order
    ARRANGEMENT_WITH_CREDITORS = "arrangement_with_creditors"  # para 4, composition, arrangement or trust deed
    BARRED_LISTS = "barred_lists"  # para 5, children's or adults' barred list
    PROHIBITED_FROM_OFFICE = "prohibited_from_office"  # para 6, e.g. a disqualified director
    # Part 2: good character considerations.
    CONVICTIONS = "convictions"  # para 1, convicted of an offence in the UK or elsewhere
    STRUCK_OFF = "struck_off"  # para 2, erased or struck off a health or social care professional register


class Attestation(SQLModel, table=True):
    """A signed annual self-attestation. Never changed after signing: a newer one supersedes it."""

    __tablename__ = "attestations"
    __table_args__ = (sa.Index("ix_attestations_director_id_year", "director_id", "year"),)

    id: uuid.UUID | None = Field(default=None, sa_column=uuid_pk())
    director_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("directors.id"), nullable=False))
    year: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    # {item: {"answer": bool, "detail": str | None}} for every Schedule4Item.
    answers: dict[str, Any] = Field(sa_column=sa.Column(JSONB, nullable=False))
    any_yes: bool = Field(sa_column=sa.Column(sa.Boolean, nullable=False))
    no_change_since_last_year: bool = Field(sa_column=sa.Column(sa.Boolean, nullable=False))
    # Each attestation is superseded at most once, so the director's attestations form one chain.
    supersedes_id: uuid.UUID | None = Field(
        default=None,
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("attestations.id"), nullable=True, unique=True),
    )
    signed_by: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    signed_at: dt.datetime | None = Field(default=None, sa_column=created_at())
    version: int = Field(default=1, sa_column=version_column())
