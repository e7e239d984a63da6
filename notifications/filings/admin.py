"""Admin for filings: draft, edit and submit through the same services as the API."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from breachdesk.admin import ReadOnlyAdmin
from breachdesk.errors import DomainError
from incidents.models import Incident, Obligation
from notifications.filings import render, services
from notifications.filings.models import (
    Correspondence,
    Filing,
    FilingChannel,
    FilingStatus,
    FilingVersion,
)
from notifications.filings.selectors import filing_content


class DraftForm(forms.Form):
    incident = forms.ModelChoiceField(queryset=Incident.objects.active())
    obligation = forms.ModelChoiceField(queryset=Obligation.objects.select_related("incident"))
    phase = forms.CharField(max_length=32, help_text="e.g. initial, follow_up, final")
    language = forms.CharField(max_length=8, required=False, help_text="en, de, fr, nb, el")


class EditForm(forms.Form):
    content = forms.JSONField(
        help_text="Element code -> value; only the elements you change are needed."
    )
    follow_up_by = forms.DateTimeField(
        required=False, help_text="ISO 8601 with offset, e.g. 2026-05-10T12:00:00Z"
    )


class SubmitForm(forms.Form):
    submitted_at = forms.DateTimeField(help_text="ISO 8601 with offset, e.g. 2026-05-05T10:00Z")
    channel = forms.ChoiceField(choices=FilingChannel.choices)
    authority_reference = forms.CharField(max_length=200, required=False)
    reasons_for_delay = forms.CharField(widget=forms.Textarea, required=False)


class FilingVersionInline(admin.TabularInline):
    model = FilingVersion
    fields = ["version", "content_hash", "created_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Filing)
class FilingAdmin(ReadOnlyAdmin):
    list_display = [
        "incident",
        "regime",
        "phase",
        "recipient",
        "status",
        "version",
        "submitted_at",
        "late",
    ]
    list_filter = ["status", "regime", "phase", "late"]
    search_fields = ["incident__reference", "recipient", "authority_reference"]
    inlines = [FilingVersionInline]
    fields = [
        "incident",
        "obligation",
        "regime",
        "phase",
        "recipient",
        "language",
        "status",
        "version",
        "follow_up_by",
        "submitted_at",
        "submitted_by",
        "channel",
        "authority_reference",
        "late",
        "late_by_seconds",
        "met_obligations",
        "snapshot_hash",
        "audit_seq",
        "content_display",
        "actions_display",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return request.user.has_perm("filings.add_filing")

    @admin.display(description="Content")
    def content_display(self, obj: Filing) -> str:
        text = json.dumps(filing_content(obj), indent=2, ensure_ascii=False)
        return format_html("<pre style='white-space:pre-wrap'>{}</pre>", text)

    @admin.display(description="Actions")
    def actions_display(self, obj: Filing) -> str:
        pdf = reverse("admin:filings_filing_pdf", args=[obj.pk])
        if obj.status != FilingStatus.DRAFT:
            return format_html('<a href="{}">PDF</a>', pdf)
        if obj.obligation.party_id is not None:
            return format_html(
                '<a href="{}">Edit content</a> · <a href="{}">Send to the customer</a> · '
                '<a href="{}">PDF</a>',
                reverse("admin:filings_filing_edit", args=[obj.pk]),
                reverse("admin:filings_filing_send", args=[obj.pk]),
                pdf,
            )
        return format_html(
            '<a href="{}">Edit content</a> · <a href="{}">Submit</a> · <a href="{}">PDF</a>',
            reverse("admin:filings_filing_edit", args=[obj.pk]),
            reverse("admin:filings_filing_submit", args=[obj.pk]),
            pdf,
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/edit/", wrap(self.edit_view), name="filings_filing_edit"),
            path("<int:pk>/submit/", wrap(self.submit_view), name="filings_filing_submit"),
            path("<int:pk>/pdf/", wrap(self.pdf_view), name="filings_filing_pdf"),
            path("<int:pk>/send/", wrap(self.send_view), name="filings_filing_send"),
            *super().get_urls(),
        ]

    def _page(self, request, form, *, title, button, intro="", completeness=None):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "button": button,
            "intro": intro,
            "completeness": completeness,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/filings/form.html", context)

    def _done(self, request, filing: Filing, text: str):
        self.message_user(request, text, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:filings_filing_change", args=[filing.pk]))

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = DraftForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                filing = services.filing_create(
                    incident_id=form.cleaned_data["incident"].pk,
                    obligation_id=form.cleaned_data["obligation"].pk,
                    phase=form.cleaned_data["phase"],
                    language=form.cleaned_data["language"] or None,
                    actor=request.user,
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return self._done(request, filing, "Draft created from the incident record.")
        return self._page(request, form, title="Draft a filing", button="Create draft")

    def edit_view(self, request, pk: int):
        if not request.user.has_perm("filings.change_filing"):
            raise PermissionDenied
        filing = get_object_or_404(Filing, pk=pk)
        form = EditForm(request.POST or None, initial={"content": filing_content(filing)})
        if request.method == "POST" and form.is_valid():
            try:
                filing = services.filing_update(
                    filing_id=pk,
                    actor=request.user,
                    content=form.cleaned_data["content"],
                    follow_up_by=form.cleaned_data["follow_up_by"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                return self._done(request, filing, f"Saved as version {filing.version}.")
        return self._page(
            request,
            form,
            title=f"Edit {filing}",
            button="Save new version",
            completeness=services.filing_check(filing).to_dict(),
        )

    def submit_view(self, request, pk: int):
        if not request.user.has_perm("filings.submit_filing"):
            raise PermissionDenied
        filing = get_object_or_404(Filing, pk=pk)
        form = SubmitForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                filing = services.filing_submit(
                    filing_id=pk, actor=request.user, **form.cleaned_data
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                return self._done(request, filing, "Submitted: snapshot frozen and audited.")
        return self._page(
            request,
            form,
            title=f"Mark {filing} submitted",
            button="Mark submitted",
            intro="Record how and when the filing was made. This freezes exactly what was filed.",
            completeness=services.filing_check(filing).to_dict(),
        )

    def send_view(self, request, pk: int):
        if not request.user.has_perm("filings.submit_filing"):
            raise PermissionDenied
        filing = get_object_or_404(Filing, pk=pk)
        form = forms.Form(request.POST or None)
        if request.method == "POST":
            try:
                filing = services.filing_send(filing_id=pk, actor=request.user)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                return self._done(request, filing, "Sent to the customer; duties met.")
        return self._page(
            request,
            form,
            title=f"Send {filing} to the customer",
            button="Send",
            intro=f"The notice goes by e-mail to {filing.obligation.party.email or '(no e-mail)'}"
            " through the outbound layer; its delivery proof meets the customer's duties.",
            completeness=services.filing_check(filing).to_dict(),
        )

    def pdf_view(self, request, pk: int):
        if not request.user.has_perm("filings.view_filing"):
            raise PermissionDenied
        filing = get_object_or_404(Filing, pk=pk)
        return HttpResponse(render.pdf(render.document(filing)), content_type="application/pdf")


@admin.register(Correspondence)
class CorrespondenceAdmin(ReadOnlyAdmin):
    list_display = ["incident", "occurred_at", "direction", "kind", "subject", "answer_due_at"]
    list_filter = ["direction", "kind"]
    search_fields = ["incident__reference", "subject", "authority_reference"]
