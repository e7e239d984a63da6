"""Workspace fixtures: people signed in through the real login (password, then TOTP), the
clock the page tests stand at, and an assessed high-risk breach."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents.services.assessments import assessment_compute
from incidents.services.incidents import incident_create
from incidents.services.lifecycle import incident_transition
from tests.conftest import ROLES, utc

NOW = utc(2026, 3, 10, 9, 0)


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


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def high_risk(users, org, clock):
    """Patient records exfiltrated, assessed: authority and individuals' duties, notices."""
    incident = incident_create(
        actor=users["analyst"],
        data={
            "title": "Patient records exfiltrated",
            "summary": "An attacker copied the patient database.",
            "aware_at": NOW - timedelta(hours=10),
            "aware_basis": "Forensics confirmed the copy.",
            "countries": ["DE"],
            "subjects_count": 1200,
            "breach_types": ["confidentiality"],
            "cause": "malicious_external",
            "data_categories": ["identity", "health"],
            "subject_categories": ["patients"],
            "identifiability": "direct",
            "exposure": "exfiltrated",
            "data_protection": "none",
        },
        now=NOW - timedelta(hours=9),
    )
    incident_transition(incident_id=incident.pk, actor=users["analyst"], to="assessing")
    assessment_compute(incident_id=incident.pk, actor=users["analyst"])
    return incident
