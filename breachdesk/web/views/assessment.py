"""The assessment wizard: the risk facts as plain questions, one step at a time, with the
engine's answer shown as they change; then the recorded assessment or a DPO override."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from breachdesk.web.incident_forms import WIZARD_STEPS, OverrideForm
from breachdesk.web.views.access import incident_or_404 as _incident
from breachdesk.web.views.access import workspace_view
from breachdesk.web.views.errors import Refused, attach, message_of
from incidents import selectors
from incidents.services import assessments as assessment_services
from incidents.services import incidents as incident_services


def _step_form(step: int):
    if not 1 <= step <= len(WIZARD_STEPS):
        raise Http404("No such step.")
    return WIZARD_STEPS[step - 1]


def _initial(incident, form_class) -> dict:
    values = {}
    for name in form_class.base_fields:
        value = getattr(incident, name)
        values[name] = (
            {True: "true", False: "false"}.get(value, value) if isinstance(value, bool) else value
        )
    return values


def _outcome(incident, changes: dict):
    saved = assessment_services.assessment_preview(incident=incident, changes={})
    draft = assessment_services.assessment_preview(incident=incident, changes=changes)
    return {"saved": saved, "draft": draft, "moved": saved.risk_level != draft.risk_level}


def _steps(current: int) -> list[dict]:
    return [
        {"number": i, "title": form.title, "current": i == current}
        for i, form in enumerate(WIZARD_STEPS, start=1)
    ]


@workspace_view("incidents.assess_incident")
def wizard_step(request: HttpRequest, pk: int, step: int) -> HttpResponse:
    incident = _incident(pk)
    form_class = _step_form(step)
    initial = _initial(incident, form_class)
    form = form_class(request.POST or None, initial=initial, prefix="q")
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            if changes:
                incident_services.incident_update(
                    incident_id=pk, actor=request.user, changes=changes
                )
        except Refused as exc:
            attach(form, exc)
        else:
            if step < len(WIZARD_STEPS):
                return redirect("web:wizard", pk=pk, step=step + 1)
            return redirect("web:wizard-review", pk=pk)
    changes = {}
    if form.is_bound and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
    return render(
        request,
        "web/wizard_step.html",
        {
            "incident": incident,
            "form": form,
            "step": step,
            "steps": _steps(step),
            "total": len(WIZARD_STEPS),
            "outcome": _outcome(incident, changes),
            "step_fields": list(form_class.base_fields),
        },
        status=400 if form.is_bound else 200,
    )


@require_POST
@workspace_view("incidents.assess_incident")
def wizard_preview(request: HttpRequest, pk: int, step: int) -> HttpResponse:
    """The outcome if the answers on screen were saved (fetched by app.js as they change)."""
    incident = _incident(pk)
    form_class = _step_form(step)
    form = form_class(request.POST, initial=_initial(incident, form_class), prefix="q")
    changes = {}
    if form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
    try:
        outcome = _outcome(incident, changes)
    except Refused as exc:
        return HttpResponse(message_of(exc), status=400)
    return render(
        request,
        "web/_outcome.html",
        {"outcome": outcome, "step_fields": list(form_class.base_fields)},
    )


def _review(request: HttpRequest, incident, form: OverrideForm, status: int = 200):
    return render(
        request,
        "web/wizard_review.html",
        {
            "incident": incident,
            "steps": _steps(len(WIZARD_STEPS) + 1),
            "outcome": _outcome(incident, {}),
            "assessment": selectors.incident_current_assessment(incident),
            "stale": selectors.incident_assessment_stale(incident),
            "override_form": form,
            "can_override": request.user.has_perm("incidents.override_assessment"),
        },
        status=status,
    )


@workspace_view("incidents.assess_incident")
def wizard_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _review(request, _incident(pk), OverrideForm())


@require_POST
@workspace_view("incidents.assess_incident")
def assessment_record(request: HttpRequest, pk: int) -> HttpResponse:
    _incident(pk)
    try:
        assessment = assessment_services.assessment_compute(incident_id=pk, actor=request.user)
    except Refused as exc:
        messages.error(request, message_of(exc))
        return redirect("web:wizard-review", pk=pk)
    messages.success(
        request,
        f"Assessment v{assessment.version} recorded: {assessment.risk_level.replace('_', ' ')}.",
    )
    return redirect("web:incident", pk=pk)


@require_POST
@workspace_view("incidents.override_assessment")
def assessment_override(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(pk)
    form = OverrideForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        data["communication_mode"] = data["communication_mode"] or None
        try:
            assessment = assessment_services.assessment_override(
                incident_id=pk, actor=request.user, **data
            )
        except Refused as exc:
            attach(form, exc)
        else:
            messages.success(request, f"Override recorded as assessment v{assessment.version}.")
            return redirect("web:incident", pk=pk)
    return _review(request, incident, form, status=400)
