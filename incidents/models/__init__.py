from .assessment import Assessment
from .audit import AuditEntry, AuditHead
from .authority import Authority
from .incident import Incident, IncidentEvent, ReferenceCounter
from .obligation import Obligation, RuleVersion
from .organization import Organization

__all__ = [
    "Assessment",
    "AuditEntry",
    "AuditHead",
    "Authority",
    "Incident",
    "IncidentEvent",
    "Obligation",
    "Organization",
    "ReferenceCounter",
    "RuleVersion",
]
