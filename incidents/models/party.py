from django.db import models


class PartyKind(models.TextChoices):
    CUSTOMER = "customer", "Customer (a controller we process data for)"
    PROCESSOR = "processor", "Processor we use"
    SUB_PROCESSOR = "sub_processor", "Sub-processor we use"


class Party(models.Model):
    """Another organisation in a breach: a customer we serve as processor, or one of ours."""

    kind = models.CharField(max_length=16, choices=PartyKind.choices)
    name = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True, help_text="E.164, e.g. +4930123456")
    language = models.CharField(
        max_length=8, blank=True, help_text="Language notices to it are written in, e.g. de"
    )
    notice_hours = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Customers: hours the data-processing agreement gives us to tell them.",
    )
    contract_reference = models.CharField(
        max_length=200, blank=True, help_text="e.g. DPA 2025-014, clause 9.2"
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["kind", "name", "id"]
        verbose_name_plural = "parties"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=PartyKind.values), name="party_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="customer") | models.Q(notice_hours__isnull=True),
                name="party_notice_hours_customers_only",
            ),
            models.UniqueConstraint(fields=["kind", "name"], name="party_name_unique_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"
