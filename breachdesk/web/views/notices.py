"""Notices to affected people: draft from the incident, edit the author's blocks per
language, see completeness and plain-language warnings, preview each channel, approve and
publish (DPO). The public page itself is served by notifications.notices."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from breachdesk.web.views import campaigns
from breachdesk.web.views.access import notice_or_404, workspace_view
from breachdesk.web.views.errors import Refused, message_of
from notifications.notices import selectors, services
from notifications.notices.document import AUTHOR_BLOCKS
from notifications.notices.render import public_url
from notifications.notices.render import render as render_notice


@require_POST
@workspace_view("notices.add_notice")
def notice_draft(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        drafted = services.notice_draft(incident_id=pk, actor=request.user)
    except Refused as exc:
        messages.error(request, message_of(exc))
        return redirect("web:incident", pk=pk)
    messages.success(request, f"{len(drafted)} notice draft(s) written from the facts.")
    return redirect("web:notice", incident_pk=pk, pk=drafted[0].pk)


@workspace_view("notices.view_notice")
def notice_editor(request: HttpRequest, incident_pk: int, pk: int) -> HttpResponse:
    notice = notice_or_404(incident_pk, pk)
    version = selectors.notice_current_version(notice)
    content = version.content
    lang = request.GET.get("lang") or content["default_language"]
    if lang not in content["languages"]:
        lang = content["default_language"]
    blocks = [
        {
            "code": code,
            "texts": [
                (language, content.get("blocks", {}).get(code, {}).get(language, ""))
                for language in content["languages"]
            ],
        }
        for code in AUTHOR_BLOCKS
        if code in content.get("elements", []) or code in content.get("blocks", {})
    ]
    email = render_notice(version, "email", lang)
    sms = render_notice(version, "sms", lang)
    return render(
        request,
        "web/notice.html",
        {
            "notice": notice,
            "incident": notice.incident,
            "version": version,
            "checks": version.checks,
            "blocks": blocks,
            "lang": lang,
            "email": email,
            "sms": sms,
            "public_url": public_url(version) if notice.published_at else "",
            "can_edit": request.user.has_perm("notices.change_notice"),
            "can_approve": request.user.has_perm("notices.approve_notice"),
            "campaigns": campaigns.campaigns_of_notice(notice),
            "campaign_form": campaigns.new_campaign_form(notice.approved_version)
            if notice.approved_version_id and request.user.has_perm("notifications.add_campaign")
            else None,
        },
    )


@require_POST
@workspace_view("notices.change_notice")
def notice_edit(request: HttpRequest, incident_pk: int, pk: int) -> HttpResponse:
    notice = notice_or_404(incident_pk, pk)
    version = selectors.notice_current_version(notice)
    blocks: dict[str, dict[str, str]] = {}
    for code in AUTHOR_BLOCKS:
        for language in version.content["languages"]:
            name = f"block-{code}-{language}"
            if name in request.POST:
                old = version.content.get("blocks", {}).get(code, {}).get(language, "")
                new = request.POST[name].strip()
                if new != old:
                    blocks.setdefault(code, {})[language] = new
    if not blocks:
        messages.success(request, "Nothing changed.")
        return redirect("web:notice", incident_pk=incident_pk, pk=pk)
    try:
        saved = services.notice_edit(
            notice_id=pk,
            actor=request.user,
            changes={"blocks": blocks},
            based_on=int(request.POST.get("based_on") or version.number),
        )
    except Refused as exc:
        messages.error(request, message_of(exc))
    else:
        messages.success(request, f"Saved as version {saved.number}.")
    return redirect("web:notice", incident_pk=incident_pk, pk=pk)


@require_POST
@workspace_view("notices.approve_notice")
def notice_approve(request: HttpRequest, incident_pk: int, pk: int) -> HttpResponse:
    notice_or_404(incident_pk, pk)
    try:
        version = services.notice_approve(
            notice_id=pk, actor=request.user, version=int(request.POST.get("version", 0))
        )
    except (*Refused, ValueError) as exc:
        messages.error(request, message_of(exc) if isinstance(exc, Refused) else str(exc))
    else:
        messages.success(request, f"Version {version.number} approved and frozen.")
    return redirect("web:notice", incident_pk=incident_pk, pk=pk)


@require_POST
@workspace_view("notices.approve_notice")
def notice_publish(request: HttpRequest, incident_pk: int, pk: int) -> HttpResponse:
    notice_or_404(incident_pk, pk)
    try:
        services.notice_publish(notice_id=pk, actor=request.user)
    except Refused as exc:
        messages.error(request, message_of(exc))
    else:
        messages.success(request, "Public page published.")
    return redirect("web:notice", incident_pk=incident_pk, pk=pk)
