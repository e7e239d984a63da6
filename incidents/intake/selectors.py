"""Alert intake reads: token lookup, alert lists and details."""

import django_filters
from django.db.models import QuerySet

from incidents.filters import AwareDateTimeFilter
from incidents.intake.adapters import SEVERITIES
from incidents.intake.models import Alert, AlertSource, AlertStatus, Integration
from incidents.intake.signatures import token_hash


def integration_by_token(token: str) -> Integration | None:
    """The active or inactive integration holding `token` (looked up by its hash)."""
    if not token or len(token) > 200:
        return None
    return Integration.objects.filter(token_hash=token_hash(token)).first()


class AlertFilter(django_filters.FilterSet):
    source = django_filters.ChoiceFilter(choices=AlertSource.choices)
    status = django_filters.ChoiceFilter(choices=AlertStatus.choices)
    severity = django_filters.ChoiceFilter(choices=[(s, s) for s in SEVERITIES])
    integration = django_filters.NumberFilter(field_name="integration_id")
    incident = django_filters.NumberFilter(field_name="incident_id")
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
    # The list never loads the stored raw payloads: they can be large.
    return (
        Alert.objects.select_related("integration", "incident")
        .defer("payloads", "description")
        .order_by("-last_seen_at", "-id")
    )


def alert_get(alert_id: int) -> Alert | None:
    return Alert.objects.select_related("integration", "incident").filter(pk=alert_id).first()
