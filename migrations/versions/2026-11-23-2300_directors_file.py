"""The director's file: qualifications and explanations of employment gaps.

Revision ID: 0002_directors_file
Revises: 0001_foundation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_directors_file"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


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
        "qualifications",
        sa.Column("id", sa.Uuid(), server_default=sa.text("uuidv7()"), nullable=False),
        sa.Column("director_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("awarding_body", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=40), nullable=True),
        sa.Column("awarded_on", sa.Date(), nullable=True),
        sa.Column("verified", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("verified_by", sa.String(length=200), nullable=True),
        sa.Column("verified_on", sa.Date(), nullable=True),
        sa.Column("evidence_reference", sa.String(length=200), nullable=True),
        *_part_columns(),
        sa.ForeignKeyConstraint(
            ["director_id"], ["directors.id"], name=op.f("fk_qualifications_director_id_directors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qualifications")),
    )
    op.create_index(op.f("ix_qualifications_director_id"), "qualifications", ["director_id"], unique=False)
    op.create_table(
        "employment_gap_explanations",
        sa.Column("id", sa.Uuid(), server_default=sa.text("uuidv7()"), nullable=False),
        sa.Column("director_id", sa.Uuid(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        *_part_columns(),
        sa.CheckConstraint("end_date >= start_date", name=op.f("ck_employment_gap_explanations_end_not_before_start")),
        sa.ForeignKeyConstraint(
            ["director_id"], ["directors.id"], name=op.f("fk_employment_gap_explanations_director_id_directors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employment_gap_explanations")),
    )
    op.create_index(op.f("ix_employment_gap_explanations_director_id"), "employment_gap_explanations", ["director_id"])
    # Reading a record's history and "as of" a time walks the versions of one record newest first.
    op.create_index(
        "ix_record_versions_record_type_record_id_changed_at",
        "record_versions",
        ["record_type", "record_id", "changed_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_record_versions_record_type_record_id_changed_at", table_name="record_versions")
    op.drop_index(op.f("ix_employment_gap_explanations_director_id"), table_name="employment_gap_explanations")
    op.drop_table("employment_gap_explanations")
    op.drop_index(op.f("ix_qualifications_director_id"), table_name="qualifications")
    op.drop_table("qualifications")
