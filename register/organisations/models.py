import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from register.base import created_at, enum_column, updated_at, version_column
from register.identifiers import OrganisationKind, Region


class Organisation(SQLModel, table=True):
    """An NHS body (or other employer on the register), keyed by its ODS code."""

    __tablename__ = "organisations"

    ods_code: str = Field(sa_column=sa.Column(sa.String(5), primary_key=True))
    name: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    kind: OrganisationKind = Field(sa_column=enum_column(OrganisationKind, "organisation_kind"))
    region: Region | None = Field(default=None, sa_column=enum_column(Region, "region", nullable=True))
    version: int = Field(default=1, sa_column=version_column())
    created_at: dt.datetime | None = Field(default=None, sa_column=created_at())
    updated_at: dt.datetime | None = Field(default=None, sa_column=updated_at())
