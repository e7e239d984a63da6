from django.conf import settings
from django.db import models

from .incident import Incident


class RuleVersion(models.Model):
    """A pinned copy of one notification rule as shipped in incidents/rules/data."""

    code = models.CharField(max_length=100)
    version = models.PositiveIntegerField()
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    loaded_at = models.DateTimeField()

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="ruleversion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class ObligationStatus(models.TextChoices):
    AWAITING_TRIGGER = "awaiting_trigger", "Awaiting trigger"
    PENDING = "pending", "Pending"
    MET = "met", "Met on time"
    LATE = "late", "Met late"
    NOT_REQUIRED = "not_required", "Not required"
    WAIVED = "waived", "Waived"


OPEN_OBLIGATION_STATUSES = (ObligationStatus.AWAITING_TRIGGER, ObligationStatus.PENDING)
MET_STATUSES = (ObligationStatus.MET, ObligationStatus.LATE)
# Duties towards an authority: each names the authority it goes to (recipient_authority).
AUTHORITY_AUDIENCES = ("supervisory_authority", "other_regulator")


# How a notice was given (evidence of a met duty).
EVIDENCE_CHANNELS = (
    "email",
    "web_form",
    "portal",
    "post",
    "letter",
    "api",
    "phone",
    "in_person",
    "sms",
    "public_notice",
    "other",
)


class DueBasis(models.TextChoices):
    """Where the date the duty is worked against comes from."""

    LAW = "law", "Law (or the regulator's guidance)"
    CONTRACT = "contract", "Contract (data-processing agreement)"
    INTERNAL_TARGET = "internal_target", "Internal target (no fixed legal period)"


class ObligationQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_OBLIGATION_STATUSES)

    def running(self):
        return self.filter(status=ObligationStatus.PENDING, clock_started_at__isnull=False)


class Obligation(models.Model):
    """One legal duty to notify someone about one incident, with its exact clock."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="obligations")
    rule = models.ForeignKey(
        RuleVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="obligations",
        help_text="The pinned legal rule; empty for a contract's clock.",
    )
    rule_code = models.CharField(max_length=100)
    recipient_key = models.CharField(
        max_length=100,
        blank=True,
        default="",
        help_text="Tells apart the copies of one rule: authority:<code> or party:<id>.",
    )
    party = models.ForeignKey(
        "incidents.Party",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="obligations",
        help_text="The customer (controller) to tell, for a processor's duty.",
    )
    recipient_authority = models.JSONField(
        null=True, blank=True, help_text="The authority to tell: {code, name, url}."
    )
    national_specifics = models.JSONField(
        default=list,
        blank=True,
        help_text="National filing routes that qualify this duty (form, language, channel).",
    )
    regime = models.CharField(max_length=200)
    jurisdiction = models.CharField(max_length=40)
    audience = models.CharField(max_length=32)
    recipient = models.CharField(max_length=300)
    citation = models.CharField(max_length=300)
    confidence = models.CharField(max_length=10)
    status = models.CharField(max_length=20, choices=ObligationStatus.choices)
    status_reason = models.TextField(blank=True)
    deadline_kind = models.CharField(max_length=10, help_text="hard, soft or standard")
    due_basis = models.CharField(max_length=16, choices=DueBasis.choices, default=DueBasis.LAW)
    deadline_text = models.CharField(max_length=300, blank=True)
    clock_started_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    soft_due_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    late = models.BooleanField(default=False)
    late_by_seconds = models.BigIntegerField(null=True, blank=True)
    delay_reason = models.TextField(blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    waive_justification = models.TextField(blank=True)
    missed_recorded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = ObligationQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "rule_code", "recipient_key"],
                name="obligation_unique_rule_recipient",
            ),
            models.CheckConstraint(
                condition=models.Q(due_basis__in=DueBasis.values),
                name="obligation_due_basis_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ObligationStatus.values),
                name="obligation_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="waived") | ~models.Q(waive_justification=""),
                name="obligation_waiver_justified",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="late") | ~models.Q(delay_reason=""),
                name="obligation_late_has_reason",
            ),
        ]
        indexes = [
            # "What is due next" reads pending obligations only: met, late and waived ones
            # (most of a long-lived register) are not in these indexes at all.
            models.Index(
                fields=["due_at", "id"],
                condition=models.Q(status="pending"),
                name="obligation_pending_due",
            ),
            models.Index(
                fields=["soft_due_at", "id"],
                condition=models.Q(status="pending", due_at__isnull=True),
                name="obligation_pending_soft",
            ),
        ]

    def __str__(self) -> str:
        key = f" [{self.recipient_key}]" if self.recipient_key else ""
        return f"{self.incident.reference} {self.rule_code}{key} ({self.status})"
