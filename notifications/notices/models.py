"""A notice to affected people is a versioned document; an approved version is frozen."""

from django.conf import settings
from django.db import models

from incidents.models import Incident, Obligation

#: Languages BreachDesk ships template text for (compiled catalogues in locale/).
LANGUAGES = ("en", "de", "fr", "nb", "el", "es", "ar")
RTL_LANGUAGES = frozenset({"ar"})
CHANNELS = ("email", "sms", "letter", "page")


class Notice(models.Model):
    """One notice variant for an incident: the obligations it serves share one text.

    `approved_version` is the version that may be sent or published; any edit makes a new
    version and clears it (the approval is withdrawn). The public page lives at an
    unguessable token and carries `noindex` until a DPO publishes it.
    """

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="notices")
    obligations = models.ManyToManyField(Obligation, related_name="notices", blank=True)
    variant = models.CharField(
        max_length=100,
        blank=True,
        help_text="What sets this variant apart (e.g. the prohibitions of its regimes).",
    )
    approved_version = models.OneToOneField(
        "NoticeVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    public_token = models.CharField(max_length=64, unique=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["incident", "id"]
        permissions = [
            ("approve_notice", "Can approve and publish notices to affected people (DPO)"),
        ]

    def __str__(self) -> str:
        return f"Notice {self.pk} for {self.incident.reference}"


class NoticeVersion(models.Model):
    """One immutable version of a notice's content (edits add versions, never change one).

    `content` is the whole document (see docs/notices.md for its shape); `checks` holds the
    completeness per obligation and the plain-language warnings computed when it was made.
    `approved_at` is set once, by a DPO; `content_hash` (SHA-256 of the canonical JSON of
    `content`) goes onto the audit chain with the approval.
    """

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    languages = models.JSONField(default=list)
    checks = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_withdrawn_at = models.DateTimeField(null=True, blank=True)
    frozen = models.JSONField(
        default=dict,
        blank=True,
        help_text="At approval: the composed text per language (title, headings, paragraphs), "
        "so an approved version renders the same whatever later releases change.",
    )

    class Meta:
        ordering = ["notice", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "number"], name="noticeversion_unique"),
            models.CheckConstraint(
                condition=models.Q(approved_at__isnull=True) | models.Q(approved_by__isnull=False),
                name="noticeversion_approval_has_approver",
            ),
        ]

    def __str__(self) -> str:
        return f"Notice {self.notice_id} v{self.number}"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None and self.approval_withdrawn_at is None
