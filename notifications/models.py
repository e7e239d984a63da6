"""Notification models: the outbox, on-call contacts, escalation ladders, reminder attempts."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from incidents.rules.vocab import AUDIENCES
from notifications.channels.base import CHANNEL_KINDS
from notifications.phone import validate_e164

# Ladder used for an audience that has no row of its own (seeded by 0002_default_ladders).
FALLBACK_AUDIENCE = "*"


class ChannelChoice(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"


class DeliveryStatus(models.TextChoices):
    RECORDED = "recorded", "Recorded in the outbox (not sent anywhere)"
    ACCEPTED = "accepted", "Accepted by the provider"
    FAILED = "failed", "Refused or not reached"


class OutboxMessage(models.Model):
    """Delivery log: every message any backend handled. For provider="outbox" it IS the message."""

    channel = models.CharField(max_length=8, choices=ChannelChoice.choices)
    to = models.CharField(max_length=320)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    reference = models.CharField(max_length=200, blank=True, db_index=True)
    metadata = models.JSONField(default=dict, blank=True)
    provider = models.CharField(max_length=20, help_text="outbox, sendgrid or twilio")
    provider_message_id = models.CharField(max_length=100, blank=True, db_index=True)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "outbox message"
        verbose_name_plural = "outbox (delivery log)"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(channel__in=ChannelChoice.values), name="outbox_channel_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=DeliveryStatus.values), name="outbox_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.to} via {self.provider} ({self.status})"


class OnCallContactQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


def _validate_channels(value: object) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(f"Choose at least one channel of {', '.join(CHANNEL_KINDS)}.")
    unknown = [v for v in value if v not in CHANNEL_KINDS]
    if unknown:
        raise ValidationError(f"Unknown channel(s) {unknown}; allowed: {', '.join(CHANNEL_KINDS)}.")
    if len(set(value)) != len(value):
        raise ValidationError("Channels must not repeat.")


class OnCallContact(models.Model):
    """Someone who is reminded of every running deadline besides the assignee and the DPO."""

    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(
        max_length=20, blank=True, validators=[validate_e164], help_text="E.164, e.g. +4930123456"
    )
    channels = models.JSONField(
        default=list,
        validators=[_validate_channels],
        help_text='Where reminders go: ["email"], ["sms"] or both.',
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OnCallContactQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "on-call contact"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        channels = self.channels if isinstance(self.channels, list) else []
        if "email" in channels and not self.email:
            raise ValidationError({"email": "Needed because the email channel is chosen."})
        if "sms" in channels and not self.phone:
            raise ValidationError({"phone": "Needed because the sms channel is chosen."})


def _validate_offsets(value: object) -> None:
    if not isinstance(value, list):
        raise ValidationError("Must be a list of hours before the deadline, e.g. [48, 24, 12].")
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | float) or item <= 0:
            raise ValidationError(f"{item!r} is not a positive number of hours.")
    if len(set(value)) != len(value):
        raise ValidationError("Offsets must not repeat.")


class EscalationLadder(models.Model):
    """When reminders go out for one audience: hours before the deadline, then while overdue.

    The seeded values are BreachDesk policy, not law (see docs/notifications.md).
    """

    audience = models.CharField(
        max_length=32,
        unique=True,
        help_text=f'Obligation audience, e.g. supervisory_authority; "{FALLBACK_AUDIENCE}" is '
        "the ladder for audiences without a row of their own.",
    )
    offsets_hours = models.JSONField(
        validators=[_validate_offsets],
        help_text="Remind when this many hours remain, e.g. [48, 24, 12, 6, 1].",
    )
    overdue_every_hours = models.PositiveIntegerField(
        default=6,
        help_text="Repeat while overdue (first at the deadline); 0 = no overdue reminders.",
    )
    active = models.BooleanField(
        default=True, help_text="Inactive = no reminders for this audience."
    )
    policy_note = models.TextField(blank=True, help_text="Why these values (policy, not law).")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["audience"]

    def __str__(self) -> str:
        return (
            f"{self.audience}: {self.offsets_hours} h, overdue every {self.overdue_every_hours} h"
        )

    def clean(self) -> None:
        if self.audience != FALLBACK_AUDIENCE and self.audience not in AUDIENCES:
            raise ValidationError(
                {
                    "audience": f"Unknown audience {self.audience!r}; use one of "
                    f"{', '.join(AUDIENCES)} or {FALLBACK_AUDIENCE!r}."
                }
            )


class AttemptStatus(models.TextChoices):
    CLAIMED = "claimed", "Claimed, sending (or crashed before finishing)"
    SENT = "sent", "Sent (at least one delivery accepted)"
    FAILED = "failed", "Failed (no delivery accepted)"
    COVERED = "covered", "Covered by a catch-up message of another attempt"
    CANCELLED = "cancelled", "Cancelled (obligation no longer running)"


class ReminderAttemptQuerySet(models.QuerySet):
    def leads(self):
        """Attempts that own a message (catch-up steps point at one of these)."""
        return self.filter(covered_by__isnull=True)

    def lease_expired(self, now):
        return self.filter(status=AttemptStatus.CLAIMED, lease_until__lt=now)


class ReminderAttempt(models.Model):
    """One ladder step of one obligation, claimed (committed) BEFORE anything is sent.

    The unique constraint is the exactly-once guard: a second worker that computes the same
    step fails to insert and backs off. A catch-up message covers several steps; the latest
    step is the lead row that carries recipients and results, the others point at it.
    """

    obligation = models.ForeignKey(
        "incidents.Obligation", on_delete=models.PROTECT, related_name="reminder_attempts"
    )
    step_key = models.CharField(max_length=40, help_text="e.g. remaining-24h, overdue-6h")
    due_at = models.DateTimeField(help_text="The deadline the step was computed from.")
    step_at = models.DateTimeField(help_text="When the step became due.")
    covered_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="covered_steps"
    )
    status = models.CharField(
        max_length=10, choices=AttemptStatus.choices, default=AttemptStatus.CLAIMED
    )
    claim_token = models.UUIDField(help_text="Changes on every (re)claim; fences stale workers.")
    claimed_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    tries = models.PositiveSmallIntegerField(default=1)
    sent_at = models.DateTimeField(null=True, blank=True)
    lateness_seconds = models.FloatField(
        null=True, blank=True, help_text="sent_at minus step_at: how late the reminder went out."
    )
    recipients = models.JSONField(default=list, blank=True)
    results = models.JSONField(
        default=list,
        blank=True,
        help_text="Per delivery: channel, to, provider, provider id, error.",
    )
    error = models.TextField(blank=True)

    objects = ReminderAttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-claimed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["obligation", "step_key", "due_at"], name="reminder_attempt_once_per_step"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=AttemptStatus.values),
                name="reminder_attempt_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["status", "lease_until"])]

    def __str__(self) -> str:
        return f"obligation {self.obligation_id} {self.step_key} ({self.status})"


class ReminderDelivery(models.Model):
    """Which single message carried which reminder attempt: one per recipient for a reminder
    of its own, or one digest for many attempts due to the same recipient in one sweep.

    Written in the transaction that commits the messages (before any provider call), so a
    retried attempt knows exactly which recipients an earlier try reached, and an unknown
    message knows every duty it was about.
    """

    attempt = models.ForeignKey(
        ReminderAttempt, on_delete=models.PROTECT, related_name="deliveries"
    )
    message = models.ForeignKey(
        "notifications.OutboundMessage", on_delete=models.PROTECT, related_name="reminder_links"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "message"], name="reminder_delivery_once")
        ]

    def __str__(self) -> str:
        return f"attempt {self.attempt_id} in message {self.message_id}"


class CalendarFeedToken(models.Model):
    """A per-user secret for the iCalendar feed; only its SHA-256 is stored."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed_token"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "calendar feed token"

    def __str__(self) -> str:
        return f"calendar feed of {self.user}"


class OnCallPage(models.Model):
    """The one page sent when an alert opens a new incident (unique: paged at most once)."""

    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.PROTECT, related_name="on_call_page"
    )
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.JSONField(default=list, blank=True)
    results = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = "on-call page"

    def __str__(self) -> str:
        return f"page for incident {self.incident_id}"


# Campaigns and single messages live in their own module (kept under ~600 lines each).
from notifications.campaigns.models import (  # noqa: E402
    Campaign,
    CampaignStatus,
    ChunkState,
    Delivery,
    DeliveryState,
    ImportRun,
    OutboundMessage,
    ReceiptEvent,
    Recipient,
    Rendition,
    SendChunk,
)

__all__ = [
    "AttemptStatus",
    "CalendarFeedToken",
    "Campaign",
    "CampaignStatus",
    "ChannelChoice",
    "ChunkState",
    "Delivery",
    "DeliveryState",
    "DeliveryStatus",
    "EscalationLadder",
    "ImportRun",
    "OnCallContact",
    "OnCallPage",
    "OutboundMessage",
    "OutboxMessage",
    "ReceiptEvent",
    "Recipient",
    "ReminderAttempt",
    "ReminderDelivery",
    "Rendition",
    "SendChunk",
]
