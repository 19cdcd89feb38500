"""Retention: erasure tombstones and the daily retention job's runs.

Revision ID: 0009_retention
Revises: 0008_audit_chain

Written by hand. The tombstone has no foreign key to ``directors``: the director's row is deleted with their
file, and the tombstone keeps the id the audit trail refers to.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_retention"
down_revision: str | None = "0008_audit_chain"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erasure_tombstones",
        sa.Column("director_id", sa.Uuid(), nullable=False),
        sa.Column("erased_on", sa.Date(), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("erased_by", sa.String(length=200), nullable=False),
        sa.Column(
            "basis",
            sa.Enum(
                "age_75", "recorded_erasure", name="erasure_basis", native_enum=False, create_constraint=True, length=40
            ),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("director_id", name=op.f("pk_erasure_tombstones")),
    )
    op.create_table(
        "retention_runs",
        sa.Column("run_on", sa.Date(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("erased", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("run_on", name=op.f("pk_retention_runs")),
    )


def downgrade() -> None:
    op.drop_table("retention_runs")
    op.drop_table("erasure_tombstones")
