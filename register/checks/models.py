import datetime as dt
import uuid
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from register.base import created_at, enum_column, updated_at, uuid_pk, version_column


class CheckType(StrEnum):
    """The FPPT checks of NHS England's framework for board members (DESIGN.md §2).

    `appraisal` is the appraisal check: the trust's confirmation that the board member's annual appraisal took
    place. It is not the LCF appraisal (competency appraisal record) itself, which is recorded at
    `/v1/directors/{id}/appraisals` and which the annual return looks for.
    """

    EMPLOYMENT_HISTORY = "employment_history"
    REFERENCES = "references"
    QUALIFICATIONS = "qualifications"
    PROFESSIONAL_REGISTRATION = "professional_registration"
    TRAINING = "training"
    APPRAISAL = "appraisal"
    DISCIPLINARY_FINDINGS = "disciplinary_findings"
    MEDICAL_CLEARANCE = "medical_clearance"
    DBS = "dbs"
    INSOLVENCY_BANKRUPTCY = "insolvency_bankruptcy"
    DISQUALIFIED_DIRECTORS = "disqualified_directors"
    CHARITY_REMOVED_TRUSTEES = "charity_removed_trustees"
    REGULATOR_ENQUIRIES = "regulator_enquiries"
    SOCIAL_MEDIA = "social_media"
    EMPLOYMENT_TRIBUNAL = "employment_tribunal"
    SETTLEMENT_AGREEMENTS = "settlement_agreements"
    RIGHT_TO_WORK = "right_to_work"
    SELF_ATTESTATION = "self_attestation"


# DBS results are criminal-offence data (UK GDPR Art. 10) and medical clearance is health data (Art. 9):
# the register keeps their outcome and date only, never notes, evidence pointers or mitigation text.
OUTCOME_ONLY_TYPES = frozenset({CheckType.DBS, CheckType.MEDICAL_CLEARANCE})

# Checks repeated every year (FPPT framework, annual submission). Professional registration and DBS may be
# "not applicable" for a director, which satisfies the requirement.
ANNUAL_REQUIRED = (
    CheckType.SELF_ATTESTATION,
    CheckType.PROFESSIONAL_REGISTRATION,
    CheckType.TRAINING,
    CheckType.APPRAISAL,
    CheckType.DISCIPLINARY_FINDINGS,
    CheckType.INSOLVENCY_BANKRUPTCY,
    CheckType.DISQUALIFIED_DIRECTORS,
    CheckType.CHARITY_REMOVED_TRUSTEES,
    CheckType.SOCIAL_MEDIA,
    CheckType.EMPLOYMENT_TRIBUNAL,
)
# Every check is done before appointment ("not applicable" is a result, not an omission).
APPOINTMENT_REQUIRED = tuple(CheckType)


class CheckResult(StrEnum):
    """What the check found."""

    CLEAR = "clear"
    CONCERN = "concern"
    NOT_APPLICABLE = "not_applicable"
    NOT_DONE = "not_done"


class FpptCheck(SQLModel, table=True):
    """One result of one FPPT check on one director; the newest result of a type is the current one."""

    __tablename__ = "fppt_checks"
    __table_args__ = (
        sa.CheckConstraint(
            "check_type NOT IN ('dbs', 'medical_clearance') "
            "OR (evidence_reference IS NULL AND notes IS NULL AND mitigation IS NULL)",
            name="outcome_only_for_dbs_and_medical",
        ),
        sa.CheckConstraint("result = 'not_done' OR performed_on IS NOT NULL", name="performed_on_when_done"),
        sa.CheckConstraint("mitigated_on IS NULL OR result = 'concern'", name="mitigation_only_for_concerns"),
        sa.Index("ix_fppt_checks_director_id_check_type", "director_id", "check_type"),
    )

    id: uuid.UUID | None = Field(default=None, sa_column=uuid_pk())
    director_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("directors.id"), nullable=False))
    # The organisation whose HR recorded it; none for the check written by the director's own attestation.
    ods_code: str | None = Field(
        default=None, sa_column=sa.Column(sa.String(5), sa.ForeignKey("organisations.ods_code"), nullable=True)
    )
    check_type: CheckType = Field(sa_column=enum_column(CheckType, "check_type"))
    result: CheckResult = Field(sa_column=enum_column(CheckResult, "check_result"))
    performed_on: dt.date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    performed_by: str | None = Field(default=None, sa_column=sa.Column(sa.String(200), nullable=True))
    evidence_reference: str | None = Field(default=None, sa_column=sa.Column(sa.String(200), nullable=True))
    notes: str | None = Field(default=None, sa_column=sa.Column(sa.String(2000), nullable=True))
    next_due: dt.date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    mitigation: str | None = Field(default=None, sa_column=sa.Column(sa.String(2000), nullable=True))
    mitigated_on: dt.date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    mitigated_by: str | None = Field(default=None, sa_column=sa.Column(sa.String(200), nullable=True))
    recorded_by: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    version: int = Field(default=1, sa_column=version_column())
    created_at: dt.datetime | None = Field(default=None, sa_column=created_at())
    updated_at: dt.datetime | None = Field(default=None, sa_column=updated_at())
