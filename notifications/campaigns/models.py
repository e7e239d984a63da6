"""Campaign models: one campaign per notice sent to the affected people of one incident.

At a million recipients nothing here stores a message body per person: a `Rendition` holds
the rendered notice once per channel and language, a `Recipient` holds the encrypted
contact and merge values, and a `Delivery` (recipient x channel) holds only state.
"""

from django.db import models

from breachdesk.crypto import EncryptedJSONField
from notifications import delivery as states


class DeliveryState(models.TextChoices):
    QUEUED = states.QUEUED, "Queued"
    SENDING = states.SENDING, "Handed to the provider (answer pending)"
    SENT = states.SENT, "Accepted by the provider"
    DELIVERED = states.DELIVERED, "Delivered"
    BOUNCED = states.BOUNCED, "Bounced"
    FAILED = states.FAILED, "Failed"
    UNKNOWN = states.UNKNOWN, "Unknown (provider answer lost; decided by receipts)"


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft (importing recipients)"
    SENDING = "sending", "Sending"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class Campaign(models.Model):
    """A notice to the affected people of one incident, sent once per recipient and channel."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.PROTECT, related_name="notice_campaigns"
    )
    name = models.CharField(max_length=200)
    channels = models.JSONField(default=list, help_text='e.g. ["email", "sms"]')
    default_language = models.CharField(max_length=8, default="en")
    notice_version = models.ForeignKey(
        "notices.NoticeVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
        help_text="The approved notice version this campaign sends.",
    )
    content = models.JSONField(
        default=dict,
        blank=True,
        help_text="Per language: subject, text, html, sms with {{field}} placeholders "
        "(used when no notice version is linked).",
    )
    status = models.CharField(
        max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    first_sent_at = models.DateTimeField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    recipients_count = models.PositiveIntegerField(default=0)
    duplicates_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    region_counts = models.JSONField(default=dict, blank=True)
    stats = models.JSONField(default=dict, blank=True, help_text="Deliveries per channel/state.")
    evidence = models.JSONField(default=dict, blank=True)
    obligation_ids = models.JSONField(
        default=list, blank=True, help_text="The individuals obligations this campaign meets."
    )
    delay_reason = models.TextField(
        blank=True,
        help_text="Given by the DPO at the start: why the notice goes out after a duty's "
        "deadline. A duty it completes after its deadline is then met late with this reason; "
        "without one it stays open for a DPO.",
    )
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("send_campaign", "Can start, retry and complete notice campaigns"),
            ("export_letters", "Can export recipients' addresses for letters"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=CampaignStatus.values),
                name="campaign_status_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"


class ImportRun(models.Model):
    """One CSV file or bulk API call: what was accepted, dropped as duplicate, rejected (why)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="imports")
    source = models.CharField(max_length=8, help_text="csv or api")
    filename = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    rejected_rows = models.JSONField(
        default=list, blank=True, help_text="[{line, reasons}] (no contact data), capped."
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"import {self.pk} of campaign {self.campaign_id}: {self.accepted} accepted"


class Recipient(models.Model):
    """One affected person; contact data encrypted, dedup by a keyed hash, purged on schedule."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    contact = EncryptedJSONField(
        null=True, blank=True, help_text="email, phone, name, merge fields (encrypted)"
    )
    # NULL after the purge (a keyed hash of an address is still personal data); NULLs
    # never collide in the unique constraint.
    dedup_key = models.CharField(max_length=32, null=True, blank=True)  # noqa: DJ001
    language = models.CharField(max_length=8)
    region = models.CharField(max_length=6, blank=True)
    has_email = models.BooleanField(default=False)
    has_phone = models.BooleanField(default=False)
    line = models.PositiveIntegerField(default=0, help_text="Line in the imported file.")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "dedup_key"], name="recipient_once_per_campaign"
            )
        ]

    def __str__(self) -> str:
        return f"recipient {self.pk} (campaign {self.campaign_id})"


class Rendition(models.Model):
    """The notice rendered once per channel and language; per-recipient values fill it."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="renditions")
    channel = models.CharField(max_length=8)
    language = models.CharField(max_length=8)
    subject = models.CharField(max_length=300, blank=True)
    text = models.TextField()
    html = models.TextField(blank=True)
    fields = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=100, blank=True, help_text="e.g. notice version id")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "channel", "language"], name="rendition_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}/{self.language} of campaign {self.campaign_id}"


class ChunkState(models.TextChoices):
    PENDING = "pending", "Pending"
    LEASED = "leased", "Leased by a worker"
    DONE = "done", "Done"


class SendChunk(models.Model):
    """Up to one provider batch of deliveries, leased by one worker at a time."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="chunks")
    rendition = models.ForeignKey(Rendition, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=8)
    seq = models.PositiveIntegerField()
    size = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=8, choices=ChunkState.choices, default=ChunkState.PENDING)
    lease_token = models.UUIDField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    not_before = models.DateTimeField(null=True, blank=True, help_text="Back-off after 429/5xx.")
    tries = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["campaign", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "seq"], name="chunk_seq_once"),
        ]
        indexes = [models.Index(fields=["campaign", "state"])]

    def __str__(self) -> str:
        return f"chunk {self.seq} of campaign {self.campaign_id} ({self.state})"


class Delivery(models.Model):
    """One recipient x channel. Its id is the idempotency key the providers echo back."""

    # No index of their own: the composite indexes below start with campaign, and the unique
    # (recipient, channel) with recipient; each extra index is written on every state change.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    recipient = models.ForeignKey(
        Recipient, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    seq = models.PositiveIntegerField(default=0, help_text="The SendChunk (by seq) it goes in.")
    channel = models.CharField(max_length=8)
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.QUEUED
    )
    provider = models.CharField(max_length=12, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True)
    tries = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    attempted_at = models.DateTimeField(null=True, blank=True, help_text="Last handed over.")
    sent_at = models.DateTimeField(null=True, blank=True)
    final_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["recipient", "channel"], name="delivery_once"),
            models.CheckConstraint(
                condition=models.Q(state__in=DeliveryState.values), name="delivery_state_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "state"]),
            models.Index(fields=["campaign", "seq", "state"]),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk} {self.channel} ({self.state})"

    @property
    def key(self) -> str:
        return delivery_key(self.pk)


def delivery_key(pk: int) -> str:
    """The idempotency key sent to the provider and echoed in its receipts."""
    return f"d{pk}"


class ReceiptEvent(models.Model):
    """One provider receipt, stored once (unique per provider event): duplicates change nothing."""

    provider = models.CharField(max_length=12)
    event_id = models.CharField(max_length=150)
    reference = models.CharField(max_length=40, help_text="d<id> delivery or m<id> message")
    kind = models.CharField(max_length=30)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    applied = models.BooleanField(default=False, help_text="Whether it changed a state.")
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="receipt_once"),
        ]
        indexes = [models.Index(fields=["reference"])]

    def __str__(self) -> str:
        return f"{self.provider} {self.kind} for {self.reference}"


class OutboundMessage(models.Model):
    """One single message (a processor's notice to its controller, a reminder...) with proof."""

    key = models.CharField(max_length=200, unique=True, help_text="Caller's idempotency key.")
    reference = models.CharField(
        max_length=200, blank=True, help_text="Caller's correlation (e.g. reminder-12)."
    )
    purpose = models.CharField(max_length=40)
    incident = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outbound_messages",
    )
    channel = models.CharField(max_length=8)
    to = models.CharField(max_length=320)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.QUEUED
    )
    provider = models.CharField(max_length=12, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True, db_index=True)
    tries = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    max_tries = models.PositiveSmallIntegerField(default=1, help_text="1 = the caller retries.")
    retryable = models.BooleanField(
        default=False, help_text="The last failure was temporary (429/5xx, not reached)."
    )
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField()
    next_try_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    final_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=DeliveryState.values), name="outbound_state_valid"
            ),
        ]
        indexes = [models.Index(fields=["state", "next_try_at"])]

    def __str__(self) -> str:
        return f"{self.purpose} {self.channel} to {self.to} ({self.state})"

    @property
    def receipt_ref(self) -> str:
        """What the provider echoes in its receipts (custom arg / callback URL)."""
        return f"m{self.pk}"
