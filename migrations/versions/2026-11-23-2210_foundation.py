"""Foundation: organisations, directors, registrations, employment, record versions, audit events.

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-23 22:10:58.154264
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_foundation"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor_sub", sa.String(length=200), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("actor_org", sa.String(length=5), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("record_type", sa.String(length=40), nullable=True),
        sa.Column("record_id", sa.String(length=64), nullable=True),
        sa.Column("director_id", sa.Uuid(), nullable=True),
        sa.Column("purpose", sa.String(length=200), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column(
            "detail",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_events_actor_sub_occurred_at", "audit_events", ["actor_sub", "occurred_at"], unique=False)
    op.create_index(
        "ix_audit_events_director_id_occurred_at",
        "audit_events",
        ["director_id", "occurred_at"],
        unique=False,
    )
    op.create_table(
        "directors",
        sa.Column("id", sa.Uuid(), server_default=sa.text("uuidv7()"), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column(
            "former_names",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directors")),
    )
    op.create_index(op.f("ix_directors_date_of_birth"), "directors", ["date_of_birth"], unique=False)
    op.create_table(
        "organisations",
        sa.Column("ods_code", sa.String(length=5), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "nhs_trust",
                "foundation_trust",
                "icb",
                "national_body",
                "other",
                name="organisation_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "region",
            sa.Enum(
                "east_of_england",
                "london",
                "midlands",
                "north_east_and_yorkshire",
                "north_west",
                "south_east",
                "south_west",
                name="region",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("ods_code", name=op.f("pk_organisations")),
    )
    op.create_table(
        "record_versions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("record_type", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("director_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(length=20), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_versions")),
        sa.UniqueConstraint(
            "record_type",
            "record_id",
            "version",
            name=op.f("uq_record_versions_record_type_record_id_version"),
        ),
    )
    op.create_index(
        "ix_record_versions_director_id_changed_at",
        "record_versions",
        ["director_id", "changed_at"],
        unique=False,
    )
    op.create_table(
        "employment_records",
        sa.Column("id", sa.Uuid(), server_default=sa.text("uuidv7()"), nullable=False),
        sa.Column("director_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "role",
                "board_appointment",
                name="employment_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("employer_name", sa.String(length=200), nullable=False),
        sa.Column("ods_code", sa.String(length=5), nullable=True),
        sa.Column("role_title", sa.String(length=200), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("reason_for_leaving", sa.String(length=500), nullable=True),
        sa.Column(
            "board_role",
            sa.Enum(
                "chair",
                "chief_executive",
                "executive_director",
                "non_voting_executive",
                "non_executive_director",
                "associate_non_executive_director",
                name="board_role",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("portfolio", sa.String(length=100), nullable=True),
        sa.Column(
            "appointment_type",
            sa.Enum(
                "permanent",
                "interim",
                "joint",
                "shared",
                "cover",
                name="appointment_type",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("senior_independent_director", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("deputy_chair", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("voting", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_reason", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "(kind = 'board_appointment') = (board_role IS NOT NULL AND appointment_type IS NOT NULL)",
            name=op.f("ck_employment_records_board_fields_on_board_appointments"),
        ),
        sa.CheckConstraint(
            "end_date IS NULL OR end_date >= start_date",
            name=op.f("ck_employment_records_end_not_before_start"),
        ),
        sa.ForeignKeyConstraint(
            ["director_id"], ["directors.id"], name=op.f("fk_employment_records_director_id_directors")
        ),
        sa.ForeignKeyConstraint(
            ["ods_code"],
            ["organisations.ods_code"],
            name=op.f("fk_employment_records_ods_code_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employment_records")),
    )
    op.create_index(op.f("ix_employment_records_director_id"), "employment_records", ["director_id"], unique=False)
    op.create_index(
        "ix_employment_records_ods_code_end_date",
        "employment_records",
        ["ods_code", "end_date"],
        unique=False,
    )
    op.create_table(
        "professional_registrations",
        sa.Column("id", sa.Uuid(), server_default=sa.text("uuidv7()"), nullable=False),
        sa.Column("director_id", sa.Uuid(), nullable=False),
        sa.Column(
            "body",
            sa.Enum(
                "GMC",
                "NMC",
                "HCPC",
                "GPhC",
                "GDC",
                "SWE",
                "other",
                name="registration_body",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("number", sa.String(length=30), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "registered",
                "with_conditions",
                "suspended",
                "erased",
                "lapsed",
                name="registration_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            server_default="registered",
            nullable=False,
        ),
        sa.Column("verified", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("verified_by", sa.String(length=200), nullable=True),
        sa.Column("verified_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["director_id"],
            ["directors.id"],
            name=op.f("fk_professional_registrations_director_id_directors"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_professional_registrations")),
    )
    op.create_index(
        op.f("ix_professional_registrations_director_id"),
        "professional_registrations",
        ["director_id"],
        unique=False,
    )
    op.create_index(
        "uq_professional_registrations_body_number",
        "professional_registrations",
        ["body", "number"],
        unique=True,
        postgresql_where=sa.text("withdrawn_at IS NULL"),
    )


def downgrade() -> None:

    op.drop_index(
        "uq_professional_registrations_body_number",
        table_name="professional_registrations",
        postgresql_where=sa.text("withdrawn_at IS NULL"),
    )
    op.drop_index(op.f("ix_professional_registrations_director_id"), table_name="professional_registrations")
    op.drop_table("professional_registrations")
    op.drop_index("ix_employment_records_ods_code_end_date", table_name="employment_records")
    op.drop_index(op.f("ix_employment_records_director_id"), table_name="employment_records")
    op.drop_table("employment_records")
    op.drop_index("ix_record_versions_director_id_changed_at", table_name="record_versions")
    op.drop_table("record_versions")
    op.drop_table("organisations")
    op.drop_index(op.f("ix_directors_date_of_birth"), table_name="directors")
    op.drop_table("directors")
    op.drop_index("ix_audit_events_director_id_occurred_at", table_name="audit_events")
    op.drop_index("ix_audit_events_actor_sub_occurred_at", table_name="audit_events")
    op.drop_table("audit_events")
