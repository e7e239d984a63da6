"""Filings to authorities and controllers, their content versions, and correspondence."""

from django.conf import settings
from django.db import models

from incidents.models import Incident, Obligation
from incidents.models.obligation import EVIDENCE_CHANNELS


class FilingStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class FilingChannel(models.TextChoices):
    PORTAL = "portal", "Authority portal"
    EMAIL = "email", "E-mail"
    LETTER = "letter", "Letter"
    API = "api", "API"


class Filing(models.Model):
    """One filing (one phase) towards the recipient of one obligation.

    The content lives in FilingVersion rows; submission freezes `snapshot` (exactly what
    was filed) with its hash, which is also written to the audit chain.
    """

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="filings")
    obligation = models.ForeignKey(Obligation, on_delete=models.PROTECT, related_name="filings")
    regime = models.CharField(max_length=32)
    phase = models.CharField(max_length=32)
    recipient = models.CharField(max_length=300)
    recipient_details = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=8, default="en")
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=FilingStatus.choices, default=FilingStatus.DRAFT
    )
    version = models.PositiveIntegerField(default=1, help_text="Current content version.")
    follow_up_by = models.DateTimeField(
        null=True, blank=True, help_text="When the information still missing will follow."
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=FilingChannel.choices, blank=True)
    authority_reference = models.CharField(max_length=200, blank=True)
    message = models.ForeignKey(
        "notifications.OutboundMessage",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="filings",
        help_text="The e-mail that carried a notice to a customer (set when it is queued).",
    )
    late = models.BooleanField(default=False)
    late_by_seconds = models.BigIntegerField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, help_text="Deadline it was judged by.")
    met_obligations = models.JSONField(default=list, blank=True)
    snapshot = models.JSONField(null=True, blank=True, editable=False)
    snapshot_hash = models.CharField(max_length=64, blank=True, editable=False)
    audit_seq = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["incident", "created_at", "id"]
        permissions = [("submit_filing", "Can mark a filing submitted (DPO)")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=FilingStatus.values), name="filing_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | (
                    models.Q(submitted_at__isnull=False)
                    & ~models.Q(channel="")
                    & ~models.Q(snapshot_hash="")
                ),
                name="filing_submitted_is_complete",
            ),
            models.CheckConstraint(
                condition=~models.Q(channel="") | models.Q(status="draft"),
                name="filing_channel_when_submitted",
            ),
        ]
        indexes = [models.Index(fields=["incident", "regime", "status"])]

    def __str__(self) -> str:
        return f"{self.incident.reference} {self.regime}/{self.phase} v{self.version}"


class FilingVersion(models.Model):
    """One immutable version of a filing's content (element code -> value)."""

    filing = models.ForeignKey(Filing, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["filing", "version"]
        constraints = [
            models.UniqueConstraint(fields=["filing", "version"], name="filingversion_unique")
        ]

    def __str__(self) -> str:
        return f"filing {self.filing_id} v{self.version}"


class Direction(models.TextChoices):
    INBOUND = "inbound", "From the authority"
    OUTBOUND = "outbound", "To the authority"


class CorrespondenceKind(models.TextChoices):
    QUESTION = "question", "Question or request"
    ANSWER = "answer", "Answer"
    DECISION = "decision", "Decision or closure"
    OTHER = "other", "Other"


class Correspondence(models.Model):
    """A message exchanged with an authority about an incident after filing."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="correspondence")
    filing = models.ForeignKey(
        Filing, null=True, blank=True, on_delete=models.PROTECT, related_name="correspondence"
    )
    direction = models.CharField(max_length=10, choices=Direction.choices)
    kind = models.CharField(max_length=10, choices=CorrespondenceKind.choices)
    occurred_at = models.DateTimeField()
    counterpart = models.CharField(max_length=300, help_text="Authority or person.")
    channel = models.CharField(
        max_length=16,
        choices=[(c, c.replace("_", " ")) for c in EVIDENCE_CHANNELS],
        default="email",
        help_text="How the message came or went (evidence when it answers a request).",
    )
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    authority_reference = models.CharField(max_length=200, blank=True)
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    answer_due_at = models.DateTimeField(null=True, blank=True)
    answer_obligation = models.ForeignKey(
        Obligation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["incident", "occurred_at", "id"]
        verbose_name_plural = "correspondence"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(direction__in=Direction.values),
                name="correspondence_direction_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(answer_due_at__isnull=True)
                | models.Q(direction="inbound", kind="question"),
                name="correspondence_due_only_on_questions",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident.reference} {self.direction} {self.kind}: {self.subject}"
