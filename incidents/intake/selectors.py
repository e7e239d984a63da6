"""Alert intake reads: token lookup, alert lists and details."""

import json
from typing import Any

import django_filters
from django.conf import settings
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from breachdesk.timeutils import iso
from incidents.filters import AwareDateTimeFilter, IdFilter
from incidents.intake.adapters import SEVERITIES
from incidents.intake.models import Alert, AlertPayload, AlertSource, AlertStatus, Integration
from incidents.intake.signatures import token_hash


def keep_payloads() -> int:
    """How many raw payloads an alert shows (older ones are counted, then dropped)."""
    return max(1, int(getattr(settings, "BREACHDESK_INTAKE_KEEP_PAYLOADS", 20)))


def integration_by_token(token: str) -> Integration | None:
    """The active or inactive integration holding `token` (looked up by its hash)."""
    if not token or len(token) > 200:
        return None
    return Integration.objects.filter(token_hash=token_hash(token)).first()


class AlertFilter(django_filters.FilterSet):
    source = django_filters.ChoiceFilter(choices=AlertSource.choices)
    status = django_filters.ChoiceFilter(choices=AlertStatus.choices)
    severity = django_filters.ChoiceFilter(choices=[(s, s) for s in SEVERITIES])
    integration = IdFilter(field_name="integration_id")
    incident = IdFilter(field_name="incident_id")
    attached = django_filters.BooleanFilter(
        field_name="incident", lookup_expr="isnull", exclude=True
    )
    dedup_key = django_filters.CharFilter()
    seen_after = AwareDateTimeFilter(field_name="last_seen_at", lookup_expr="gte")
    seen_before = AwareDateTimeFilter(field_name="last_seen_at", lookup_expr="lt")
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains")

    class Meta:
        model = Alert
        fields = [
            "source",
            "status",
            "severity",
            "integration",
            "incident",
            "attached",
            "dedup_key",
            "seen_after",
            "seen_before",
            "q",
        ]


def alert_list() -> QuerySet[Alert]:
    # The list never loads the raw payloads (they can be large), only how many are kept.
    kept = (
        AlertPayload.objects.filter(alert=OuterRef("pk"))
        .values("alert")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        Alert.objects.select_related("integration", "incident")
        .defer("description")
        .annotate(payloads_stored=Coalesce(Subquery(kept), 0))
        .order_by("-last_seen_at", "-id")
    )


def alert_payloads(alert: Alert) -> list[dict[str, Any]]:
    """The alert's most recent raw payloads (at most BREACHDESK_INTAKE_KEEP_PAYLOADS), oldest
    first, as {seq, received_at, payload}."""
    rows = list(AlertPayload.objects.filter(alert=alert).order_by("-seq")[: keep_payloads()])
    return [
        {"seq": row.seq, "received_at": iso(row.received_at), "payload": json.loads(row.body)}
        for row in reversed(rows)
    ]


def alert_payload_raw(alert_id: int, seq: int) -> str | None:
    """The stored text of one kept payload (None if unknown or pruned)."""
    return (
        AlertPayload.objects.filter(alert_id=alert_id, seq=seq)
        .values_list("body", flat=True)
        .first()
    )


def alert_get(alert_id: int) -> Alert | None:
    """The alert with `payloads` (see alert_payloads) and `payloads_pruned`: how many of its
    occurrences' payloads are no longer shown."""
    alert = Alert.objects.select_related("integration", "incident").filter(pk=alert_id).first()
    if alert is not None:
        alert.payloads = alert_payloads(alert)
        alert.payloads_pruned = alert.occurrences - len(alert.payloads)
    return alert
