from django.db import models

from incidents.rules import authorities as registry_data
from incidents.rules import vocab as rules_vocab


class OrgRole(models.TextChoices):
    CONTROLLER = "controller", "Controller"
    PROCESSOR = "processor", "Processor"
    BOTH = "both", "Controller and processor"


class Organization(models.Model):
    """The one organisation this installation serves; the legal logic reads it."""

    legal_name = models.CharField(max_length=200)
    role = models.CharField(max_length=20, choices=OrgRole.choices, default=OrgRole.CONTROLLER)
    country = models.CharField(
        max_length=2, help_text="ISO 3166-1 alpha-2 code of the main establishment."
    )
    lead_authority = models.CharField(
        max_length=registry_data.CODE_MAX_LENGTH,
        blank=True,
        help_text="Registry code of the lead supervisory authority (GDPR Art. 56), e.g. IE-DPC.",
    )
    has_eu_establishment = models.BooleanField(
        null=True,
        blank=True,
        help_text="Has an establishment in the EU/EEA (GDPR Art. 3(1), 56). Empty: derived "
        "from the country of the main establishment.",
    )
    eu_representative_country = models.CharField(
        max_length=2,
        blank=True,
        help_text="EU/EEA member state of the representative of an organisation without an "
        "EU/EEA establishment (NIS2 Art. 26(3), GDPR Art. 27); decides the NIS2 authority.",
    )
    dpo_name = models.CharField(max_length=200, blank=True)
    dpo_email = models.EmailField(blank=True)
    dpo_phone = models.CharField(max_length=32, blank=True, help_text="E.164, e.g. +4930123456")
    sectors = models.JSONField(
        default=list,
        blank=True,
        help_text="Entity types that decide whether NIS2, DORA, HIPAA… apply: "
        + ", ".join(value for value, _ in rules_vocab.ENTITY_TYPES),
    )
    languages = models.JSONField(default=list, blank=True, help_text="e.g. ['en', 'de']")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=OrgRole.values), name="organization_role_valid"
            )
        ]

    def __str__(self) -> str:
        return self.legal_name
