"""Shared fixtures: one user per role, API clients, an organisation profile."""

import sys
from collections import Counter
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from breachdesk.web.twofactor import api_token_issue
from incidents.models import Organization

ROLES = ("admin", "dpo", "analyst", "viewer")


def make_user(role: str, username: str | None = None):
    user = get_user_model().objects.create_user(
        username=username or role, password="pw-" + role, email=f"{role}@example.test"
    )
    user.groups.set([Group.objects.get(name=role)])
    return user


def sign_in_verified(client, user):
    """force_login plus a verified TOTP device, as the workspace login leaves a DPO or admin
    session (the admin refuses those roles without the second factor)."""
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test phone", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def users(db) -> dict:
    return {role: make_user(role) for role in ROLES}


@pytest.fixture
def dpo(users):
    return users["dpo"]


@pytest.fixture
def analyst(users):
    return users["analyst"]


def token_for(user) -> str:
    """The user's API token as `POST /api/v1/auth/token/` issues it (with a right TOTP code
    for the accounts that need one: tests/api/test_token_second_factor.py covers that step)."""
    return api_token_issue(user=user, second_factor_verified=True).key


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


@pytest.fixture
def api(users) -> dict[str, APIClient]:
    clients = {role: client_for(user) for role, user in users.items()}
    clients["anonymous"] = APIClient()
    return clients


@pytest.fixture
def org(db) -> Organization:
    return Organization.objects.create(
        legal_name="Example GmbH",
        role="controller",
        country="DE",
        lead_authority="DE-BE",
        dpo_name="Dana DPO",
        dpo_email="dpo@example.test",
        dpo_phone="+4930123456",
        sectors=[],
        languages=["de", "en"],
    )


# How a duty was met: every meet needs evidence (channel, recipient, reference or document).
EVIDENCE = {"channel": "web_form", "recipient": "Supervisory authority", "reference": "case 2026-1"}


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def pytest_terminal_summary(terminalreporter):
    """The schemathesis run's counts (issue 10's done-when), when it ran."""
    fuzz = sys.modules.get("tests.test_schemathesis")
    if fuzz is None or not fuzz.OPERATIONS:
        return
    examples = fuzz.OPERATIONS.values()
    callers = sorted({caller for caller, _ in fuzz.REQUESTS})
    terminalreporter.write_sep("-", "schemathesis")
    terminalreporter.write_line(
        f"{len(fuzz.OPERATIONS)} operations, {min(examples)}-{max(examples)} examples each "
        f"({sum(examples)} in all), {len(callers)} callers ({', '.join(callers)}), "
        f"{sum(fuzz.REQUESTS.values())} requests"
    )
    by_class = Counter()
    for (_, status_class), count in fuzz.REQUESTS.items():
        by_class[status_class] += count
    terminalreporter.write_line(
        "responses: " + ", ".join(f"{k} {v}" for k, v in sorted(by_class.items()))
    )
    fewer = sorted(op for op, n in fuzz.OPERATIONS.items() if n < fuzz.EXAMPLES)
    if fewer:  # nothing to vary (no parameters, no body), or stopped at a failure
        terminalreporter.write_line(
            f"fewer than {fuzz.EXAMPLES} examples: "
            + ", ".join(f"{op} ({fuzz.OPERATIONS[op]})" for op in fewer)
        )
