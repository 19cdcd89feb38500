"""A small register for export tests: directors at two trusts with awkward text in every kind of record."""

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.appraisals.models import Appraisal, LcfRating
from register.assessments.models import Assessment, AssessmentKind, AssessmentOutcome, AssessmentStatus
from register.checks.models import CheckResult, CheckType, FpptCheck
from register.employment.models import EmploymentKind, EmploymentRecord
from register.findings.models import Finding, FindingStatus, FindingType
from register.qualifications.models import Qualification
from register.references.models import BoardMemberReference, ReferenceKind
from tests.conftest import Orgs

# Quotes, commas, backslashes (also before a quote and at the end), newlines, tabs, CRLF and non-ASCII.
AWKWARD = 'Zoë "Z" O\'Brien, \\ back\\"slash\\\nnew line\ttab\r\nend ✓ 🩺 \\'
AWKWARD_NAME = 'Zoë "Z" O\'Brien-Ñúñez \\ back'


@dataclass
class World:
    rj1: dict[str, Any]  # director with an appointment at RJ1 (awkward name)
    rj1_other: dict[str, Any]  # a second RJ1 director
    rrv: dict[str, Any]  # director at RRV
    dbs_check: uuid.UUID
    rj1_draft: uuid.UUID  # draft assessment prepared by RJ1
    rrv_draft: uuid.UUID  # draft assessment prepared by RRV about the RJ1 director
    signed: uuid.UUID
    withdrawn_finding: uuid.UUID


@pytest.fixture
async def world(create_director: Callable[..., Any], db: AsyncSession, orgs: Orgs) -> World:
    rj1 = await create_director(given_name=AWKWARD_NAME, former_names=[{"given_name": "Zoë", "family_name": 'Ñ\\"'}])
    rj1_other = await create_director()
    rrv = await create_director(org="RRV")
    a = uuid.UUID(rj1["id"])
    today = dt.date.today()
    db.add(
        EmploymentRecord(
            director_id=a,
            kind=EmploymentKind.ROLE,
            employer_name='Acme, "Health" Ltd',
            role_title="Director of ✓",
            start_date=dt.date(2015, 1, 1),
            end_date=dt.date(2019, 12, 31),
            reason_for_leaving=AWKWARD,
        )
    )
    db.add(
        Qualification(
            director_id=a, title=AWKWARD, awarding_body="Open University", evidence_reference="HR/Q/1", verified=True
        )
    )
    dbs = FpptCheck(
        director_id=a,
        ods_code="RJ1",
        check_type=CheckType.DBS,
        result=CheckResult.CLEAR,
        performed_on=today,
        performed_by="DBS team",
        next_due=today + dt.timedelta(days=365),
        recorded_by="hr-rj1",
    )
    social = FpptCheck(
        director_id=a,
        ods_code="RJ1",
        check_type=CheckType.SOCIAL_MEDIA,
        result=CheckResult.CONCERN,
        performed_on=today,
        performed_by="Company Secretary",
        evidence_reference="FPPT/social/1",
        notes=AWKWARD,
        recorded_by="hr-rj1",
    )
    rj1_draft = Assessment(
        director_id=a, ods_code="RJ1", kind=AssessmentKind.TRIGGERED, year=2026, summary=AWKWARD, prepared_by="hr-rj1"
    )
    rrv_draft = Assessment(
        director_id=a, ods_code="RRV", kind=AssessmentKind.TRIGGERED, year=2026, summary="RRV draft", prepared_by="x"
    )
    signed = Assessment(
        director_id=a,
        ods_code="RJ1",
        kind=AssessmentKind.ANNUAL,
        year=2025,
        status=AssessmentStatus.SIGNED_OFF,
        outcome=AssessmentOutcome.FIT_AND_PROPER,
        signed_off_at=dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC),
        signed_off_by="chair",
        prepared_by="hr-rj1",
    )
    finding = Finding(
        director_id=a,
        finding_type=FindingType.DISCIPLINARY,
        status=FindingStatus.UPHELD,
        recorded_by_role="trust_hr",
        recording_org="RJ1",
        summary=AWKWARD,
        reported_on=dt.date(2020, 1, 1),
        decided_on=dt.date(2020, 3, 1),
    )
    withdrawn = Finding(
        director_id=a,
        finding_type=FindingType.GRIEVANCE_UPHELD,
        status=FindingStatus.REPORTED,
        recorded_by_role="trust_hr",
        recording_org="RJ1",
        summary="recorded in error",
        reported_on=dt.date(2021, 1, 1),
        withdrawn_at=dt.datetime(2021, 2, 1, tzinfo=dt.UTC),
        withdrawn_reason="wrong person",
    )
    appraisal = Appraisal(
        director_id=a,
        ods_code="RJ1",
        year=2025,
        appraiser_name="Chair",
        rating_high_quality_outcomes=LcfRating.MET,
        rating_strategy_and_transformation=LcfRating.MET,
        rating_equality_and_inclusion=LcfRating.MET,
        rating_governance_and_assurance=LcfRating.EXCEEDED,
        rating_compassionate_culture=LcfRating.MET,
        rating_partners_and_communities=LcfRating.PARTIALLY_MET,
        objectives=[{"description": AWKWARD, "domain": None, "equality_diversity_inclusion": True}],
        multi_source_feedback=True,
        recorded_by="hr-rj1",
    )
    db.add_all([dbs, social, rj1_draft, rrv_draft, signed, finding, withdrawn, appraisal])
    await db.flush()
    employment_id = (
        await db.execute(
            sa.select(col(EmploymentRecord.id)).where(
                col(EmploymentRecord.director_id) == a, col(EmploymentRecord.kind) == EmploymentKind.ROLE
            )
        )
    ).scalar_one()
    assert employment_id is not None
    db.add(
        BoardMemberReference(
            director_id=a,
            employment_id=employment_id,
            providing_org="RRV",
            kind=ReferenceKind.LEAVER,
            role_title="Director",
            start_date=dt.date(2015, 1, 1),
            end_date=dt.date(2019, 12, 31),
            answers={"settlement_agreements": {"answer": True, "detail": "SECRET-ANSWER"}},
            competence={"high_quality_outcomes": {"rating": "met", "comment": "SECRET-COMMENT"}},
            signatory_name="Signer",
            signatory_role="HR director",
            signed_on=dt.date(2020, 1, 10),
        )
    )
    await db.commit()
    assert dbs.id and rj1_draft.id and rrv_draft.id and signed.id and withdrawn.id
    return World(rj1, rj1_other, rrv, dbs.id, rj1_draft.id, rrv_draft.id, signed.id, withdrawn.id)
