"""Reads: querysets for the API, the admin, exports and sweeps."""

from collections.abc import Iterator
from datetime import datetime, timedelta

from django.db.models import Count, Max, Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from incidents.facts import facts_hash, incident_facts
from incidents.models import (
    Assessment,
    Authority,
    Incident,
    IncidentEvent,
    Obligation,
    Organization,
)
from incidents.models.obligation import MET_STATUSES, ObligationStatus
from incidents.rules import authorities as authority_data
from incidents.rules.authorities import AuthorityEntry, Registry
from incidents.status import OPEN_STATUSES

# The monitoring alerts linked to an incident, reached through the reverse relation the
# intake app declares (incidents never imports the intake app, which builds on it).
ALERT_FIRING = "firing"


def incident_list() -> QuerySet[Incident]:
    current = Assessment.objects.order_by("-version")
    return (
        Incident.objects.select_related("reporter", "assignee")
        .prefetch_related(
            Prefetch("assessments", queryset=current, to_attr="assessments_newest_first"),
            "controllers",  # one query per page, not one per incident
        )
        .annotate(**_alert_summary(), **notified_facts())
    )


def notified_facts() -> dict:
    """The facts "authority notified" and "people notified", derived from the obligations:
    the first time a duty towards a supervisory authority (or the affected people) was met,
    as in the register export."""

    def first_met(audiences) -> Subquery:
        met = Obligation.objects.filter(
            incident=OuterRef("pk"), audience__in=audiences, status__in=MET_STATUSES
        ).order_by()
        return Subquery(met.values("incident").annotate(first=Min("met_at")).values("first"))

    return {
        "authority_notified_at": first_met(("supervisory_authority",)),
        "people_notified_at": first_met(("individuals",)),
    }


def _alert_summary() -> dict:
    """Per incident: how many monitoring alerts are linked to it, how many still fire, and when
    the last one was seen. Subqueries, evaluated for the rows returned only."""
    alerts = Incident._meta.get_field("alerts").related_model._default_manager
    linked = alerts.filter(incident=OuterRef("pk")).order_by().values("incident")
    return {
        "alert_count": Coalesce(Subquery(linked.annotate(n=Count("pk")).values("n")), 0),
        "alerts_firing": Coalesce(
            Subquery(linked.filter(status=ALERT_FIRING).annotate(n=Count("pk")).values("n")),
            0,
        ),
        "alerts_last_seen_at": Subquery(linked.annotate(last=Max("last_seen_at")).values("last")),
    }


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


def obligations_open_of(incident: Incident) -> QuerySet[Obligation]:
    """Duties still to be met (pending or awaiting their trigger), soonest first."""
    return obligations_of(incident).open()


def obligations_clock_running() -> QuerySet[Obligation]:
    """Pending duties of live incidents: not dismissed, closed or archived."""
    return Obligation.objects.filter(
        status=ObligationStatus.PENDING,
        incident__status__in=OPEN_STATUSES,
        incident__archived_at__isnull=True,
    )


def obligations_upcoming(*, now: datetime, hours: int) -> QuerySet[Obligation]:
    """Everything due (hard deadline or internal target) within `hours`, overdue first."""
    horizon = now + timedelta(hours=hours)
    return (
        obligations_clock_running()
        .filter(Q(due_at__lte=horizon) | Q(due_at__isnull=True, soft_due_at__lte=horizon))
        .select_related("incident", "rule", "party")
        .order_by(Coalesce("due_at", "soft_due_at"), "id")
    )


def register_rows(chunk_size: int = 2000) -> Iterator[Incident]:
    """Every incident (dismissed and not notified included), streamed with flat memory.

    Keyset pagination by id; each chunk costs three queries (incidents, their newest
    assessments, their authority notifications) whatever the register's size.
    """
    last_id = 0
    while True:
        chunk = list(Incident.objects.filter(pk__gt=last_id).order_by("pk")[:chunk_size])
        if not chunk:
            return
        ids = [incident.pk for incident in chunk]
        latest: dict[int, Assessment] = {}
        for assessment in (
            Assessment.objects.filter(incident_id__in=ids)
            .only("incident_id", "version", "risk_level", "communicate_subjects")
            .order_by("incident_id", "-version")
        ):
            latest.setdefault(assessment.incident_id, assessment)
        authority: dict[int, Obligation] = {}
        for obligation in (
            Obligation.objects.filter(
                incident_id__in=ids,
                audience="supervisory_authority",
                status__in=[ObligationStatus.MET, ObligationStatus.LATE],
            )
            .only("incident_id", "met_at", "late", "delay_reason")
            .order_by("met_at")
        ):
            authority.setdefault(obligation.incident_id, obligation)
        for incident in chunk:
            assessment = latest.get(incident.pk)
            filed = authority.get(incident.pk)
            incident.risk_level = assessment.risk_level if assessment else None
            incident.assessment_version = assessment.version if assessment else None
            incident.communicate_subjects = assessment.communicate_subjects if assessment else None
            incident.authority_notified_at = filed.met_at if filed else None
            incident.authority_late = filed.late if filed else None
            incident.authority_delay_reason = filed.delay_reason if filed else None
            yield incident
        last_id = ids[-1]


def authority_list() -> QuerySet[Authority]:
    """Registry entries in force (retired ones stay readable by code)."""
    return Authority.objects.active().order_by("code")


def authority_registry() -> Registry:
    """The registry as the pure resolver wants it: the database rows (admin edits included)
    plus the rule-level notes of the shipped file (choose_one, one_stop_shop, known_gaps)."""
    entries = tuple(
        AuthorityEntry(
            code=a.code,
            name=a.name,
            jurisdiction=a.jurisdiction,
            kind=a.kind,
            region=a.region,
            website=a.website,
            breach_report_url=a.breach_report_url or None,
            fallback_url=a.fallback_url or None,
            channels=tuple(a.channels),
            languages=tuple(a.languages),
            rule_ids=tuple(a.rule_ids),
            name_native=a.name_native or None,
        )
        for a in authority_list()
    )
    return Registry(entries=entries, **authority_data.rule_notes())


def organization_current() -> Organization | None:
    """The installation's organisation profile, None until one is created."""
    return Organization.objects.order_by("pk").first()


def obligations_due_counts(*, now: datetime, within_hours: tuple[int, ...] = (24, 72)) -> dict:
    """Pending obligations already past their deadline, and due within each horizon (metrics).

    A deadline is the hard `due_at`, or the internal target when there is no hard one.
    """
    pending = Obligation.objects.filter(status=ObligationStatus.PENDING)
    deadline = Q(due_at__isnull=False) & Q(due_at__lt=now)
    counts = {"overdue": pending.filter(deadline | Q(due_at__isnull=True, soft_due_at__lt=now))}
    for hours in within_hours:
        horizon = now + timedelta(hours=hours)
        counts[f"due_{hours}h"] = pending.filter(
            Q(due_at__gte=now, due_at__lte=horizon)
            | Q(due_at__isnull=True, soft_due_at__gte=now, soft_due_at__lte=horizon)
        )
    return {name: queryset.count() for name, queryset in counts.items()}
