"""Fixtures for the notifications tests: people to remind, a breach with running clocks."""

import base64
import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import override_settings
from rest_framework.test import APIClient

from incidents.models import Incident, Obligation, Organization
from incidents.services.incidents import incident_create, incident_update
from incidents.services.obligations import obligation_waive
from notifications.notices.models import Notice
from notifications.notices.services import notice_approve, notice_draft
from tests.conftest import make_user as make_role_user
from tests.notifications.fakes import FakeSendGrid, FakeTwilio

AWARE_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SENDGRID_KEY = "SG.test-key.abc"
TWILIO_SID = "AC" + "1" * 32
TWILIO_TOKEN = "twilio-test-token"
TWILIO_FROM = "+15005550006"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def make_user(username: str, *, perms: tuple[str, ...] = (), email: str | None = None):
    user = get_user_model().objects.create_user(
        username=username,
        email=email if email is not None else f"{username}@example.test",
        password="pw",
        first_name=username.title(),
    )
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


@pytest.fixture
def assignee(db):
    return make_user("alice", perms=("incidents.view_incident",))


@pytest.fixture
def organization(db) -> Organization:
    return Organization.objects.create(
        legal_name="Beispiel GmbH",
        role="controller",
        country="DE",
        dpo_name="Dora DPO",
        dpo_email="dora.dpo@example.test",
        dpo_phone="+4930901820",
    )


@pytest.fixture
def breach(db, assignee, organization) -> Incident:
    """A German breach, aware 2026-03-02 09:30 UTC: GDPR Art. 33 clock running (72 h)."""
    return incident_create(
        actor=assignee,
        data={
            "title": "Laptop stolen & unencrypted",
            "aware_at": AWARE_AT,
            "countries": ["DE"],
            "assignee": assignee,
        },
        now=AWARE_AT + timedelta(minutes=5),
    )


def authority_duty(incident: Incident) -> Obligation:
    """The running supervisory-authority duty with a hard deadline (GDPR Art. 33(1))."""
    return (
        incident.obligations.running()
        .filter(audience="supervisory_authority", due_at__isnull=False)
        .get()
    )


def copies(
    duty: Obligation,
    count: int,
    *,
    prefix: str = "BD-T",
    later: timedelta = timedelta(0),
    own_assignee: bool = False,
) -> list[Obligation]:
    """`count` more incidents, each with the same running authority duty as `duty` (the only
    duty left on the template incident, so the counts below are exact), due `later` than it;
    with `own_assignee`, each incident has an assignee of its own."""
    Obligation.objects.filter(incident=duty.incident).exclude(pk=duty.pk).delete()
    template = duty.incident
    incidents = []
    for number in range(count):
        clone = Incident.objects.get(pk=template.pk)
        clone.pk = None
        clone.reference = f"{prefix}-{number:05d}"
        if own_assignee:
            clone.assignee = make_user(
                f"{prefix}-{number}", email=f"{prefix}-{number}@example.test"
            )
        incidents.append(clone)
    Incident.objects.bulk_create(incidents)
    obligations = []
    for incident in incidents:
        twin = Obligation.objects.get(pk=duty.pk)
        twin.pk, twin.incident, twin.due_at = None, incident, duty.due_at + later
        obligations.append(twin)
    return Obligation.objects.bulk_create(obligations)


@pytest.fixture
def duty(breach, assignee) -> Obligation:
    """The authority duty, alone: the breach's other open duties (the people's notice, worked
    against an internal target) are waived so the reminder tests see one duty's ladder."""
    obligation = authority_duty(breach)
    assert obligation.due_at - obligation.clock_started_at == timedelta(hours=72)
    for other in breach.obligations.open().exclude(pk=obligation.pk):
        obligation_waive(
            obligation_id=other.pk,
            actor=assignee,
            justification="Not the duty under test",
            now=AWARE_AT + timedelta(minutes=6),
        )
    return obligation


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def sendgrid():
    with (
        FakeSendGrid() as fake,
        override_settings(
            SENDGRID_API_KEY=SENDGRID_KEY,
            SENDGRID_API_HOST=fake.url,
            DEFAULT_FROM_EMAIL="breachdesk@example.test",
        ),
    ):
        yield fake


@pytest.fixture
def twilio():
    with (
        FakeTwilio() as fake,
        override_settings(
            TWILIO_ACCOUNT_SID=TWILIO_SID,
            TWILIO_AUTH_TOKEN=TWILIO_TOKEN,
            TWILIO_FROM_NUMBER=TWILIO_FROM,
            TWILIO_API_BASE=fake.url,
        ),
    ):
        yield fake


# --- notice campaigns ------------------------------------------------------------------------

CA_AWARE = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


@pytest.fixture
def us_org(db) -> Organization:
    return Organization.objects.create(
        legal_name="Example Inc.", role="controller", country="US", dpo_email="dpo@example.test"
    )


@pytest.fixture
def ca_breach(db, assignee, us_org) -> Incident:
    """A Californian breach believed to touch 100 residents (the AG threshold is 501)."""
    return incident_create(
        actor=assignee,
        data={
            "title": "Customer portal leak",
            "detected_at": CA_AWARE,
            "aware_at": CA_AWARE,
            "countries": ["US-CA"],
            "residents": {"US-CA": 100},
            "subjects_count": 100,
        },
        now=CA_AWARE + timedelta(minutes=5),
    )


def approved_notice(incident: Incident, actor, *, residents: dict[str, int]) -> Notice:
    """The incident's notice to its people, approved by a DPO, for a population the incident
    now states as `residents` (a campaign reaching them all meets the duties it serves)."""
    at = CA_AWARE + timedelta(minutes=10)
    incident_update(
        incident_id=incident.pk,
        actor=actor,
        changes={
            "residents": residents,
            "subjects_count": sum(residents.values()),
            "data_categories": ["contact", "credentials"],
            "occurred_from": CA_AWARE - timedelta(days=2),
            "occurred_to": CA_AWARE - timedelta(days=1),
        },
        now=at,
    )
    [notice] = notice_draft(incident_id=incident.pk, actor=actor, now=at)
    notice_approve(
        notice_id=notice.pk, actor=make_role_user("dpo", "notice-dpo"), version=1, now=at
    )
    notice.refresh_from_db()
    return notice


CONTENT = {
    "en": {
        "subject": "Notice of Data Breach for {{ name }}",
        "text": "Dear {{name}}, your account {{account}} was affected.",
        "html": "<p>Dear {{name}}, your account {{account}} was affected.</p>",
        "sms": "Notice of Data Breach: {{name}}, see example.com/notice",
    },
    "de": {
        "subject": "Datenschutzverletzung: {{name}}",
        "text": "Hallo {{name}}, Ihr Konto {{account}} ist betroffen.",
        "sms": "Datenschutzverletzung: {{name}}",
    },
}


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


@pytest.fixture
def webhook_key(settings):
    """An ECDSA P-256 key pair like SendGrid's; the public half is configured."""
    private = ec.generate_private_key(ec.SECP256R1())
    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = base64.b64encode(der).decode()
    return private


def sendgrid_signed(private, body: bytes, timestamp: int) -> dict[str, str]:
    """The two headers SendGrid sends: base64 ECDSA-SHA256 signature over timestamp + body."""
    signature = private.sign(str(timestamp).encode() + body, ec.ECDSA(hashes.SHA256()))
    return {
        "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_SIGNATURE": base64.b64encode(signature).decode(),
        "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_TIMESTAMP": str(timestamp),
    }
