from django.db import models

from incidents.rules import vocab as rules_vocab


class InternalTarget(models.Model):
    """The organisation's own working deadline for a duty the law gives no fixed period
    ("without undue delay", "immediately"), per audience. Seeded by a data migration;
    editable in the admin."""

    audience = models.CharField(
        max_length=32,
        unique=True,
        choices=[(a, a.replace("_", " ")) for a in rules_vocab.AUDIENCES],
    )
    hours = models.PositiveIntegerField(help_text="Hours after the duty's clock starts.")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["audience"]
        constraints = [
            models.CheckConstraint(condition=models.Q(hours__gte=1), name="internal_target_hours")
        ]

    def __str__(self) -> str:
        return f"{self.audience}: {self.hours} h"
