"""The FPPT cycle: checks, attestations, assessments, appraisals, annual returns.

Revision ID: 0003_fppt_cycle
Revises: 0002_directors_file

Written by hand. Besides the tables, three triggers keep what the FPPT framework treats as signed records
unchangeable even by a faulty code path: attestations, signed-off assessments and submitted annual returns.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003_fppt_cycle"
down_revision: str | None = "0002_directors_file"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECK_TYPES = (
    "employment_history",
    "references",
    "qualifications",
    "professional_registration",
    "training",
    "appraisal",
    "disciplinary_findings",
    "medical_clearance",
    "dbs",
    "insolvency_bankruptcy",
    "disqualified_directors",
    "charity_removed_trustees",
    "regulator_enquiries",
    "social_media",
    "employment_tribunal",
    "settlement_agreements",
    "right_to_work",
    "self_attestation",
)
LCF_DOMAINS = (
    "high_quality_outcomes",
    "strategy_and_transformation",
    "equality_and_inclusion",
    "governance_and_assurance",
    "compassionate_culture",
    "partners_and_communities",
)
LCF_RATINGS = ("not_met", "partially_met", "met", "exceeded")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=40)


def _uuid_pk() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("id", sa.Uuid(), server_default=sa.text("uuidv7()"), nullable=False)


def _timestamps() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    ]


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    ref_table = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{ref_table}"))


def upgrade() -> None:
    op.create_table(
        "fppt_checks",
        _uuid_pk(),
        sa.Column("director_id", sa.Uuid(), nullable=False),
        sa.Column("ods_code", sa.String(length=5), nullable=True),
        sa.Column("check_type", _enum("check_type", *CHECK_TYPES), nullable=False),
        sa.Column("result", _enum("check_result", "clear", "concern", "not_applicable", "not_done"), nullable=False),
        sa.Column("performed_on", sa.Date(), nullable=True),
        sa.Column("performed_by", sa.String(length=200), nullable=True),
        sa.Column("evidence_reference", sa.String(length=200), nullable=True),
        sa.Column("notes", sa.String(length=2000), nullable=True),
        sa.Column("next_due", sa.Date(), nullable=True),
        sa.Column("mitigation", sa.String(length=2000), nullable=True),
        sa.Column("mitigated_on", sa.Date(), nullable=True),
        sa.Column("mitigated_by", sa.String(length=200), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "check_type NOT IN ('dbs', 'medical_clearance') "
            "OR (evidence_reference IS NULL AND notes IS NULL AND mitigation IS NULL)",
            name=op.f("ck_fppt_checks_outcome_only_for_dbs_and_medical"),
        ),
        sa.CheckConstraint(
            "result = 'not_done' OR performed_on IS NOT NULL", name=op.f("ck_fppt_checks_performed_on_when_done")
        ),
        sa.CheckConstraint(
            "mitigated_on IS NULL OR result = 'concern'", name=op.f("ck_fppt_checks_mitigation_only_for_concerns")
        ),
        _fk("fppt_checks", "director_id", "directors.id"),
        _fk("fppt_checks", "ods_code", "organisations.ods_code"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fppt_checks")),
    )
    op.create_index("ix_fppt_checks_director_id_check_type", "fppt_checks", ["director_id", "check_type"])

    op.create_table(
        "attestations",
        _uuid_pk(),
        sa.Column("director_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("answers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("any_yes", sa.Boolean(), nullable=False),
        sa.Column("no_change_since_last_year", sa.Boolean(), nullable=False),
        sa.Column("supersedes_id", sa.Uuid(), nullable=True),
        sa.Column("signed_by", sa.String(length=200), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        _fk("attestations", "director_id", "directors.id"),
        _fk("attestations", "supersedes_id", "attestations.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attestations")),
        sa.UniqueConstraint("supersedes_id", name=op.f("uq_attestations_supersedes_id")),
    )
    op.create_index("ix_attestations_director_id_year", "attestations", ["director_id", "year"])

    op.create_table(
        "fppt_assessments",
        _uuid_pk(),
        sa.Column("director_id", sa.Uuid(), nullable=False),
        sa.Column("ods_code", sa.String(length=5), nullable=False),
        sa.Column("kind", _enum("assessment_kind", "appointment", "annual", "triggered"), nullable=False),
        sa.Column(
            "status",
            _enum("assessment_status", "draft", "awaiting_sign_off", "signed_off"),
            server_default="draft",
            nullable=False,
        ),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("trigger_reason", sa.String(length=2000), nullable=True),
        sa.Column("summary", sa.String(length=4000), nullable=True),
        sa.Column("mitigations", sa.String(length=4000), nullable=True),
        sa.Column("corrects_id", sa.Uuid(), nullable=True),
        sa.Column(
            "relied_on_check_ids",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "outcome",
            _enum("assessment_outcome", "fit_and_proper", "not_fit_and_proper", "pending_investigation"),
            nullable=True,
        ),
        sa.Column("outcome_reason", sa.String(length=4000), nullable=True),
        sa.Column("prepared_by", sa.String(length=200), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_by", sa.String(length=200), nullable=True),
        sa.Column("signed_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_off_by", sa.String(length=200), nullable=True),
        sa.Column("signed_off_by_director_id", sa.Uuid(), nullable=True),
        sa.Column("signed_off_as", _enum("signer_office", "chair", "senior_independent_director"), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "(status = 'signed_off') = (outcome IS NOT NULL AND signed_off_at IS NOT NULL)",
            name=op.f("ck_fppt_assessments_outcome_at_sign_off"),
        ),
        sa.CheckConstraint(
            "outcome IS DISTINCT FROM 'not_fit_and_proper' OR outcome_reason IS NOT NULL",
            name=op.f("ck_fppt_assessments_reason_when_not_fit"),
        ),
        sa.CheckConstraint(
            "corrects_id IS NULL OR kind = 'triggered'", name=op.f("ck_fppt_assessments_corrections_are_triggered")
        ),
        sa.CheckConstraint(
            "signed_off_by_director_id IS NULL OR signed_off_by_director_id <> director_id",
            name=op.f("ck_fppt_assessments_nobody_signs_own"),
        ),
        _fk("fppt_assessments", "director_id", "directors.id"),
        _fk("fppt_assessments", "ods_code", "organisations.ods_code"),
        _fk("fppt_assessments", "corrects_id", "fppt_assessments.id"),
        _fk("fppt_assessments", "signed_off_by_director_id", "directors.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fppt_assessments")),
    )
    op.create_index("ix_fppt_assessments_director_id_year", "fppt_assessments", ["director_id", "year"])
    op.create_index("ix_fppt_assessments_ods_code_year", "fppt_assessments", ["ods_code", "year"])
    op.create_index(
        "uq_fppt_assessments_annual",
        "fppt_assessments",
        ["director_id", "ods_code", "year"],
        unique=True,
        postgresql_where=sa.text("kind = 'annual'"),
    )

    op.create_table(
        "lcf_appraisals",
        _uuid_pk(),
        sa.Column("director_id", sa.Uuid(), nullable=False),
        sa.Column("ods_code", sa.String(length=5), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("appraiser_name", sa.String(length=200), nullable=False),
        sa.Column("appraiser_role", sa.String(length=200), nullable=True),
        *[sa.Column(f"rating_{d}", _enum(f"rating_{d}", *LCF_RATINGS), nullable=False) for d in LCF_DOMAINS],
        sa.Column(
            "objectives",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("multi_source_feedback", sa.Boolean(), nullable=False),
        sa.Column("submitted_to_nhse_on", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        *_timestamps(),
        sa.CheckConstraint("jsonb_array_length(objectives) >= 1", name=op.f("ck_lcf_appraisals_has_objectives")),
        _fk("lcf_appraisals", "director_id", "directors.id"),
        _fk("lcf_appraisals", "ods_code", "organisations.ods_code"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lcf_appraisals")),
        sa.UniqueConstraint(
            "director_id", "ods_code", "year", name=op.f("uq_lcf_appraisals_director_id_ods_code_year")
        ),
    )

    op.create_table(
        "annual_returns",
        _uuid_pk(),
        sa.Column("ods_code", sa.String(length=5), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("declaration", sa.String(length=4000), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("submitted_by_director_id", sa.Uuid(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("contents", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("signed_off", sa.Integer(), nullable=False),
        sa.Column("fit_and_proper", sa.Integer(), nullable=False),
        sa.Column("not_fit_and_proper", sa.Integer(), nullable=False),
        sa.Column("pending_investigation", sa.Integer(), nullable=False),
        _fk("annual_returns", "ods_code", "organisations.ods_code"),
        _fk("annual_returns", "submitted_by_director_id", "directors.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annual_returns")),
        sa.UniqueConstraint("ods_code", "year", "version", name=op.f("uq_annual_returns_ods_code_year_version")),
    )

    # Signed records cannot be changed, whatever the code path (SQLSTATE 23001 is an integrity error → 409).
    op.execute(
        """
        CREATE FUNCTION fppt_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% % is signed and cannot be changed', TG_TABLE_NAME, OLD.id
                USING ERRCODE = 'restrict_violation';
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER attestations_immutable BEFORE UPDATE ON attestations "
        "FOR EACH ROW EXECUTE FUNCTION fppt_refuse_change()"
    )
    op.execute(
        "CREATE TRIGGER annual_returns_immutable BEFORE UPDATE ON annual_returns "
        "FOR EACH ROW EXECUTE FUNCTION fppt_refuse_change()"
    )
    op.execute(
        "CREATE TRIGGER fppt_assessments_signed_immutable BEFORE UPDATE ON fppt_assessments "
        "FOR EACH ROW WHEN (OLD.status = 'signed_off') EXECUTE FUNCTION fppt_refuse_change()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER fppt_assessments_signed_immutable ON fppt_assessments")
    op.execute("DROP TRIGGER annual_returns_immutable ON annual_returns")
    op.execute("DROP TRIGGER attestations_immutable ON attestations")
    op.execute("DROP FUNCTION fppt_refuse_change()")
    op.drop_table("annual_returns")
    op.drop_table("lcf_appraisals")
    op.drop_index(
        "uq_fppt_assessments_annual", table_name="fppt_assessments", postgresql_where=sa.text("kind = 'annual'")
    )
    op.drop_index("ix_fppt_assessments_ods_code_year", table_name="fppt_assessments")
    op.drop_index("ix_fppt_assessments_director_id_year", table_name="fppt_assessments")
    op.drop_table("fppt_assessments")
    op.drop_index("ix_attestations_director_id_year", table_name="attestations")
    op.drop_table("attestations")
    op.drop_index("ix_fppt_checks_director_id_check_type", table_name="fppt_checks")
    op.drop_table("fppt_checks")
