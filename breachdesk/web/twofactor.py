"""Who needs a second factor, and the TOTP devices behind it (django-otp).

DPO and admin accounts (and superusers) sign in with a password and a TOTP code. The
password step never logs anyone in: it parks the user id in the session until the code is
checked, so a half-signed-in session cannot reach the API or the admin.
"""

import base64

import segno
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice


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
