"""Every table model, imported in one place for Alembic and the drift test."""

from register.audit.models import AuditEvent
from register.base import metadata
from register.directors.models import Director, ProfessionalRegistration
from register.employment.models import EmploymentRecord, GapExplanation
from register.events.models import OutboundEvent
from register.findings.models import Finding
from register.organisations.models import Organisation
from register.qualifications.models import Qualification
from register.statements.models import Statement
from register.versions.models import RecordVersion

__all__ = [
    "AuditEvent",
    "Director",
    "EmploymentRecord",
    "Finding",
    "GapExplanation",
    "Organisation",
    "OutboundEvent",
    "ProfessionalRegistration",
    "Qualification",
    "RecordVersion",
    "Statement",
    "metadata",
]
