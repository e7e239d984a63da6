"""Workspace fixtures: people signed in through the real login (password, then TOTP)."""

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import ROLES


def current_code(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def sign_in(client: Client, user, password: str | None = None) -> Client:
    password = password or "pw-" + user.username
    response = client.post("/login/", {"username": user.username, "password": password})
    assert response.status_code == 302, response.content[:500]
    if response["Location"].endswith("/login/verify/"):
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        response = client.post("/login/verify/", {"code": current_code(device)})
        assert response.status_code == 302
    assert response["Location"] == "/"
    return client


@pytest.fixture
def devices(users) -> dict[str, TOTPDevice]:
    """A confirmed authenticator for the roles that need one."""
    return {
        role: TOTPDevice.objects.create(user=users[role], name="phone", confirmed=True)
        for role in ("dpo", "admin")
    }


@pytest.fixture
def web(users, devices) -> dict[str, Client]:
    return {role: sign_in(Client(), users[role]) for role in ROLES}
