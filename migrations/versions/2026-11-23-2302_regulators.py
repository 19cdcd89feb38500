"""Regulators: findings and barring, statements, the outbound event log.

Revision ID: 0004_regulators
Revises: 0003_fppt_cycle
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_regulators"
down_revision: str | None = "0003_fppt_cycle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


FINDING_TYPES = (
    "serious_misconduct",
    "serious_mismanagement",
    "schedule_4_ground",
    "disciplinary",
    "grievance_upheld",
    "whistleblowing_detriment",
    "professional_regulator_sanction",
    "barring_decision",
    "disqualification",
)
FINDING_STATUSES = (
    "reported",
    "under_investigation",
    "upheld",
    "not_upheld",
    "appealed",
    "upheld_on_appeal",
    "overturned",
)


def _part_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_reason", sa.String(length=500), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "outbound_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("type", sa.String(length=60), nullable=False),
        sa.Column("director_id", sa.Uuid(), nullable=False),
        sa.Column("ods_code", sa.String(length=5), nullable=True),
        sa.Column("record_type", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column(
            "payload", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_events")),
    )
    op.create_index("ix_outbound_events_director_id_id", "outbound_events", ["director_id", "id"])
    op.create_table(
        "findings",
        sa.Column("id", sa.Uuid(), server_default=sa.text("uuidv7()"), nullable=False),
        sa.Column("director_id", sa.Uuid(), nullable=False),
        sa.Column(
            "finding_type",
            sa.Enum(*FINDING_TYPES, name="finding_type", native_enum=False, create_constraint=True, length=40),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(*FINDING_STATUSES, name="finding_status", native_enum=False, create_constraint=True, length=40),
            nullable=False,
        ),
        sa.Column("recorded_by_role", sa.String(length=20), nullable=False),
        sa.Column("recording_org", sa.String(length=5), nullable=True),
        sa.Column("summary", sa.String(length=2000), nullable=False),
        sa.Column("decision_reference", sa.String(length=100), nullable=True),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("investigation_started_on", sa.Date(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("appealed_on", sa.Date(), nullable=True),
        sa.Column("appeal_decided_on", sa.Date(), nullable=True),
        sa.Column("bar_start", sa.Date(), nullable=True),
        sa.Column("bar_end", sa.Date(), nullable=True),
        *_part_columns(),
        sa.CheckConstraint(
            "(finding_type = 'barring_decision') = (bar_start IS NOT NULL)",
            name=op.f("ck_findings_bar_dates_on_barring_only"),
        ),
        sa.CheckConstraint(
            "bar_end IS NULL OR bar_end >= bar_start", name=op.f("ck_findings_bar_end_not_before_start")
        ),
        sa.ForeignKeyConstraint(["director_id"], ["directors.id"], name=op.f("fk_findings_director_id_directors")),
        sa.ForeignKeyConstraint(
            ["recording_org"], ["organisations.ods_code"], name=op.f("fk_findings_recording_org_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
    )
    op.create_index(op.f("ix_findings_director_id"), "findings", ["director_id"])
    op.create_index(
        "ix_findings_active_bars",
        "findings",
        ["director_id"],
        postgresql_where=sa.text("finding_type = 'barring_decision'"),
    )
    op.create_table(
        "statements",
        sa.Column("id", sa.Uuid(), server_default=sa.text("uuidv7()"), nullable=False),
        sa.Column("director_id", sa.Uuid(), nullable=False),
        sa.Column("about_record_type", sa.String(length=40), nullable=True),
        sa.Column("about_record_id", sa.String(length=64), nullable=True),
        sa.Column("text", sa.String(length=5000), nullable=False),
        *_part_columns(),
        sa.CheckConstraint(
            "(about_record_type IS NULL) = (about_record_id IS NULL)",
            name=op.f("ck_statements_about_type_and_id_together"),
        ),
        sa.ForeignKeyConstraint(["director_id"], ["directors.id"], name=op.f("fk_statements_director_id_directors")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements")),
    )
    op.create_index(
        "ix_statements_director_id_about", "statements", ["director_id", "about_record_type", "about_record_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_statements_director_id_about", table_name="statements")
    op.drop_table("statements")
    op.drop_index("ix_findings_active_bars", table_name="findings")
    op.drop_index(op.f("ix_findings_director_id"), table_name="findings")
    op.drop_table("findings")
    op.drop_index("ix_outbound_events_director_id_id", table_name="outbound_events")
    op.drop_table("outbound_events")
