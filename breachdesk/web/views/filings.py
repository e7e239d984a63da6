"""Authority filings: draft one for an obligation and phase, edit its text elements with the
completeness checklist, preview, and record the submission."""

from typing import Any

from django.contrib import messages
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from breachdesk.web.filing_forms import FollowUpForm, NewFilingForm, SubmitFilingForm
from breachdesk.web.views.access import incident_or_404 as _incident
from breachdesk.web.views.access import workspace_view
from breachdesk.web.views.errors import Refused, attach, message_of
from incidents.models import Incident
from incidents.models.obligation import OPEN_OBLIGATION_STATUSES
from incidents.rules import phases as phase_rules
from notifications.filings import content as filing_content
from notifications.filings import labels, selectors, services
from notifications.filings.models import Filing, FilingStatus


def filing_targets(incident: Incident) -> list[tuple[str, str]]:
    """Every (open authority obligation, phase of its regime) a filing can be drafted for."""
    choices = []
    for obligation in incident.obligations.filter(
        audience__in=filing_content.FILING_AUDIENCES, status__in=OPEN_OBLIGATION_STATUSES
    ).order_by(F("due_at").asc(nulls_last=True), "id"):
        regime = phase_rules.regime_for_rule(obligation.rule_code)
        for phase in regime.phases:
            choices.append(
                (f"{obligation.pk}:{phase.code}", f"{obligation.recipient} — {phase.label}")
            )
    return choices


def _filing(pk: int) -> Filing:
    try:
        return selectors.filing_get(pk)
    except Filing.DoesNotExist as exc:
        raise Http404("No such filing.") from exc


def _elements(filing: Filing, content: dict[str, Any]) -> list[dict[str, Any]]:
    """The phase's elements in order: required first, with label, citation and value."""
    _regime, spec = selectors.filing_regime_phase(filing.obligation, filing.phase)
    rows = []
    known = {**spec.elements, **spec.recommended}
    if spec.incomplete_allowed:
        known.setdefault(phase_rules.TO_FOLLOW_ELEMENT, spec.citation)
    for code in [*known, *(c for c in content if c not in known)]:
        value = content.get(code)
        rows.append(
            {
                "code": code,
                "label": labels.element(code, "en"),
                "citation": known.get(code, ""),
                "required": code in spec.elements,
                "value": value,
                "editable": value is None or isinstance(value, str),
            }
        )
    return rows


def _page(request: HttpRequest, filing: Filing, submit_form=None, status: int = 200):
    content = selectors.filing_content(filing)
    draft = filing.status == FilingStatus.DRAFT
    return render(
        request,
        "web/filing.html",
        {
            "filing": filing,
            "incident": filing.incident,
            "elements": _elements(filing, content),
            "check": services.filing_check(filing) if draft else None,
            "changes": selectors.filing_changes(filing),
            "draft": draft,
            "can_edit": draft and request.user.has_perm("filings.change_filing"),
            "can_submit": draft and request.user.has_perm("filings.submit_filing"),
            "submit_form": submit_form or SubmitFilingForm(),
            "follow_up_form": FollowUpForm(initial={"follow_up_by": filing.follow_up_by}),
            "incomplete_allowed": selectors.filing_regime_phase(filing.obligation, filing.phase)[
                1
            ].incomplete_allowed,
        },
        status=status,
    )


@require_POST
@workspace_view("filings.add_filing")
def filing_new(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(pk)
    form = NewFilingForm(request.POST, choices=filing_targets(incident))
    if not form.is_valid():
        messages.error(request, "Choose an obligation and a phase.")
        return redirect("web:incident", pk=pk)
    obligation, phase = form.target_values()
    try:
        filing = services.filing_create(
            incident_id=pk, obligation_id=obligation, phase=phase, actor=request.user
        )
    except Refused as exc:
        messages.error(request, message_of(exc))
        return redirect("web:incident", pk=pk)
    messages.success(request, "Draft created from the incident's facts.")
    return redirect("web:filing", pk=filing.pk)


@workspace_view("filings.view_filing")
def filing_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _filing(pk))


@require_POST
@workspace_view("filings.change_filing")
def filing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    filing = _filing(pk)
    content = selectors.filing_content(filing)
    changes = {}
    for row in _elements(filing, content):
        name = f"el-{row['code']}"
        if row["editable"] and name in request.POST:
            value = request.POST[name].strip() or None
            if value != content.get(row["code"]):
                changes[row["code"]] = value
    follow_up = FollowUpForm(request.POST)
    follow_up_by = follow_up.cleaned_data["follow_up_by"] if follow_up.is_valid() else None
    if follow_up_by == filing.follow_up_by:
        follow_up_by = None
    try:
        if changes or follow_up_by:
            services.filing_update(
                filing_id=pk, actor=request.user, content=changes, follow_up_by=follow_up_by
            )
    except Refused as exc:
        messages.error(request, message_of(exc))
    else:
        saved = changes or follow_up_by
        messages.success(request, "Draft saved." if saved else "Nothing changed.")
    return redirect("web:filing", pk=pk)


@require_POST
@workspace_view("filings.submit_filing")
def filing_submit(request: HttpRequest, pk: int) -> HttpResponse:
    _filing(pk)
    form = SubmitFilingForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        data["reasons_for_delay"] = data["reasons_for_delay"] or None
        try:
            services.filing_submit(filing_id=pk, actor=request.user, **data)
        except Refused as exc:
            attach(form, exc)
        else:
            messages.success(request, "Submission recorded; the filing is frozen.")
            return redirect("web:filing", pk=pk)
    return _page(request, _filing(pk), form, status=400)
