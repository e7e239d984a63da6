"""Django admin: the register is edited through the same services as the API."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.html import format_html

from breachdesk.admin import ReadOnlyAdmin
from breachdesk.errors import DomainError
from incidents.models import (
    Assessment,
    AuditEntry,
    Authority,
    Incident,
    IncidentEvent,
    InternalTarget,
    Obligation,
    Organization,
    Party,
    RuleVersion,
)
from incidents.services import incidents as incident_services
from incidents.services import lifecycle
from incidents.services import organization as organization_services
from incidents.services import parties as party_services
from incidents.services.authorities import authority_save
from incidents.services.incidents import EDITABLE_FIELDS
from incidents.services.targets import internal_target_set
from incidents.status import ACTIONS, IncidentStatus, StatusAction, allowed_targets


class NoDeleteAdmin(admin.ModelAdmin):
    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = list(organization_services.EDITABLE_FIELDS)

    def clean(self):
        cleaned = super().clean()
        changed = {k: cleaned[k] for k in self.changed_data if k in cleaned}
        try:
            self.profile_values = organization_services.organization_clean(changed)
        except DomainError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return cleaned


@admin.register(Organization)
class OrganizationAdmin(NoDeleteAdmin):
    """Saves through the same service as the API: validated, audited, open incidents re-planned."""

    form = OrganizationForm
    list_display = ["legal_name", "role", "country", "lead_authority", "dpo_name"]

    def has_add_permission(self, request) -> bool:
        return not Organization.objects.exists() and super().has_add_permission(request)

    def save_model(self, request, obj, form, change):
        result = organization_services.organization_update(
            actor=request.user, changes=form.profile_values
        )
        obj.pk = result.organization.pk


class EventInline(admin.TabularInline):
    model = IncidentEvent
    fields = ["occurred_at", "kind", "actor_label", "payload"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["occurred_at", "id"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


# What a reader of the register wants to see of a duty, in the inline and the list alike.
OBLIGATION_COLUMNS = [
    "rule_code",
    "recipient",
    "audience",
    "status",
    "due_at",
    "soft_due_at",
    "due_basis",
    "met_at",
    "late",
]


class ObligationInline(admin.TabularInline):
    model = Obligation
    fields = [*OBLIGATION_COLUMNS, "citation"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return IncidentStatus.choices

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


def _admin_action(status_action: StatusAction):
    """An admin bulk action running the same lifecycle action as the API."""

    def action(modeladmin, request, queryset):
        for incident in queryset:
            try:
                lifecycle.incident_transition(
                    incident_id=incident.pk,
                    actor=request.user,
                    to=status_action.target,
                    comment="via admin action",
                )
            except (DomainError, ValidationError) as exc:
                modeladmin.message_user(request, f"{incident.reference}: {exc}", messages.ERROR)

    action.__name__ = status_action.name
    action.short_description = status_action.label
    return action


# Moves that need a written reason for the register are made where one can be typed (API).
ADMIN_ACTIONS = [_admin_action(a) for a in ACTIONS if not a.reason_required]


@admin.register(Incident)
class IncidentAdmin(NoDeleteAdmin):
    list_display = [
        "reference",
        "title",
        "status",
        "source",
        "aware_at",
        "assignee",
        "created_at",
        "archived_at",
    ]
    list_filter = [
        StatusFilter,
        "source",
        "cause",
        "vector",
        "exposure",
        "archived_at",
        "created_at",
    ]
    search_fields = ["reference", "title", "summary"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "reference",
        "status",
        "status_changed_at",
        "triaged_at",
        "decision_reason",
        "source",
        "reporter",
        "archived_at",
        "created_at",
        "updated_at",
        "allowed",
        "linked_alerts",
    ]
    inlines = [ObligationInline, EventInline]
    actions = ADMIN_ACTIONS
    filter_horizontal = ["controllers"]

    @admin.display(description="Allowed transitions")
    def allowed(self, obj) -> str:
        return ", ".join(allowed_targets(obj.status)) if obj and obj.pk else ""

    @admin.display(description="Monitoring alerts")
    def linked_alerts(self, obj) -> str:
        """How many alerts are linked (a storm can link thousands), with a link to them."""
        if not (obj and obj.pk):
            return ""
        alerts = obj.alerts.all()
        count = alerts.count()
        if not count:
            return "none"
        firing = alerts.filter(status="firing").count()
        url = reverse("admin:intake_alert_changelist") + f"?incident={obj.pk}"
        return format_html('<a href="{}">{} alert(s), {} firing</a>', url, count, firing)

    def get_fields(self, request, obj=None):
        return [
            *self.readonly_fields,
            *[f for f in EDITABLE_FIELDS if f != "proposed_aware_at"],
            "proposed_aware_at",
        ]

    def save_model(self, request, obj, form, change):
        """Route admin edits through the services so the timeline and audit see them."""
        values = {
            field: form.cleaned_data[field]
            for field in form.changed_data
            if field in EDITABLE_FIELDS
        }
        try:
            if change:
                saved = incident_services.incident_update(
                    incident_id=obj.pk,
                    actor=request.user,
                    changes=values,
                    aware_at_reason="corrected in admin",
                )
            else:
                saved = incident_services.incident_create(actor=request.user, data=values)
        except DomainError as exc:
            raise ValidationError(exc.message) from exc
        obj.pk = saved.pk
        obj.reference = saved.reference


@admin.register(IncidentEvent)
class IncidentEventAdmin(ReadOnlyAdmin):
    list_display = ["incident", "kind", "actor_label", "occurred_at"]
    list_filter = ["kind"]
    search_fields = ["incident__reference"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["seq", "occurred_at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "actor", "hash"]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = [
        "incident",
        "version",
        "kind",
        "risk_level",
        "notify_authority",
        "communicate_subjects",
        "created_at",
    ]
    list_filter = ["kind", "risk_level"]
    search_fields = ["incident__reference"]


@admin.register(Obligation)
class ObligationAdmin(ReadOnlyAdmin):
    list_display = ["incident", *OBLIGATION_COLUMNS]
    list_filter = ["status", "audience", "due_basis", "regime"]
    search_fields = ["incident__reference", "rule_code"]


@admin.register(RuleVersion)
class RuleVersionAdmin(ReadOnlyAdmin):
    list_display = ["code", "version", "loaded_at"]
    search_fields = ["code"]


@admin.register(Party)
class PartyAdmin(NoDeleteAdmin):
    """Customers, processors and sub-processors, saved through the same service as the API."""

    list_display = ["name", "kind", "contact_name", "email", "notice_hours", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "contact_name", "email", "contract_reference"]
    fields = list(party_services.PARTY_FIELDS)

    def save_model(self, request, obj, form, change):
        values = {field: form.cleaned_data[field] for field in party_services.PARTY_FIELDS}
        try:
            if change:
                saved = party_services.party_update(
                    party_id=obj.pk, actor=request.user, changes=values
                )
            else:
                saved = party_services.party_create(actor=request.user, data=values)
        except DomainError as exc:
            raise ValidationError(exc.message) from exc
        obj.pk = saved.pk


@admin.register(InternalTarget)
class InternalTargetAdmin(NoDeleteAdmin):
    """Working deadlines for duties the law gives no fixed period (per audience)."""

    list_display = ["audience", "hours", "note"]
    readonly_fields = ["audience"]

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        internal_target_set(
            audience=obj.audience, hours=obj.hours, note=obj.note, actor=request.user
        )


@admin.register(Authority)
class AuthorityAdmin(NoDeleteAdmin):
    """Registry entries: an edited field keeps its value when the shipped data is re-synced."""

    list_display = ["code", "name", "jurisdiction", "region", "kind", "confidence", "retired_at"]
    list_filter = ["region", "kind", "confidence", "retired_at"]
    search_fields = ["code", "name", "name_native", "jurisdiction"]
    readonly_fields = ["local_edits", "synced_at", "updated_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description="Edited here (kept on re-sync)")
    def local_edits(self, obj) -> str:
        return ", ".join(obj.local_edits) if obj and obj.pk else ""

    def save_model(self, request, obj, form, change):
        authority_save(authority=obj, actor=request.user, changed=list(form.changed_data))
