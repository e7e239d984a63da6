"""Integrations (who may post alerts), alerts (deduplicated), and idempotent replies."""

from django.db import models
from django.db.models import Q

from breachdesk.crypto import EncryptedTextField
from incidents.intake.adapters import SEVERITIES, STATUSES


class AlertSource(models.TextChoices):
    GENERIC = "generic", "Generic JSON"
    ALERTMANAGER = "alertmanager", "Prometheus Alertmanager (webhook v4)"
    GRAFANA = "grafana", "Grafana unified alerting"
    PAGERDUTY = "pagerduty", "PagerDuty Events API v2"
    SENTRY = "sentry", "Sentry webhooks"
    CLOUDEVENTS = "cloudevents", "CloudEvents 1.0 (JSON)"


class AlertStatus(models.TextChoices):
    FIRING = "firing", "Firing"
    RESOLVED = "resolved", "Resolved"


class AwarenessProposal(models.TextChoices):
    NONE = "none", "Do not propose an awareness time"
    RECEIVED = "received", "Propose the time BreachDesk received the alert"
    OCCURRED = "occurred", "Propose the time the alert started"


class Integration(models.Model):
    """A monitoring tool allowed to post alerts of one source, with its own token."""

    name = models.SlugField(max_length=100, unique=True)
    source = models.CharField(max_length=16, choices=AlertSource.choices)
    token_prefix = models.CharField(
        max_length=16, editable=False, help_text="First characters of the token, to recognise it."
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    signing_secret = models.CharField(
        max_length=200,
        blank=True,
        help_text="HMAC-SHA256 secret. When set, every request must be signed "
        "(X-BreachDesk-Signature; Sentry and Grafana native signatures are accepted too).",
    )
    rate_limit_per_minute = models.PositiveIntegerField(
        default=600, help_text="Requests per minute for this token; 0 = unlimited."
    )
    group_by = models.JSONField(
        default=list,
        blank=True,
        help_text="Label names whose values group alerts onto one incident, e.g. "
        "['alertname', 'cluster']. Empty: the tool's own group (Alertmanager groupKey, "
        "Sentry issue, ...).",
    )
    group_window_minutes = models.PositiveIntegerField(
        default=60,
        help_text="A related alert joins an open incident whose alerts were seen within this "
        "many minutes; 0 = every new alert opens its own incident.",
    )
    propose_awareness = models.CharField(
        max_length=10,
        choices=AwarenessProposal.choices,
        default=AwarenessProposal.NONE,
        help_text="An alert never sets aware_at; it may propose one for a DPO to confirm.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    token_rotated_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=AlertSource.values), name="intake_integration_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(propose_awareness__in=AwarenessProposal.values),
                name="intake_integration_awareness_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.source})"

    @property
    def actor(self) -> str:
        """How this integration appears on timelines and in the audit trail."""
        return f"integration:{self.name}"


class AlertQuerySet(models.QuerySet):
    def open(self):
        return self.filter(resolved_at__isnull=True)


class Alert(models.Model):
    """One alert as the monitoring tool identifies it; duplicates raise `occurrences`."""

    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="alerts")
    source = models.CharField(max_length=16, choices=AlertSource.choices)
    dedup_key = models.CharField(max_length=255)
    external_id = models.CharField(max_length=255, blank=True)
    group_key = models.CharField(
        max_length=255, blank=True, help_text="Grouping identity (per the integration's rules)."
    )
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    severity = models.CharField(max_length=10, choices=[(s, s) for s in SEVERITIES])
    status = models.CharField(max_length=10, choices=AlertStatus.choices)
    labels = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=2000, blank=True)
    occurred_at = models.DateTimeField(help_text="When the tool says the alert started.")
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    occurrences = models.PositiveIntegerField(default=1)
    incident = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alerts",
    )

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            # At most one open alert per key: concurrent duplicates lose on this index and
            # retry as updates, so 50 identical alerts at once make exactly one row.
            models.UniqueConstraint(
                fields=["integration", "dedup_key"],
                condition=Q(resolved_at__isnull=True),
                name="intake_alert_one_open_per_key",
            ),
            models.CheckConstraint(
                condition=Q(status__in=STATUSES), name="intake_alert_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(severity__in=SEVERITIES), name="intake_alert_severity_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=AlertStatus.RESOLVED, resolved_at__isnull=False)
                | Q(status=AlertStatus.FIRING, resolved_at__isnull=True),
                name="intake_alert_resolved_iff_resolved_at",
            ),
            models.CheckConstraint(
                condition=Q(occurrences__gte=1), name="intake_alert_occurrences_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["integration", "dedup_key"], name="intake_alert_key_idx"),
            models.Index(
                fields=["integration", "group_key", "last_seen_at", "id"],
                name="intake_alert_group_idx",
            ),
            models.Index(fields=["last_seen_at"], name="intake_alert_seen_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.dedup_key} {self.title}"


class AlertPayload(models.Model):
    """One raw payload exactly as an alert arrived with it. `seq` is the occurrence it came
    with (1, 2, ...), so an alert keeps its most recent ones and counts the rest: appending is
    one INSERT, never a rewrite of the alert row (see `incidents.intake.sql`)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="raw_payloads")
    seq = models.PositiveIntegerField()
    received_at = models.DateTimeField()
    # Text, not JSON: the payload is kept as received (jsonb would reorder its keys).
    # Encrypted at rest: monitoring payloads can carry personal data.
    body = EncryptedTextField(help_text="The alert's raw JSON payload (encrypted at rest).")

    class Meta:
        ordering = ["alert", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "seq"], name="intake_payload_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.alert_id}#{self.seq}"


class IdempotencyRecord(models.Model):
    """The reply to one `Idempotency-Key`, replayed for the same body (a different body: 409)."""

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="idempotency_records"
    )
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the raw request body.")
    status_code = models.PositiveSmallIntegerField()
    # Text, not JSON: replays must be byte-identical, and jsonb would reorder the keys.
    response = models.TextField(help_text="The JSON reply body, exactly as first sent.")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["integration", "key"], name="intake_idempotency_unique")
        ]
        indexes = [models.Index(fields=["created_at"], name="intake_idem_created_idx")]

    def __str__(self) -> str:
        return f"{self.integration_id}:{self.key}"
