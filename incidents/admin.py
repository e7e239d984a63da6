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
    Obligation,
    Organization,
    RuleVersion,
)
from incidents.services import incidents as incident_services
from incidents.services import organization as organization_services
from incidents.services.authorities import authority_save
from incidents.services.incidents import EDITABLE_FIELDS
from incidents.status import IncidentStatus, allowed_targets, transition_permission


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


class ObligationInline(admin.TabularInline):
    model = Obligation
    fields = ["rule_code", "audience", "status", "due_at", "met_at", "late", "citation"]
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


def _make_transition_action(target: str):
    def action(modeladmin, request, queryset):
        if not request.user.has_perm(transition_permission(target)):
            modeladmin.message_user(request, "Your role cannot do this.", messages.ERROR)
            return
        for incident in queryset:
            try:
                incident_services.incident_transition(
                    incident_id=incident.pk,
                    actor=request.user,
                    to=target,
                    comment="via admin action",
                )
            except (DomainError, ValidationError) as exc:
                modeladmin.message_user(request, f"{incident.reference}: {exc}", messages.ERROR)

    action.__name__ = f"move_to_{target}"
    action.short_description = f"Move to {target.replace('_', ' ')}"
    return action


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
    list_filter = [StatusFilter, "source", "cause", "exposure", "archived_at", "created_at"]
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
    actions = [
        _make_transition_action(t)
        for t in (
            "assessing",
            "notifiable",
            "not_notifiable",
            "authority_notified",
            "subjects_notified",
            "closed",
        )
    ]

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
    list_display = ["incident", "rule_code", "audience", "status", "due_at", "met_at", "late"]
    list_filter = ["status", "audience", "regime"]
    search_fields = ["incident__reference", "rule_code"]


@admin.register(RuleVersion)
class RuleVersionAdmin(ReadOnlyAdmin):
    list_display = ["code", "version", "loaded_at"]
    search_fields = ["code"]


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
