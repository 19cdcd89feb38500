"""Every table model, imported in one place for Alembic and the drift test."""

from register.appraisals.models import Appraisal
from register.assessments.models import Assessment
from register.attestations.models import Attestation
from register.audit.models import AuditEvent
from register.base import metadata
from register.checks.models import FpptCheck
from register.directors.models import Director, ProfessionalRegistration
from register.employment.models import EmploymentRecord, GapExplanation
from register.events.models import OutboundEvent
from register.findings.models import Finding
from register.organisations.models import Organisation
from register.qualifications.models import Qualification
from register.returns.models import AnnualReturn
from register.statements.models import Statement
from register.versions.models import RecordVersion

__all__ = [
    "AnnualReturn",
    "Appraisal",
    "Assessment",
    "Attestation",
    "AuditEvent",
    "Director",
    "EmploymentRecord",
    "Finding",
    "FpptCheck",
    "GapExplanation",
    "Organisation",
    "OutboundEvent",
    "ProfessionalRegistration",
    "Qualification",
    "RecordVersion",
    "Statement",
    "metadata",
]
