"""Reads: querysets for the API, the admin, exports and sweeps."""

from collections.abc import Iterator
from datetime import datetime, timedelta

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from incidents.models import Assessment, Incident, IncidentEvent, Obligation
from incidents.models.obligation import ObligationStatus
from incidents.services.assessments import facts_hash, incident_facts


def incident_list() -> QuerySet[Incident]:
    current = Assessment.objects.order_by("-version")
    return Incident.objects.select_related("reporter", "assignee").prefetch_related(
        Prefetch("assessments", queryset=current, to_attr="assessments_newest_first")
    )


def incident_get(incident_id: int) -> Incident:
    return incident_list().get(pk=incident_id)


def incident_current_assessment(incident: Incident) -> Assessment | None:
    cached = getattr(incident, "assessments_newest_first", None)
    if cached is not None:
        return cached[0] if cached else None
    return incident.assessments.order_by("-version").first()


def incident_assessment_stale(incident: Incident) -> bool | None:
    """True when facts changed after the current assessment; None when never assessed."""
    current = incident_current_assessment(incident)
    if current is None:
        return None
    return current.facts_hash != facts_hash(incident_facts(incident))


def incident_timeline(incident: Incident) -> QuerySet[IncidentEvent]:
    return incident.events.select_related("actor").order_by("occurred_at", "id")


def obligations_of(incident: Incident) -> QuerySet[Obligation]:
    return incident.obligations.select_related("rule").order_by("due_at", "soft_due_at", "id")


def obligations_upcoming(*, now: datetime, hours: int) -> QuerySet[Obligation]:
    """Everything due (hard deadline or internal target) within `hours`, overdue first."""
    horizon = now + timedelta(hours=hours)
    return (
        Obligation.objects.filter(
            status=ObligationStatus.PENDING, incident__archived_at__isnull=True
        )
        .filter(Q(due_at__lte=horizon) | Q(due_at__isnull=True, soft_due_at__lte=horizon))
        .select_related("incident", "rule")
        .order_by(Coalesce("due_at", "soft_due_at"), "id")
    )


def register_rows() -> Iterator[Incident]:
    """Every incident (dismissed and not notified included), streamed with flat memory."""
    latest = Assessment.objects.filter(incident=OuterRef("pk")).order_by("-version")
    authority = Obligation.objects.filter(
        incident=OuterRef("pk"),
        audience="supervisory_authority",
        status__in=[ObligationStatus.MET, ObligationStatus.LATE],
    ).order_by("met_at")
    return (
        Incident.objects.order_by("id")
        .annotate(
            risk_level=Subquery(latest.values("risk_level")[:1]),
            assessment_version=Subquery(latest.values("version")[:1]),
            communicate_subjects=Subquery(latest.values("communicate_subjects")[:1]),
            authority_notified_at=Subquery(authority.values("met_at")[:1]),
            authority_late=Subquery(authority.values("late")[:1]),
            authority_delay_reason=Subquery(authority.values("delay_reason")[:1]),
        )
        .iterator(chunk_size=2000)
    )
