"""Sending an approved notice to the people affected: create a send-out (campaign), import
the recipient list with its rejected-rows report, start it, watch its progress, retry the
failures. Every write is a notifications.campaigns service, as in the API."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from breachdesk.errors import DomainError
from breachdesk.timeutils import now_utc
from breachdesk.web.campaign_forms import ImportForm, NewCampaignForm, StartForm
from breachdesk.web.views.access import notice_or_404, workspace_view
from breachdesk.web.views.errors import Refused, attach, message_of
from notifications import delivery as states
from notifications.campaigns import selectors, services
from notifications.models import Campaign
from notifications.models import CampaignStatus as Status

#: Newest send-outs shown on the incident page and the notice editor (one progress query each).
SHOWN = 10
#: Rejected rows listed per import on the page; the API's import report has up to 10,000.
REJECTED_SHOWN = 100
STATE_LABELS = {
    states.QUEUED: "Waiting",
    states.SENDING: "Being handed over",
    states.SENT: "Sent (accepted by the provider)",
    states.DELIVERED: "Delivered (receipt)",
    states.BOUNCED: "Bounced",
    states.FAILED: "Failed",
    states.UNKNOWN: "Unknown (waiting for a receipt)",
}


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def progress_card(campaign: Campaign, now=None) -> dict:
    """The campaign with its progress (the API's `campaign_progress`) in words and numbers."""
    progress = selectors.campaign_progress(campaign, now=now)
    retryable = sum(progress.by_state[s] for s in states.RETRYABLE)
    return {
        "campaign": campaign,
        "progress": progress,
        "percent": progress.done * 100 // progress.total if progress.total else 0,
        "states": [
            {"state": s, "label": STATE_LABELS[s], "count": progress.by_state[s]}
            for s in states.STATES
        ],
        "rate": progress.rate_per_second,
        "eta": _duration(progress.eta_seconds) if progress.eta_seconds else "",
        "retryable": retryable,
    }


def progress_cards(campaigns) -> list[dict]:
    now = now_utc()
    return [progress_card(campaign, now) for campaign in campaigns[:SHOWN]]


def campaigns_of_notice(notice) -> list[dict]:
    rows = selectors.campaign_list(incident_id=notice.incident_id).filter(
        notice_version__notice_id=notice.pk
    )
    return progress_cards(rows)


def new_campaign_form(version, data=None) -> NewCampaignForm:
    return NewCampaignForm(data, languages=list(version.languages))


def _campaign(incident_pk: int, pk: int) -> Campaign:
    try:
        campaign = selectors.campaign_get(pk)
    except DomainError as exc:
        raise Http404("No such send-out.") from exc
    if campaign.incident_id != incident_pk:
        raise Http404("No such send-out on this incident.")
    return campaign


@require_POST
@workspace_view("notifications.add_campaign")
def campaign_new(request: HttpRequest, incident_pk: int, notice_pk: int) -> HttpResponse:
    notice = notice_or_404(incident_pk, notice_pk)
    version = notice.approved_version or notice.versions.order_by("-number").first()
    form = new_campaign_form(version, request.POST)
    if form.is_valid():
        try:
            campaign = services.campaign_create(
                incident_id=incident_pk,
                actor=request.user,
                notice_id=notice.pk,
                **form.cleaned_data,
            )
        except Refused as exc:
            messages.error(request, message_of(exc))
        else:
            messages.success(request, "Send-out created: import the recipient list next.")
            return redirect("web:campaign", incident_pk=incident_pk, pk=campaign.pk)
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("web:notice", incident_pk=incident_pk, pk=notice_pk)


def _page(
    request,
    campaign: Campaign,
    import_form: ImportForm | None = None,
    start_form: StartForm | None = None,
    status=200,
):
    user = request.user
    draft = campaign.status == Status.DRAFT
    can_start = draft and user.has_perm("notifications.send_campaign")
    imports = list(campaign.imports.all()[:10])
    for run in imports:
        run.rejected_shown = run.rejected_rows[:REJECTED_SHOWN]
    notice = campaign.notice_version.notice if campaign.notice_version_id else None
    return render(
        request,
        "web/campaign.html",
        {
            "campaign": campaign,
            "incident": campaign.incident,
            "notice": notice,
            "card": progress_card(campaign),
            "imports": imports,
            "rejected_shown": REJECTED_SHOWN,
            "import_form": (import_form or ImportForm())
            if draft and user.has_perm("notifications.add_campaign")
            else None,
            "can_start": can_start,
            "start_form": (start_form or StartForm()) if can_start else None,
            "overdue": selectors.campaign_duties_overdue(campaign) if can_start else [],
            "can_retry": user.has_perm("notifications.send_campaign"),
            "can_export": user.has_perm("notifications.export_letters"),
        },
        status=status,
    )


@workspace_view("notifications.view_campaign")
def campaign_page(request: HttpRequest, incident_pk: int, pk: int) -> HttpResponse:
    return _page(request, _campaign(incident_pk, pk))


@workspace_view("notifications.view_campaign")
def campaign_progress(request: HttpRequest, incident_pk: int, pk: int) -> HttpResponse:
    """The progress panel alone, polled by the page (static/web/app.js) while it sends."""
    campaign = _campaign(incident_pk, pk)
    response = render(request, "web/_campaign_progress.html", {"card": progress_card(campaign)})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@workspace_view("notifications.add_campaign")
def campaign_import(request: HttpRequest, incident_pk: int, pk: int) -> HttpResponse:
    campaign = _campaign(incident_pk, pk)
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            run = services.campaign_import_csv(
                campaign_id=pk, stream=upload.file, actor=request.user, filename=upload.name or ""
            )
        except Refused as exc:
            attach(form, exc)
        else:
            messages.success(
                request,
                f"{run.filename or 'List'} imported: {run.accepted} accepted, "
                f"{run.duplicates} duplicate(s) dropped, {run.rejected} rejected.",
            )
            return redirect("web:campaign", incident_pk=incident_pk, pk=pk)
    campaign.refresh_from_db()
    return _page(request, campaign, form, status=400)


@require_POST
@workspace_view("notifications.send_campaign")
def campaign_start(request: HttpRequest, incident_pk: int, pk: int) -> HttpResponse:
    campaign = _campaign(incident_pk, pk)
    form = StartForm(request.POST)
    if not form.is_valid():
        return _page(request, campaign, start_form=form, status=400)
    try:
        campaign = services.campaign_start(
            campaign_id=pk, actor=request.user, delay_reason=form.cleaned_data["delay_reason"]
        )
    except Refused as exc:
        if getattr(exc, "field", None) != "delay_reason":
            messages.error(request, message_of(exc))
            return redirect("web:campaign", incident_pk=incident_pk, pk=pk)
        attach(form, exc)  # keep what the DPO typed, with the error beside it
        return _page(request, campaign, start_form=form, status=400)
    messages.success(
        request,
        f"Sending started to {campaign.recipients_count} recipient(s) in the background.",
    )
    overdue = [] if campaign.delay_reason else selectors.campaign_duties_overdue(campaign)
    if overdue:
        messages.warning(
            request,
            f"{len(overdue)} duty(ies) it meets were past their deadline "
            f"({', '.join(o.rule_code for o in overdue)}) and no reason for the delay was "
            "given: they stay open until a DPO meets them by hand with the reason.",
        )
    return redirect("web:campaign", incident_pk=incident_pk, pk=pk)


@require_POST
@workspace_view("notifications.send_campaign")
def campaign_retry(request: HttpRequest, incident_pk: int, pk: int) -> HttpResponse:
    _campaign(incident_pk, pk)
    try:
        count = services.campaign_retry(campaign_id=pk, actor=request.user)
    except Refused as exc:
        messages.error(request, message_of(exc))
    else:
        messages.success(request, f"{count} delivery(ies) queued again.")
    return redirect("web:campaign", incident_pk=incident_pk, pk=pk)
