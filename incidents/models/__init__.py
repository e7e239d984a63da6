from .assessment import Assessment
from .audit import AuditEntry, AuditHead
from .authority import Authority
from .incident import Incident, IncidentEvent, ReferenceCounter
from .obligation import Obligation, RuleVersion
from .organization import Organization
from .party import Party
from .targets import InternalTarget

__all__ = [
    "Assessment",
    "AuditEntry",
    "AuditHead",
    "Authority",
    "Incident",
    "IncidentEvent",
    "InternalTarget",
    "Obligation",
    "Organization",
    "Party",
    "ReferenceCounter",
    "RuleVersion",
]
