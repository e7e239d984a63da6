"""Row locks, always taken in one order: the incident first, then its obligations.

Services that change an incident or its obligations lock through here (SELECT … FOR UPDATE),
so two writers of one incident queue instead of interleaving.
"""

from breachdesk.errors import DomainError, ErrorCode
from incidents.models import Incident, Obligation


def incident_lock(incident_id: int) -> Incident:
    try:
        return Incident.objects.select_for_update().get(pk=incident_id)
    except Incident.DoesNotExist as exc:
        raise DomainError("Incident not found.", code=ErrorCode.NOT_FOUND, status=404) from exc


def obligation_lock(obligation_id: int) -> tuple[Incident, Obligation]:
    row = Obligation.objects.filter(pk=obligation_id).values("incident_id").first()
    if row is None:
        raise DomainError("Obligation not found.", code=ErrorCode.NOT_FOUND, status=404)
    incident = incident_lock(row["incident_id"])  # lock order: incident, then obligation
    return incident, Obligation.objects.select_for_update().get(pk=obligation_id)
