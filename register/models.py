"""Every table model, imported in one place for Alembic and the drift test."""

from register.appraisals.models import Appraisal
from register.assessments.models import Assessment
from register.attestations.models import Attestation
from register.audit.models import AuditChainLink, AuditEvent
from register.base import metadata
from register.candidates.models import CandidateCheck
from register.checks.models import FpptCheck
from register.directors.models import Director, ProfessionalRegistration
from register.employment.models import EmploymentRecord, GapExplanation
from register.events.models import OutboundEvent
from register.findings.models import Finding
from register.idempotency.models import IdempotencyRecord
from register.monitoring.models import Subscription, WebhookDelivery, WorkerCursor
from register.organisations.models import Organisation
from register.qualifications.models import Qualification
from register.references.models import BoardMemberReference, ReferenceRequest
from register.retention.models import ErasureTombstone, RetentionRun
from register.returns.models import AnnualReturn
from register.search.models import DirectorName, NameTokenVariant
from register.statements.models import Statement
from register.versions.models import RecordVersion

__all__ = [
    "AnnualReturn",
    "Appraisal",
    "Assessment",
    "Attestation",
    "AuditChainLink",
    "AuditEvent",
    "BoardMemberReference",
    "CandidateCheck",
    "Director",
    "DirectorName",
    "EmploymentRecord",
    "ErasureTombstone",
    "Finding",
    "FpptCheck",
    "GapExplanation",
    "IdempotencyRecord",
    "NameTokenVariant",
    "Organisation",
    "OutboundEvent",
    "ProfessionalRegistration",
    "Qualification",
    "RecordVersion",
    "ReferenceRequest",
    "RetentionRun",
    "Statement",
    "Subscription",
    "WebhookDelivery",
    "WorkerCursor",
    "metadata",
]
