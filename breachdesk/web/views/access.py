"""Who may open a workspace page: signed in (with the second factor where required) and
holding the permission the matching API endpoint checks."""

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect

from breachdesk.errors import DomainError
from breachdesk.web.twofactor import is_fully_signed_in
from incidents import selectors
from incidents.models import Incident
from notifications.notices import selectors as notice_selectors
from notifications.notices.models import Notice


def incident_or_404(pk: int) -> Incident:
    try:
        return selectors.incident_get(pk)
    except Incident.DoesNotExist as exc:
        raise Http404("No such incident.") from exc


def notice_or_404(incident_pk: int, pk: int) -> Notice:
    try:
        notice = notice_selectors.notice_get(pk)
    except DomainError as exc:  # not_found
        raise Http404("No such notice.") from exc
    if notice.incident_id != incident_pk:
        raise Http404("No such notice on this incident.")
    return notice


def workspace_view(*perms: str):
    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not is_fully_signed_in(request):
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{settings.LOGIN_URL}?{query}")
            for perm in perms:
                if not request.user.has_perm(perm):
                    raise PermissionDenied(f"Your role lacks {perm}.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
