"""Who needs a second factor, and the TOTP devices behind it (django-otp).

DPO and admin accounts (and superusers) sign in with a password and a TOTP code. The
password step never logs anyone in: it parks the user id in the session until the code is
checked, so a half-signed-in session cannot reach the API or the admin. Their API tokens
count only when issued after a right code (`api_token_issue`, `api_token_accepted`).
"""

import base64
from datetime import datetime

import segno
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from breachdesk.timeutils import aware_utc, now_utc
from breachdesk.web.models import TokenVerification


def second_factor_required(user: AbstractBaseUser) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name__in=settings.BREACHDESK_2FA_GROUPS).exists()


def confirmed_device(user: AbstractBaseUser) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def enrolment_device(user: AbstractBaseUser) -> TOTPDevice:
    """The unconfirmed device shown on the enrolment page (created once, reused on reload)."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def secret_base32(device: TOTPDevice) -> str:
    """The shared secret as authenticator apps expect it when typed in by hand."""
    return base64.b32encode(device.bin_key).decode()


def qr_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", omitsize=False
    )


def verify(device: TOTPDevice, token: str) -> str | None:
    """None when the code is right, else why not (django-otp also slows down guessing:
    after a wrong code the device refuses codes for a doubling number of seconds)."""
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return "Too many wrong codes in a row: wait a few seconds and try again."
    token = "".join(token.split())
    if token.isdigit() and device.verify_token(token):
        return None
    return "That code is not valid. Check the time on your device and try again."


def is_fully_signed_in(request: HttpRequest) -> bool:
    user = request.user
    if not user.is_authenticated:
        return False
    if not second_factor_required(user):
        return True
    return user.is_verified() and user_has_device(user, confirmed=True)


def protect_admin() -> None:
    """The admin signs in through the workspace login (password, then code) and refuses a
    DPO or admin session that has not passed the second factor."""
    site = admin.site
    if getattr(site, "_breachdesk_otp", False):
        return
    plain_has_permission = site.has_permission

    def has_permission(request: HttpRequest) -> bool:
        return plain_has_permission(request) and is_fully_signed_in(request)

    site.has_permission = has_permission
    site._breachdesk_otp = True


@transaction.atomic
def api_token_issue(
    *, user: AbstractBaseUser, second_factor_verified: bool, now: datetime | None = None
) -> Token:
    """The user's API token. For an account that needs a second factor the caller has just
    checked a code (`second_factor_verified`): a token kept from before (issued without a
    code, or while the account needed none) is replaced by a new key, so a key that was
    handed out on a password alone never gains the second factor's weight."""
    if not second_factor_required(user):
        return Token.objects.get_or_create(user=user)[0]
    if not second_factor_verified:
        raise ValueError("this account needs a verified second factor for an API token")
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and TokenVerification.objects.filter(token=token).exists():
        return token
    if token is not None:
        token.delete()
    token = Token.objects.create(user=user)
    TokenVerification.objects.create(token=token, verified_at=aware_utc(now or now_utc()))
    return token


def api_token_accepted(token: Token) -> bool:
    """Whether a token may act for its user now: always for accounts without a second
    factor; for the others only when it was issued after a right code. Checked on every
    request, so a role given later by any path (admin, script, superuser flag) counts."""
    if not second_factor_required(token.user):
        return True
    return TokenVerification.objects.filter(token=token).exists()
