"""Admin: integrations are created and re-keyed through the services (tokens shown once);
alerts are evidence, so they are read-only here (attach/detach through the API)."""

import json

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html

from breachdesk.admin import ReadOnlyAdmin
from incidents.intake import selectors, services
from incidents.intake.models import Alert, IdempotencyRecord, Integration

# What an integration's form edits (its token and secret have their own actions).
SETTINGS_FIELDS = [
    "name",
    "source",
    "rate_limit_per_minute",
    "group_by",
    "group_window_minutes",
    "propose_awareness",
    "is_active",
]


class IntegrationForm(forms.ModelForm):
    with_signing_secret = forms.BooleanField(
        required=False,
        label="Generate a signing secret",
        help_text="Requests must then carry an HMAC signature. Shown once after saving.",
    )
    new_signing_secret = forms.CharField(
        required=False,
        strip=True,
        widget=forms.PasswordInput,
        label="Set a signing secret",
        help_text="Paste the tool's own secret (e.g. Sentry's Client Secret); requests must "
        "then be signed with it. Leave empty to keep the current one.",
    )

    def clean_new_signing_secret(self) -> str:
        secret = self.cleaned_data.get("new_signing_secret", "")
        if secret and not 16 <= len(secret) <= 200:
            raise forms.ValidationError("A signing secret has 16 to 200 characters.")
        return secret

    class Meta:
        model = Integration
        fields = SETTINGS_FIELDS


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    form = IntegrationForm
    list_display = [
        "name",
        "source",
        "token_prefix",
        "signed",
        "rate_limit_per_minute",
        "group_window_minutes",
        "is_active",
        "token_rotated_at",
    ]
    list_filter = ["source", "is_active"]
    search_fields = ["name", "token_prefix"]
    readonly_fields = ["token_prefix", "signed", "created_at", "token_rotated_at"]
    actions = ["rotate_token", "generate_signing_secret", "remove_signing_secret"]

    @admin.display(boolean=True, description="Signed")
    def signed(self, obj: Integration) -> bool:
        return bool(obj.signing_secret)

    def get_fields(self, request, obj=None):
        fields = SETTINGS_FIELDS
        if obj is None:
            return [*fields, "with_signing_secret"]
        return [
            *fields,
            "new_signing_secret",
            "token_prefix",
            "signed",
            "created_at",
            "token_rotated_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "name"] if obj else []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # alerts keep pointing at it; deactivate instead

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.integration_update(
                integration_id=obj.pk,
                actor=request.user,
                changes={
                    k: data[k]
                    for k in form.changed_data
                    if k not in ("with_signing_secret", "new_signing_secret")
                },
            )
            if data.get("new_signing_secret"):
                services.integration_set_signing_secret(
                    integration_id=obj.pk, secret=data["new_signing_secret"], actor=request.user
                )
            return
        issued = services.integration_create(
            name=data["name"],
            source=data["source"],
            actor=request.user,
            rate_limit_per_minute=data["rate_limit_per_minute"],
            group_by=data["group_by"],
            group_window_minutes=data["group_window_minutes"],
            propose_awareness=data["propose_awareness"],
            with_signing_secret=data.get("with_signing_secret", False),
        )
        obj.pk = issued.integration.pk
        obj.token_prefix, obj.token_hash = issued.integration.token_prefix, "-"
        self._show_once(request, issued)

    def _show_once(self, request, issued: services.IssuedIntegration) -> None:
        if issued.token:
            messages.warning(
                request,
                format_html(
                    "Token for <b>{}</b> (copy it now, it is not shown again): <code>{}</code>",
                    issued.integration.name,
                    issued.token,
                ),
            )
        if issued.signing_secret:
            messages.warning(
                request,
                format_html(
                    "Signing secret for <b>{}</b> (shown once): <code>{}</code>",
                    issued.integration.name,
                    issued.signing_secret,
                ),
            )

    @admin.action(description="Rotate token (the old one stops working)")
    def rotate_token(self, request, queryset):
        for integration in queryset:
            self._show_once(
                request,
                services.integration_rotate_token(
                    integration_id=integration.pk, actor=request.user
                ),
            )

    @admin.action(description="Generate a new signing secret")
    def generate_signing_secret(self, request, queryset):
        for integration in queryset:
            self._show_once(
                request,
                services.integration_set_signing_secret(
                    integration_id=integration.pk, generate=True, actor=request.user
                ),
            )

    @admin.action(description="Remove the signing secret (signatures no longer required)")
    def remove_signing_secret(self, request, queryset):
        for integration in queryset:
            services.integration_set_signing_secret(
                integration_id=integration.pk, generate=False, actor=request.user
            )


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "title",
        "source",
        "integration",
        "severity",
        "status",
        "occurrences",
        "incident",
        "last_seen_at",
    ]
    list_filter = ["source", "status", "severity", "integration"]
    search_fields = ["title", "dedup_key", "external_id"]
    list_select_related = ["integration", "incident"]
    date_hierarchy = "last_seen_at"
    readonly_fields = ["kept_payloads"]

    @admin.display(description="Raw payloads (most recent last)")
    def kept_payloads(self, obj: Alert) -> str:
        payloads = selectors.alert_payloads(obj)
        return format_html("<pre>{}</pre>", json.dumps(payloads, indent=2)[:200_000])


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    list_display = ["key", "integration", "status_code", "created_at"]
    list_filter = ["integration"]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Stored replies may be pruned by hand (they are a cache, not evidence).
        return admin.ModelAdmin.has_delete_permission(self, request, obj)
