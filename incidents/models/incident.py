from django.conf import settings
from django.db import models

from incidents.risk import vocab
from incidents.status import IncidentStatus
from incidents.validation import validate_incident
from incidents.vectors import VECTORS


def choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(value, value.replace("_", " ")) for value in values]


class IncidentSource(models.TextChoices):
    MANUAL = "manual", "Manual"
    API = "api", "API"
    ALERT = "alert", "Monitoring alert"


class IncidentRole(models.TextChoices):
    """The organisation's role in this incident (Art. 4(7)/(8) GDPR)."""

    CONTROLLER = "controller", "Controller"
    PROCESSOR = "processor", "Processor (for the customers named in controllers)"


class ReferenceCounter(models.Model):
    """Per-year counter behind human references such as BD-2026-0001 (row-locked)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class IncidentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)


class Incident(models.Model):
    """A (suspected) personal-data breach: one row of the Art. 33(5) register."""

    reference = models.CharField(max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    status = models.CharField(
        max_length=24, choices=IncidentStatus.choices, default=IncidentStatus.TRIAGE
    )
    status_changed_at = models.DateTimeField()
    triaged_at = models.DateTimeField(
        null=True, blank=True, help_text="When a person first took it out of triage."
    )
    decision_reason = models.TextField(
        blank=True, help_text="Why it was dismissed or judged not notifiable (register)."
    )
    source = models.CharField(
        max_length=10, choices=IncidentSource.choices, default=IncidentSource.MANUAL
    )
    role = models.CharField(
        max_length=10,
        choices=IncidentRole.choices,
        default=IncidentRole.CONTROLLER,
        help_text="Our role in this incident; defaults from the organisation profile.",
    )
    controllers = models.ManyToManyField(
        "incidents.Party",
        blank=True,
        related_name="incidents_as_controller",
        help_text="When processor: the customers (controllers) whose data is involved.",
    )
    source_party = models.ForeignKey(
        "incidents.Party",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents_reported",
        help_text="The processor or sub-processor where the breach happened.",
    )
    source_notified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the source party told us (can be the awareness)."
    )

    detected_at = models.DateTimeField(null=True, blank=True)
    occurred_from = models.DateTimeField(null=True, blank=True)
    occurred_to = models.DateTimeField(null=True, blank=True)
    aware_at = models.DateTimeField(
        null=True, blank=True, help_text="Moment of awareness: starts the legal clocks."
    )
    aware_basis = models.TextField(blank=True, help_text="Why the organisation became aware then.")
    proposed_aware_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Awareness time proposed by an integration; a DPO confirms.",
    )
    contained_at = models.DateTimeField(null=True, blank=True)
    classified_major_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the incident was classified as major (DORA Art. 18): starts the 4 h "
        "initial report (capped at awareness + 24 h).",
    )

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reported_incidents",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_incidents",
    )

    countries = models.JSONField(default=list, blank=True)
    country_index = models.CharField(max_length=1000, blank=True, editable=False, db_index=True)
    residents = models.JSONField(
        default=dict,
        blank=True,
        help_text="Affected people per country/subdivision, e.g. {'US-CA': 800}",
    )
    subjects_count = models.PositiveBigIntegerField(null=True, blank=True)
    subjects_min = models.PositiveBigIntegerField(null=True, blank=True)
    subjects_max = models.PositiveBigIntegerField(null=True, blank=True)
    records_count = models.PositiveBigIntegerField(null=True, blank=True)
    records_min = models.PositiveBigIntegerField(null=True, blank=True)
    records_max = models.PositiveBigIntegerField(null=True, blank=True)

    likely_consequences = models.TextField(blank=True)
    measures_taken = models.TextField(blank=True)
    measures_proposed = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)
    vector = models.CharField(
        max_length=32,
        choices=choices(VECTORS),
        blank=True,
        help_text="How it happened (incidents/vectors.py); described, not scored. '' = unknown.",
    )

    # Risk-assessment facts (API contract of the risk engine). null / [] = unknown.
    breach_types = models.JSONField(default=list, blank=True)
    cause = models.CharField(max_length=32, choices=choices(vocab.CAUSES), blank=True)
    data_categories = models.JSONField(default=list, blank=True)
    credentials_protection = models.CharField(
        max_length=24, choices=choices(vocab.CREDENTIALS_PROTECTION), blank=True
    )
    subject_categories = models.JSONField(default=list, blank=True)
    identifiability = models.CharField(
        max_length=16, choices=choices(vocab.IDENTIFIABILITY), blank=True
    )
    exposure = models.CharField(max_length=32, choices=choices(vocab.EXPOSURE), blank=True)
    data_protection = models.CharField(
        max_length=32, choices=choices(vocab.DATA_PROTECTION), blank=True
    )
    availability_impact = models.CharField(
        max_length=24, choices=choices(vocab.AVAILABILITY_IMPACT), blank=True
    )
    availability_hours = models.FloatField(null=True, blank=True)
    backup_available = models.BooleanField(null=True, blank=True)
    integrity_impact = models.CharField(
        max_length=32, choices=choices(vocab.INTEGRITY_IMPACT), blank=True
    )
    sensitive_context = models.BooleanField(null=True, blank=True)
    mitigations = models.JSONField(default=list, blank=True)
    contact_effort = models.CharField(
        max_length=32, choices=choices(vocab.CONTACT_EFFORT), blank=True
    )

    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("triage_incident", "Can triage incidents (move to assessing, dismiss, comment)"),
            ("decide_incident", "Can approve notifiability decisions, file and close"),
            ("assess_incident", "Can run risk assessments"),
            ("override_assessment", "Can override a risk assessment with a justification"),
            ("manage_obligations", "Can meet or waive notification obligations"),
            ("export_register", "Can export the breach register"),
            ("archive_incident", "Can archive incidents"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=IncidentStatus.values), name="incident_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=IncidentRole.values), name="incident_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(occurred_from__isnull=True)
                | models.Q(occurred_to__isnull=True)
                | models.Q(occurred_to__gte=models.F("occurred_from")),
                name="incident_occurrence_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(subjects_min__isnull=True)
                | models.Q(subjects_max__isnull=True)
                | models.Q(subjects_max__gte=models.F("subjects_min")),
                name="incident_subjects_range_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(records_min__isnull=True)
                | models.Q(records_max__isnull=True)
                | models.Q(records_max__gte=models.F("records_min")),
                name="incident_records_range_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            # The register's sort key (newest first), so a page is an index walk whatever the
            # table's size; the partial one serves the default list (archived hidden).
            models.Index(fields=["-created_at", "-id"], name="incident_recent"),
            models.Index(
                fields=["-created_at", "-id"],
                condition=models.Q(archived_at__isnull=True),
                name="incident_live_recent",
            ),
            # The page count (archived hidden, by status or not) is read from this index alone,
            # never from the wide table rows.
            models.Index(fields=["archived_at", "status"], name="incident_archived_status"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def clean(self) -> None:
        validate_incident(self)

    @property
    def subjects_upper_bound(self) -> int | None:
        """Thresholds are evaluated against the upper bound until the figure is settled."""
        values = [
            v for v in (self.subjects_max, self.subjects_count, self.subjects_min) if v is not None
        ]
        return max(values) if values else None


class EventKind(models.TextChoices):
    CREATED = "created"
    UPDATED = "updated"
    TRANSITIONED = "transitioned"
    COMMENTED = "commented"
    ARCHIVED = "archived"
    UNARCHIVED = "unarchived"
    AWARENESS_SET = "awareness_set"
    AWARENESS_CORRECTED = "awareness_corrected"
    ASSESSED = "assessed"
    ASSESSMENT_OVERRIDDEN = "assessment_overridden"
    OBLIGATIONS_PLANNED = "obligations_planned"
    OBLIGATION_MET = "obligation_met"
    OBLIGATION_WAIVED = "obligation_waived"
    OBLIGATION_MISSED = "obligation_missed"
    REMINDER_SENT = "reminder_sent"
    ON_CALL_PAGED = "on_call_paged"
    ALERT_ATTACHED = "alert_attached"
    ALERT_DETACHED = "alert_detached"
    NOTICE_CAMPAIGN_STARTED = "notice_campaign_started"
    NOTICE_CAMPAIGN_COMPLETED = "notice_campaign_completed"
    FILING_DRAFTED = "filing_drafted"
    FILING_SUBMITTED = "filing_submitted"
    CORRESPONDENCE_LOGGED = "correspondence_logged"
    NOTICE_DRAFTED = "notice_drafted"
    NOTICE_EDITED = "notice_edited"
    NOTICE_APPROVED = "notice_approved"
    NOTICE_PUBLISHED = "notice_published"


class IncidentEvent(models.Model):
    """Append-only timeline entry: who did what to the incident and when."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(
        max_length=150, blank=True, help_text="e.g. system, integration:…"
    )
    occurred_at = models.DateTimeField()
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["incident", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.occurred_at:%Y-%m-%d %H:%M}"
