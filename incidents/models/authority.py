from django.core.exceptions import ValidationError
from django.db import models

from incidents.rules import authorities as registry_data


def validate_code(value: str) -> None:
    if not registry_data.is_valid_code(value):
        raise ValidationError(
            f"{value!r} is not a registry code: ISO country, then upper-case parts, e.g. FR-CNIL."
        )


class AuthorityQuerySet(models.QuerySet):
    def active(self):
        return self.filter(retired_at__isnull=True)


class Authority(models.Model):
    """One recipient of notifications (DPA, attorney general, regulator, CSIRT...).

    Shipped entries come from incidents/rules/data/authorities.json through
    `authorities_sync`; `shipped` keeps the values of the last sync so that a field edited
    here keeps its local value on the next sync (docs/authorities.md).
    """

    code = models.CharField(
        max_length=registry_data.CODE_MAX_LENGTH, unique=True, validators=[validate_code]
    )
    name = models.CharField(max_length=300)
    name_native = models.CharField(max_length=300, blank=True)
    jurisdiction = models.CharField(
        max_length=10, help_text="ISO 3166-1 country or 3166-2 subdivision, e.g. FR or US-CA."
    )
    region = models.CharField(max_length=20, choices=registry_data.REGIONS)
    kind = models.CharField(max_length=20, choices=registry_data.KINDS)
    website = models.URLField(max_length=500, blank=True)
    breach_report_url = models.URLField(max_length=500, blank=True)
    fallback_url = models.URLField(max_length=500, blank=True)
    channels = models.JSONField(default=list, blank=True)
    contact = models.JSONField(default=dict, blank=True)
    languages = models.JSONField(default=list, blank=True, help_text="ISO 639-1 codes")
    rule_ids = models.JSONField(default=list, blank=True, help_text="Rules that name it.")
    threshold = models.JSONField(null=True, blank=True)
    notes = models.TextField(blank=True)
    related_urls = models.JSONField(default=list, blank=True)
    sources = models.JSONField(default=list, blank=True)
    provenance = models.JSONField(default=list, blank=True)
    confidence = models.CharField(max_length=10, default="medium")
    confidence_note = models.TextField(blank=True)
    shipped = models.JSONField(default=dict, blank=True, editable=False)
    synced_at = models.DateTimeField(null=True, blank=True, editable=False)
    retired_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the shipped data no longer lists it."
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = AuthorityQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "authorities"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=registry_data.KIND_VALUES),
                name="authority_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(region__in=registry_data.REGION_VALUES),
                name="authority_region_valid",
            ),
        ]
        indexes = [models.Index(fields=["jurisdiction"])]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"

    @property
    def report_url(self) -> str:
        return self.breach_report_url or self.fallback_url or self.website

    @property
    def local_edits(self) -> list[str]:
        """Fields whose value differs from what the last sync shipped (kept on re-sync)."""
        if not self.shipped:
            return []
        return sorted(k for k, v in self.shipped.items() if getattr(self, k) != v)
