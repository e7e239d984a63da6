"""Sign in (password, then a TOTP code for DPO and admin accounts), enrol, sign out, and
each person's display preferences."""

import time

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from breachdesk.web import twofactor
from breachdesk.web.forms import CodeForm, LoginForm, PreferenceForm
from breachdesk.web.models import UserPreference
from breachdesk.web.views.access import workspace_view

PENDING = "web_pending_login"
PENDING_SECONDS = 600


def _next_url(request: HttpRequest, fallback: str = "/") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or fallback
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def _finish(request: HttpRequest, user, device=None) -> HttpResponse:
    next_url = request.session.get(PENDING, {}).get("next") or _next_url(request)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if device is not None:
        otp_login(request, device)
    preference = UserPreference.objects.filter(user=user).first()
    request.session["web_time_zone"] = preference.time_zone if preference else "UTC"
    return redirect(next_url)


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
        )
        if user is None:
            error = "Wrong username or password."
        elif twofactor.second_factor_required(user):
            request.session.cycle_key()
            request.session[PENDING] = {
                "user": user.pk,
                "since": time.time(),
                "next": _next_url(request),
            }
            if twofactor.confirmed_device(user) is None:
                return redirect("web:enrol")
            return redirect("web:verify")
        else:
            return _finish(request, user)
    return render(
        request,
        "web/login.html",
        {"form": form, "error": error, "next": _next_url(request)},
        status=401 if error else 200,
    )


def _pending_user(request: HttpRequest):
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["since"] > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None
    return get_user_model().objects.filter(pk=pending["user"], is_active=True).first()


def _code_step(request: HttpRequest, user, device, template: str, extra: dict) -> HttpResponse:
    """Shared by verify and enrol: check the lockout, the code, then finish signing in."""
    credentials = {"username": user.get_username()}
    form = CodeForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        if AxesProxyHandler.is_locked(request, credentials):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            return HttpResponse(status=429)
        problem = twofactor.verify(device, form.cleaned_data["code"])
        if problem is None:
            if not device.confirmed:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            response = _finish(request, user, device)
            request.session.pop(PENDING, None)
            return response
        # Count a wrong code like a wrong password, so guessing codes locks the account too.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            return HttpResponse(status=429)
        error = problem
    return render(
        request,
        template,
        {"form": form, "error": error, "username": user.get_username(), **extra},
        status=401 if error else 200,
    )


def verify_view(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        return redirect("web:login")
    device = twofactor.confirmed_device(user)
    if device is None:
        return redirect("web:enrol")
    return _code_step(request, user, device, "web/verify.html", {})


def enrol_view(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        return redirect("web:login")
    if twofactor.confirmed_device(user) is not None:
        return redirect("web:verify")
    device = twofactor.enrolment_device(user)
    extra = {"secret": twofactor.secret_base32(device), "qr": twofactor.qr_svg(device)}
    return _code_step(request, user, device, "web/enrol.html", extra)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:login")


@workspace_view()
def account_view(request: HttpRequest) -> HttpResponse:
    preference, _ = UserPreference.objects.get_or_create(user=request.user)
    form = PreferenceForm(request.POST or None, instance=preference)
    saved = False
    if request.method == "POST" and form.is_valid():
        form.save()
        request.session["web_time_zone"] = preference.time_zone
        saved = True
    return render(
        request,
        "web/account.html",
        {
            "form": form,
            "saved": saved,
            "second_factor": twofactor.second_factor_required(request.user),
            "device": twofactor.confirmed_device(request.user),
            "admin_url": "/admin/",
            "settings_2fa_groups": settings.BREACHDESK_2FA_GROUPS,
        },
    )
