from django.conf import settings
from django.db import models

from incidents.risk import vocab

from .incident import Incident, choices


class AssessmentKind(models.TextChoices):
    COMPUTED = "computed"
    OVERRIDE = "override"


class Assessment(models.Model):
    """An immutable risk assessment version; the newest is the incident's current one."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="assessments")
    version = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=AssessmentKind.choices)
    risk_level = models.CharField(max_length=10, choices=choices(vocab.RISK_LEVELS))
    notify_authority = models.BooleanField()
    communicate_subjects = models.BooleanField()
    communication_mode = models.CharField(max_length=10, choices=choices(vocab.COMMUNICATION_MODES))
    computed = models.JSONField(help_text="The engine's full result (severity, rationale, …).")
    justification = models.TextField(blank=True, help_text="Mandatory for an override.")
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    facts = models.JSONField(help_text="Snapshot of the facts the assessment was computed from.")
    facts_hash = models.CharField(max_length=64)
    method_version = models.CharField(max_length=20)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["incident", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "version"], name="assessment_version_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="override") | ~models.Q(justification=""),
                name="assessment_override_justified",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident.reference} v{self.version} {self.risk_level}"
