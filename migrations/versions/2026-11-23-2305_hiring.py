"""Hiring: candidate checks, reference requests and Board Member References.

Revision ID: 0007_hiring
Revises: 0006_search
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_hiring"
down_revision: str | None = "0006_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BOARD_ROLES = (
    "chair",
    "chief_executive",
    "executive_director",
    "non_voting_executive",
    "non_executive_director",
    "associate_non_executive_director",
)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=40)


def _timestamps() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "candidate_checks",
        sa.Column("id", sa.Uuid(), server_default=sa.text("uuidv7()"), nullable=False),
        sa.Column("director_id", sa.Uuid(), nullable=False),
        sa.Column("checking_org", sa.String(length=5), nullable=False),
        sa.Column("checked_by", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("vacancy_board_role", _enum("vacancy_board_role", *BOARD_ROLES), nullable=False),
        sa.Column("vacancy_title", sa.String(length=200), nullable=True),
        sa.Column(
            "identified_by",
            _enum("identified_by", "register_id", "registration", "name_and_date_of_birth"),
            nullable=False,
        ),
        sa.Column("checked_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("access_until", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["checking_org"], ["organisations.ods_code"], name=op.f("fk_candidate_checks_checking_org_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["director_id"], ["directors.id"], name=op.f("fk_candidate_checks_director_id_directors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_checks")),
    )
    op.create_index(
        "ix_candidate_checks_director_id_checking_org",
        "candidate_checks",
        ["director_id", "checking_org", "access_until"],
    )
    op.create_table(
        "reference_requests",
        sa.Column("id", sa.Uuid(), server_default=sa.text("uuidv7()"), nullable=False),
        sa.Column("director_id", sa.Uuid(), nullable=False),
        sa.Column("employment_id", sa.Uuid(), nullable=False),
        sa.Column("requesting_org", sa.String(length=5), nullable=False),
        sa.Column("providing_org", sa.String(length=5), nullable=False),
        sa.Column("candidate_check_id", sa.Uuid(), nullable=True),
        sa.Column(
            "status",
            _enum("request_status", "open", "answered", "declined", "withdrawn", "expired"),
            nullable=False,
        ),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("answer_by", sa.Date(), nullable=False),
        sa.Column("closed_reason", sa.String(length=1000), nullable=True),
        sa.Column("reference_id", sa.Uuid(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["candidate_check_id"],
            ["candidate_checks.id"],
            name=op.f("fk_reference_requests_candidate_check_id_candidate_checks"),
        ),
        sa.ForeignKeyConstraint(
            ["director_id"], ["directors.id"], name=op.f("fk_reference_requests_director_id_directors")
        ),
        sa.ForeignKeyConstraint(
            ["employment_id"],
            ["employment_records.id"],
            name=op.f("fk_reference_requests_employment_id_employment_records"),
        ),
        sa.ForeignKeyConstraint(
            ["providing_org"],
            ["organisations.ods_code"],
            name=op.f("fk_reference_requests_providing_org_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["requesting_org"],
            ["organisations.ods_code"],
            name=op.f("fk_reference_requests_requesting_org_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_requests")),
    )
    op.create_index("ix_reference_requests_providing_org_status", "reference_requests", ["providing_org", "status"])
    op.create_index("ix_reference_requests_requesting_org_status", "reference_requests", ["requesting_org", "status"])
    op.create_index(
        "uq_reference_requests_open",
        "reference_requests",
        ["requesting_org", "employment_id"],
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "board_member_references",
        sa.Column("id", sa.Uuid(), server_default=sa.text("uuidv7()"), nullable=False),
        sa.Column("director_id", sa.Uuid(), nullable=False),
        sa.Column("employment_id", sa.Uuid(), nullable=False),
        sa.Column("providing_org", sa.String(length=5), nullable=False),
        sa.Column("kind", _enum("reference_kind", "requested", "leaver"), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=True),
        sa.Column("role_title", sa.String(length=200), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("answers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("competence", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("signatory_name", sa.String(length=200), nullable=False),
        sa.Column("signatory_role", sa.String(length=200), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("correction_reason", sa.String(length=1000), nullable=True),
        *_timestamps(),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["director_id"], ["directors.id"], name=op.f("fk_board_member_references_director_id_directors")
        ),
        sa.ForeignKeyConstraint(
            ["employment_id"],
            ["employment_records.id"],
            name=op.f("fk_board_member_references_employment_id_employment_records"),
        ),
        sa.ForeignKeyConstraint(
            ["providing_org"],
            ["organisations.ods_code"],
            name=op.f("fk_board_member_references_providing_org_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_member_references")),
    )
    op.create_index(op.f("ix_board_member_references_director_id"), "board_member_references", ["director_id"])
    op.create_index("ix_board_member_references_employment_id", "board_member_references", ["employment_id"])


def downgrade() -> None:
    op.drop_index("ix_board_member_references_employment_id", table_name="board_member_references")
    op.drop_index(op.f("ix_board_member_references_director_id"), table_name="board_member_references")
    op.drop_table("board_member_references")
    op.drop_index("uq_reference_requests_open", table_name="reference_requests")
    op.drop_index("ix_reference_requests_requesting_org_status", table_name="reference_requests")
    op.drop_index("ix_reference_requests_providing_org_status", table_name="reference_requests")
    op.drop_table("reference_requests")
    op.drop_index("ix_candidate_checks_director_id_checking_org", table_name="candidate_checks")
    op.drop_table("candidate_checks")
