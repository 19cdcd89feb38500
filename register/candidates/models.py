import datetime as dt
import uuid
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from register.base import enum_column, uuid_pk
from register.employment.models import BoardRole


class IdentifiedBy(StrEnum):
    """How the trust named the candidate."""

    REGISTER_ID = "register_id"
    REGISTRATION = "registration"
    NAME_AND_DATE_OF_BIRTH = "name_and_date_of_birth"


class CandidateCheck(SQLModel, table=True):
    """A recorded look-up of a candidate by a trust; it opens summary access for a limited window."""

    __tablename__ = "candidate_checks"
    __table_args__ = (
        sa.Index("ix_candidate_checks_director_id_checking_org", "director_id", "checking_org", "access_until"),
    )

    id: uuid.UUID | None = Field(default=None, sa_column=uuid_pk())
    director_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("directors.id"), nullable=False))
    checking_org: str = Field(
        sa_column=sa.Column(sa.String(5), sa.ForeignKey("organisations.ods_code"), nullable=False)
    )
    checked_by: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    purpose: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    vacancy_board_role: BoardRole = Field(sa_column=enum_column(BoardRole, "vacancy_board_role"))
    vacancy_title: str | None = Field(default=None, sa_column=sa.Column(sa.String(200)))
    identified_by: IdentifiedBy = Field(sa_column=enum_column(IdentifiedBy, "identified_by"))
    checked_at: dt.datetime | None = Field(
        default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
    )
    access_until: dt.datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
