import datetime as dt
import uuid
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from register.base import created_at, enum_column, updated_at, uuid_pk, version_column


class FindingType(StrEnum):
    """What kind of matter a finding is about."""

    SERIOUS_MISCONDUCT = "serious_misconduct"
    SERIOUS_MISMANAGEMENT = "serious_mismanagement"
    SCHEDULE_4_GROUND = "schedule_4_ground"
    DISCIPLINARY = "disciplinary"
    GRIEVANCE_UPHELD = "grievance_upheld"
    WHISTLEBLOWING_DETRIMENT = "whistleblowing_detriment"
    PROFESSIONAL_REGULATOR_SANCTION = "professional_regulator_sanction"
    BARRING_DECISION = "barring_decision"
    DISQUALIFICATION = "disqualification"


class FindingStatus(StrEnum):
    """Where a finding is in its life: reported → under investigation → upheld or not upheld → appealed →
    upheld on appeal or overturned. A new finding starts as reported, under investigation, or upheld."""

    REPORTED = "reported"
    UNDER_INVESTIGATION = "under_investigation"
    UPHELD = "upheld"
    NOT_UPHELD = "not_upheld"
    APPEALED = "appealed"
    UPHELD_ON_APPEAL = "upheld_on_appeal"
    OVERTURNED = "overturned"


# A trust records matters arising from its own employment of the director; the rest are regulators' decisions.
INTERNAL_TYPES = frozenset(
    {
        FindingType.DISCIPLINARY,
        FindingType.GRIEVANCE_UPHELD,
        FindingType.WHISTLEBLOWING_DETRIMENT,
        FindingType.SERIOUS_MISCONDUCT,
        FindingType.SERIOUS_MISMANAGEMENT,
    }
)
UPHELD = frozenset({FindingStatus.UPHELD, FindingStatus.UPHELD_ON_APPEAL})
OPEN = frozenset({FindingStatus.REPORTED, FindingStatus.UNDER_INVESTIGATION, FindingStatus.APPEALED})

# The legal moves, and the date column each one stamps.
TRANSITIONS: dict[FindingStatus, dict[FindingStatus, str]] = {
    FindingStatus.REPORTED: {FindingStatus.UNDER_INVESTIGATION: "investigation_started_on"},
    FindingStatus.UNDER_INVESTIGATION: {
        FindingStatus.UPHELD: "decided_on",
        FindingStatus.NOT_UPHELD: "decided_on",
    },
    FindingStatus.UPHELD: {FindingStatus.APPEALED: "appealed_on"},
    FindingStatus.APPEALED: {
        FindingStatus.UPHELD_ON_APPEAL: "appeal_decided_on",
        FindingStatus.OVERTURNED: "appeal_decided_on",
    },
}


class Finding(SQLModel, table=True):
    """A matter about a director, from first report to final outcome; a barring decision carries its bar."""

    __tablename__ = "findings"
    __table_args__ = (
        sa.CheckConstraint(
            "(finding_type = 'barring_decision') = (bar_start IS NOT NULL)", name="bar_dates_on_barring_only"
        ),
        sa.CheckConstraint("bar_end IS NULL OR bar_end >= bar_start", name="bar_end_not_before_start"),
        sa.Index(
            "ix_findings_active_bars", "director_id", postgresql_where=sa.text("finding_type = 'barring_decision'")
        ),
    )

    id: uuid.UUID | None = Field(default=None, sa_column=uuid_pk())
    director_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("directors.id"), nullable=False, index=True)
    )
    finding_type: FindingType = Field(sa_column=enum_column(FindingType, "finding_type"))
    status: FindingStatus = Field(sa_column=enum_column(FindingStatus, "finding_status"))
    recorded_by_role: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    recording_org: str | None = Field(
        default=None, sa_column=sa.Column(sa.String(5), sa.ForeignKey("organisations.ods_code"), nullable=True)
    )
    summary: str = Field(sa_column=sa.Column(sa.String(2000), nullable=False))
    decision_reference: str | None = Field(default=None, sa_column=sa.Column(sa.String(100)))
    reported_on: dt.date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    investigation_started_on: dt.date | None = Field(default=None, sa_column=sa.Column(sa.Date))
    decided_on: dt.date | None = Field(default=None, sa_column=sa.Column(sa.Date))
    appealed_on: dt.date | None = Field(default=None, sa_column=sa.Column(sa.Date))
    appeal_decided_on: dt.date | None = Field(default=None, sa_column=sa.Column(sa.Date))
    bar_start: dt.date | None = Field(default=None, sa_column=sa.Column(sa.Date))
    bar_end: dt.date | None = Field(default=None, sa_column=sa.Column(sa.Date))
    version: int = Field(default=1, sa_column=version_column())
    created_at: dt.datetime | None = Field(default=None, sa_column=created_at())
    updated_at: dt.datetime | None = Field(default=None, sa_column=updated_at())
    withdrawn_at: dt.datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True)))
    withdrawn_reason: str | None = Field(default=None, sa_column=sa.Column(sa.String(500)))
