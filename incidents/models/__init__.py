from .assessment import Assessment
from .audit import AuditEntry, AuditHead
from .incident import Incident, IncidentEvent, ReferenceCounter
from .obligation import Obligation, RuleVersion
from .organization import Organization

__all__ = [
    "Assessment",
    "AuditEntry",
    "AuditHead",
    "Incident",
    "IncidentEvent",
    "Obligation",
    "Organization",
    "ReferenceCounter",
    "RuleVersion",
]
