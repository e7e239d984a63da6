"""Log an incident, and the incident page: facts, timeline, alerts, assessment,
obligations, comments and the status moves the person may make."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from breachdesk.errors import DomainError
from breachdesk.timeutils import now_utc
from breachdesk.web.filing_forms import NewFilingForm
from breachdesk.web.incident_forms import (
    CommentForm,
    IncidentFactsForm,
    NewIncidentForm,
    TransitionForm,
)
from breachdesk.web.views import campaigns
from breachdesk.web.views.access import incident_or_404 as _incident
from breachdesk.web.views.access import workspace_view
from breachdesk.web.views.errors import Refused, attach, message_of
from breachdesk.web.views.filings import filing_targets
from incidents import selectors
from incidents.models import Incident
from incidents.services import incidents as incident_services
from incidents.services import lifecycle
from incidents.status import ACTIONS
from notifications.campaigns import selectors as campaign_selectors
from notifications.filings import selectors as filing_selectors
from notifications.notices import selectors as notice_selectors


def status_moves(incident: Incident, user) -> list[dict]:
    """The moves this person may make now: the lifecycle's actions from the current status
    that their role permits, each with what it still needs (its preconditions) if anything.
    The same action, permission and precondition code the API and the admin run."""
    moves = []
    for action in ACTIONS:
        if incident.status not in action.sources or not lifecycle.action_permitted(user, action):
            continue
        blocked = ""
        for check in lifecycle.PRECONDITIONS.get(action.name, ()):
            try:
                check(incident, action)
            except DomainError as exc:
                blocked = exc.message
                break
        moves.append(
            {
                "to": action.target,
                "label": action.label,
                "needs_reason": action.reason_required,
                "blocked": blocked,
            }
        )
    return moves


@workspace_view("incidents.add_incident")
def incident_new(request: HttpRequest) -> HttpResponse:
    form = NewIncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "", [])}
        try:
            incident = incident_services.incident_create(actor=request.user, data=data)
        except Refused as exc:
            attach(form, exc)
        else:
            messages.success(request, f"{incident.reference} recorded.")
            return redirect("web:incident", pk=incident.pk)
    return render(request, "web/incident_new.html", {"form": form})


def _notices_with_campaigns(incident: Incident) -> list[dict]:
    """Each notice with its newest send-outs and their delivery progress."""
    cards = campaigns.progress_cards(
        campaign_selectors.campaign_list(incident_id=incident.pk)
        .filter(notice_version__isnull=False)
        .select_related("notice_version")
    )
    return [
        {
            "notice": notice,
            "campaigns": [
                card
                for card in cards
                if card["campaign"].notice_version_id
                and card["campaign"].notice_version.notice_id == notice.pk
            ],
        }
        for notice in notice_selectors.notices_of_incident(incident.pk)
    ]


def _facts_initial(incident: Incident) -> dict:
    return {name: getattr(incident, name, "") for name in IncidentFactsForm.base_fields}


def _page(request: HttpRequest, incident: Incident, facts_form: IncidentFactsForm, status=200):
    now = now_utc()
    assessment = selectors.incident_current_assessment(incident)
    return render(
        request,
        "web/incident.html",
        {
            "incident": incident,
            "now": now,
            "facts_form": facts_form,
            "can_edit": request.user.has_perm("incidents.change_incident"),
            "can_assess": request.user.has_perm("incidents.assess_incident"),
            "can_comment": request.user.has_perm("incidents.triage_incident"),
            "timeline": selectors.incident_timeline(incident),
            "alerts": incident.alerts.order_by("-last_seen_at", "-id")[:50],
            "assessment": assessment,
            "assessment_stale": selectors.incident_assessment_stale(incident),
            "obligations": selectors.obligations_of(incident),
            "moves": status_moves(incident, request.user),
            "transition_form": TransitionForm(),
            "comment_form": CommentForm(),
            "filings": filing_selectors.filings_of(incident),
            "notices": _notices_with_campaigns(incident),
            "can_draft_notice": request.user.has_perm("notices.add_notice"),
            "filing_form": NewFilingForm(choices=filing_targets(incident))
            if request.user.has_perm("filings.add_filing")
            else None,
        },
        status=status,
    )


@workspace_view("incidents.view_incident")
def incident_page(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(pk)
    return _page(request, incident, IncidentFactsForm(initial=_facts_initial(incident)))


@require_POST
@workspace_view("incidents.change_incident")
def incident_facts(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(pk)
    form = IncidentFactsForm(request.POST, initial=_facts_initial(incident))
    if form.is_valid():
        changes = {
            name: form.cleaned_data[name] for name in form.changed_data if name != "aware_at_reason"
        }
        try:
            incident_services.incident_update(
                incident_id=pk,
                actor=request.user,
                changes=changes,
                aware_at_reason=form.cleaned_data["aware_at_reason"],
            )
        except Refused as exc:
            attach(form, exc)
        else:
            messages.success(request, "Facts saved." if changes else "Nothing changed.")
            return redirect("web:incident", pk=pk)
    return _page(request, incident, form, status=400)


@require_POST
@workspace_view("incidents.view_incident")
def incident_transition(request: HttpRequest, pk: int) -> HttpResponse:
    _incident(pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a status move.")
        return redirect("web:incident", pk=pk)
    try:  # the action checks the permission for this move and its preconditions
        incident = lifecycle.incident_transition(
            incident_id=pk,
            actor=request.user,
            to=form.cleaned_data["to"],
            comment=form.cleaned_data["comment"],
        )
    except Refused as exc:
        messages.error(request, message_of(exc))
    else:
        messages.success(request, f"Moved to “{incident.get_status_display()}”.")
    return redirect("web:incident", pk=pk)


@require_POST
@workspace_view("incidents.triage_incident")
def incident_comment(request: HttpRequest, pk: int) -> HttpResponse:
    _incident(pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            incident_services.incident_comment(
                incident_id=pk, actor=request.user, text=form.cleaned_data["text"]
            )
        except Refused as exc:
            messages.error(request, message_of(exc))
        else:
            messages.success(request, "Comment added.")
    else:
        messages.error(request, "A comment needs some text.")
    return redirect(f"/incidents/{pk}/#comments")
