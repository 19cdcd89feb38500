"""What is left of an erased director (the tombstone), and the daily retention job's runs."""

import datetime as dt
import uuid
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from register.base import enum_column


class ErasureBasis(StrEnum):
    """Why a director's record was erased."""

    AGE_75 = "age_75"  # the retention rule: FPPT records are kept until the 75th birthday
    RECORDED_ERASURE = "recorded_erasure"  # a regulator recorded an erasure (e.g. a granted Art. 17 request)


class ErasureTombstone(SQLModel, table=True):
    """The only thing kept about an erased director: their register id, when, why and by whom.

    No foreign key to ``directors``: the director's row is normally deleted with the rest of the file, and the
    tombstone keeps the id so that the audit trail (which holds ids, never names) still points somewhere.
    """

    __tablename__ = "erasure_tombstones"

    director_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, primary_key=True))
    erased_on: dt.date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    erased_at: dt.datetime | None = Field(
        default=None,
        sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    reason: str = Field(sa_column=sa.Column(sa.String(500), nullable=False))
    erased_by: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    basis: ErasureBasis = Field(sa_column=enum_column(ErasureBasis, "erasure_basis"))


class RetentionRun(SQLModel, table=True):
    """One day's run of the retention job: the row for a day is claimed once, so the job runs once a day however
    many workers there are."""

    __tablename__ = "retention_runs"

    run_on: dt.date = Field(sa_column=sa.Column(sa.Date, primary_key=True))
    started_at: dt.datetime | None = Field(
        default=None,
        sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    finished_at: dt.datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True)))
    erased: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False, server_default=sa.text("0")))
