"""Sending campaigns through the REAL sendgrid/twilio libraries against local fake servers."""

import socket
import threading
from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings

from incidents.models import AuditEntry
from notifications import delivery as states
from notifications.campaigns import selectors, services
from notifications.campaigns.sending import chunk_lease, chunk_send
from notifications.channels import ChannelError
from notifications.channels.sendgrid_email import SendGridEmailChannel
from notifications.models import Campaign, Delivery, Recipient, SendChunk
from tests.conftest import client_for, make_user
from tests.notifications.conftest import CA_AWARE, CONTENT, TWILIO_FROM, approved_notice
from tests.notifications.fakes import FakeSendGrid

LATER = CA_AWARE + timedelta(hours=2)


def people(n: int, *, start: int = 0, **extra) -> list[dict]:
    return [
        {
            "email": f"person{i}@example.com",
            "name": f"Person {i}",
            "account": f"AC-{i}",
            "region": "US-CA",
            **extra,
        }
        for i in range(start, start + n)
    ]


def prepared(incident, actor, rows, channels=("email",), notice=None) -> Campaign:
    """A draft with its own content, or on an approved `notice` (only that can meet duties)."""
    campaign = services.campaign_create(
        incident_id=incident.pk,
        actor=actor,
        name="Notice",
        channels=list(channels),
        **({"notice_id": notice.pk} if notice else {"content": CONTENT}),
    )
    services.campaign_import_rows(campaign_id=campaign.pk, rows=rows, actor=actor)
    return campaign


def start(campaign, actor, capture) -> Campaign:
    with capture(execute=True):
        services.campaign_start(campaign_id=campaign.pk, actor=actor)
    campaign.refresh_from_db()
    return campaign


def by_state(campaign) -> dict[str, int]:
    return {k: v for k, v in selectors.campaign_progress(campaign).by_state.items() if v}


@pytest.fixture(autouse=True)
def _fast_backoff(settings):
    settings.NOTIFICATIONS_RETRY_BACKOFF_SECONDS = 0
    settings.NOTIFICATIONS_EMAIL_BATCH = 1000


@pytest.mark.django_db
def test_outbox_default_sends_once_completes_and_meets_the_individuals_obligation(
    ca_breach, assignee, django_capture_on_commit_callbacks
):
    # The incident states the 6 Californians the list reaches (one by SMS only).
    notice = approved_notice(ca_breach, assignee, residents={"US-CA": 6})
    rows = [*people(5), {"phone": "+14155552671", "region": "US-CA"}]
    campaign = prepared(ca_breach, assignee, rows, channels=("email", "sms"), notice=notice)
    with time_machine.travel(LATER, tick=False):
        campaign = start(campaign, assignee, django_capture_on_commit_callbacks)
    assert campaign.status == "completed"
    assert by_state(campaign) == {"sent": 6}
    # the phone-only person has no e-mail delivery
    assert Delivery.objects.filter(channel="email").count() == 5
    assert Delivery.objects.filter(provider="outbox").count() == 6
    evidence = campaign.evidence
    assert evidence["recipients"] == 6
    assert evidence["recipients_reached"] == 6
    assert evidence["first_sent_at"] == evidence["last_sent_at"] == "2026-05-04T11:30:00Z"
    assert evidence["failures"] == {"failed": 0, "bounced": 0}
    duty = ca_breach.obligations.get(rule_code="us-ca-1798-82-individuals")
    assert duty.status == "met"
    assert duty.evidence["reference"] == f"notice campaign {campaign.pk}"
    assert duty.evidence["campaign"] == campaign.pk
    assert duty.evidence["channel"] in ("email", "sms")
    assert duty.evidence["recipient"] == "6 of 6 affected people reached"
    assert evidence["duties"] == [
        {
            "obligation": duty.pk,
            "rule": "us-ca-1798-82-individuals",
            "reached": 6,
            "stated": 6,
            "met": True,
            "late": False,
            "reason": "reached 6 of 6 stated",
        }
    ]
    kinds = list(ca_breach.events.values_list("kind", flat=True))
    assert "notice_campaign_started" in kinds
    assert "notice_campaign_completed" in kinds
    # A second start is refused; nothing is sent twice.
    with pytest.raises(Exception, match="already completed"):
        services.campaign_start(campaign_id=campaign.pk, actor=assignee)


@pytest.mark.django_db
def test_sendgrid_batches_personalizations_with_substitutions_and_our_refs(
    ca_breach, assignee, sendgrid, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_EMAIL_BATCH = 3
    rows = [*people(4), {"email": "hans@example.de", "name": "Hans", "language": "de"}]
    campaign = prepared(ca_breach, assignee, rows)
    with time_machine.travel(LATER, tick=False):
        campaign = start(campaign, assignee, django_capture_on_commit_callbacks)
    assert campaign.status == "completed"
    bodies = [r.json() for r in sendgrid.received]
    assert [len(b["personalizations"]) for b in bodies] == [1, 3, 1]  # de, then en in 3s
    german, first_en = bodies[0], bodies[1]
    assert german["subject"] == "Datenschutzverletzung: {{name}}"
    assert german["personalizations"][0]["to"] == [{"email": "hans@example.de", "name": "Hans"}]
    assert first_en["content"][0] == {
        "type": "text/plain",
        "value": "Dear {{name}}, your account {{account}} was affected.",
    }
    p0 = first_en["personalizations"][0]
    assert p0["substitutions"] == {
        "{{name}}": "Person 0",
        "{{account}}": "AC-0",
        "{{name__html}}": "Person 0",  # HTML-escaped values for the HTML part
        "{{account__html}}": "AC-0",
    }
    delivery = Delivery.objects.get(recipient__line=1)
    assert p0["custom_args"] == {"breachdesk_ref": f"d{delivery.pk}"}
    assert (delivery.state, delivery.provider) == ("sent", "sendgrid")
    assert delivery.provider_message_id.startswith("sg-msg-")
    assert all(r.headers["authorization"] == "Bearer SG.test-key.abc" for r in sendgrid.received)


@pytest.mark.django_db
def test_429_and_500_are_retried_after_a_backoff_without_duplicates(
    ca_breach, assignee, sendgrid, django_capture_on_commit_callbacks
):
    campaign = prepared(ca_breach, assignee, people(3))
    sendgrid.reply_next(429, sendgrid.error(429, "too many requests"))
    sendgrid.reply_next(500, sendgrid.error(500, "internal"))
    campaign = start(campaign, assignee, django_capture_on_commit_callbacks)
    assert len(sendgrid.received) == 3
    assert sendgrid.received[0].body == sendgrid.received[2].body  # same batch, same refs
    assert by_state(campaign) == {"sent": 3}
    assert set(Delivery.objects.values_list("tries", flat=True)) == {3}


@pytest.mark.django_db
def test_permanent_error_fails_with_the_providers_reason_and_can_be_retried_or_lettered(
    ca_breach, assignee, sendgrid, django_capture_on_commit_callbacks
):
    notice = approved_notice(ca_breach, assignee, residents={"US-CA": 2})
    rows = [*people(2), {"address": "1 Main St", "name": "Z"}]
    campaign = prepared(ca_breach, assignee, rows, notice=notice)
    sendgrid.reply_next(400, sendgrid.error(400, "The from address is not verified.", "from"))
    with time_machine.travel(LATER, tick=False):
        campaign = start(campaign, assignee, django_capture_on_commit_callbacks)
    assert campaign.status == "completed"
    assert by_state(campaign) == {"failed": 2}
    assert "from: The from address is not verified." in Delivery.objects.first().error
    assert campaign.evidence["failures"] == {"failed": 2, "bounced": 0}
    duty = ca_breach.obligations.get(rule_code="us-ca-1798-82-individuals")
    assert duty.status == "pending"  # nobody was reached: the duty is not met
    # The list has a 3rd person (a letter): the incident now states 3 affected people.
    [open_duty] = campaign.evidence["duties"]
    assert (open_duty["met"], open_duty["reached"], open_duty["stated"]) == (False, 0, 3)
    assert "reached 0 of 3 stated" in open_duty["reason"]

    dpo = make_user("dpo")
    letters = client_for(dpo).get(f"/api/v1/campaigns/{campaign.pk}/letters.csv")
    assert letters.status_code == 200
    text = b"".join(letters.streaming_content).decode()
    lines = text.strip().splitlines()
    assert lines[0].startswith("recipient,reason,name,address,email,phone")
    assert len(lines) == 4
    assert "1 Main St" in text
    assert "person0@example.com" in text
    assert AuditEntry.objects.filter(action="campaign.letters_exported").count() == 1
    assert (
        client_for(make_user("viewer"))
        .get(f"/api/v1/campaigns/{campaign.pk}/letters.csv")
        .status_code
        == 403
    )

    with (
        time_machine.travel(LATER + timedelta(hours=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client_for(dpo).post(
            f"/api/v1/campaigns/{campaign.pk}/retry/", {"states": ["failed"]}, format="json"
        )
    assert response.status_code == 202, response.json()
    campaign.refresh_from_db()
    assert by_state(campaign) == {"sent": 2}
    assert len(sendgrid.received) == 2
    # Completed again, it reached the two with an e-mail; the letter is still to go: a DPO
    # meets the duty once it went (by hand, with evidence).
    assert campaign.status == "completed"
    duty.refresh_from_db()
    assert duty.status == "pending"
    assert "reached 2 of 3 stated" in campaign.evidence["duties"][0]["reason"]


@pytest.mark.django_db
def test_timeout_marks_unknown_and_receipts_decide_no_blind_resend(
    ca_breach, assignee, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_PROVIDER_TIMEOUT_SECONDS = 0.2
    with (
        HeldSendGrid() as fake,
        override_settings(SENDGRID_API_KEY="SG.k", SENDGRID_API_HOST=fake.url),
    ):
        try:
            campaign = prepared(ca_breach, assignee, people(2))
            campaign = start(campaign, assignee, django_capture_on_commit_callbacks)
            assert by_state(campaign) == {"unknown": 2}
            assert "may or may not" in Delivery.objects.first().error
            assert campaign.status == "sending"  # not complete while outcomes are unknown
            assert fake.arrived.acquire(timeout=30)  # the request did reach the provider
            # The receipt window is open: nothing is requeued or resent.
            with django_capture_on_commit_callbacks(execute=True):
                report = services.campaigns_sweep()
            assert report["requeued"] == 0
            assert by_state(campaign) == {"unknown": 2}
            assert list(Delivery.objects.values_list("tries", flat=True)) == [1, 1]
            assert len(fake.received) == 1
        finally:
            fake.release.set()


class HeldSendGrid(FakeSendGrid):
    """Holds every answer until the test releases it: the client's read times out whatever
    the load on the machine (a sleep could end before a starved client even reads)."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived = threading.Semaphore(0)
        self.release = threading.Event()

    def default_reply(self, received):
        self.arrived.release()
        self.release.wait(60)
        return super().default_reply(received)


@pytest.mark.django_db
def test_unknown_without_a_receipt_is_queued_again_after_the_wait(
    ca_breach, assignee, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_UNKNOWN_WAIT_MINUTES = 30
    campaign = prepared(ca_breach, assignee, people(2))
    with time_machine.travel(LATER, tick=False):
        services.campaign_start(campaign_id=campaign.pk, actor=assignee)  # no fan-out
        lease = chunk_lease(campaign_id=campaign.pk)
        # A worker handed the rows over and died before recording the answer:
        Delivery.objects.update(state=states.SENDING, attempted_at=LATER, tries=1)
    with time_machine.travel(LATER + timedelta(minutes=10), tick=False):
        SendChunk.objects.update(lease_until=LATER)  # its lease expired
        lease = chunk_lease(campaign_id=campaign.pk)
        outcome = chunk_send(lease)
    assert outcome.unknown == 2
    assert outcome.sent == 0
    with time_machine.travel(LATER + timedelta(minutes=20), tick=False):
        assert services.campaigns_sweep()["requeued"] == 0
    with (
        time_machine.travel(LATER + timedelta(minutes=41), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.campaigns_sweep()["requeued"] == 2
    campaign.refresh_from_db()
    assert by_state(campaign) == {"sent": 2}


@pytest.mark.django_db
def test_twilio_sms_with_rate_status_callback_and_messaging_service(
    ca_breach, assignee, twilio, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_SMS_PER_SECOND = 50
    rows = [
        {"phone": "+1 415 555 2671", "name": "Ann"},
        {"phone": "+1 415 555 0199", "name": "Bo", "email": "bo@example.com"},
    ]
    campaign = prepared(ca_breach, assignee, rows, channels=("sms",))
    twilio.reply_next(429, twilio.error(429, 20429, "Too Many Requests"))
    campaign = start(campaign, assignee, django_capture_on_commit_callbacks)
    assert by_state(campaign) == {"sent": 2}
    forms = [r.form() for r in twilio.received]
    assert len(forms) == 3
    assert forms[0] == forms[1]
    d = Delivery.objects.get(recipient__line=1)
    assert forms[1] == {
        "To": "+14155552671",
        "From": TWILIO_FROM,
        "Body": "Notice of Data Breach: Ann, see example.com/notice",
        "StatusCallback": f"http://127.0.0.1:8000/api/v1/receipts/twilio/?ref=d{d.pk}",
    }
    assert d.provider_message_id.startswith("SM")

    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "2" * 32
    other = prepared(ca_breach, assignee, [{"phone": "+14155550100"}], channels=("sms",))
    start(other, assignee, django_capture_on_commit_callbacks)
    last = twilio.received[-1].form()
    assert last["MessagingServiceSid"] == "MG" + "2" * 32
    assert "From" not in last


@pytest.mark.django_db
def test_twilio_permanent_error_keeps_the_reason_without_the_number(
    ca_breach, assignee, twilio, django_capture_on_commit_callbacks
):
    campaign = prepared(ca_breach, assignee, [{"phone": "+14155552671"}], channels=("sms",))
    twilio.reply_next(400, twilio.error(400, 21610, "Attempt to send to unsubscribed recipient"))
    campaign = start(campaign, assignee, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert delivery.state == "failed"
    assert "21610" in delivery.error
    assert "unsubscribed" in delivery.error
    assert "4155552671" not in delivery.error


@pytest.mark.django_db
def test_purge_deletes_contacts_keeps_statistics_and_is_audited(
    ca_breach, assignee, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_CAMPAIGN_PURGE_DAYS = 30
    campaign = prepared(ca_breach, assignee, people(3))
    with time_machine.travel(LATER, tick=False):
        campaign = start(campaign, assignee, django_capture_on_commit_callbacks)
    with time_machine.travel(LATER + timedelta(days=29), tick=False):
        assert services.campaigns_sweep()["purged"] == 0
    with time_machine.travel(LATER + timedelta(days=31), tick=False):
        assert services.campaigns_sweep()["purged"] == 1
    campaign.refresh_from_db()
    assert campaign.purged_at is not None
    assert set(Recipient.objects.values_list("contact", "dedup_key")) == {(None, None)}
    assert campaign.stats == {"email": {"sent": 3}}
    assert campaign.recipients_count == 3
    assert campaign.region_counts == {"US-CA": 3}
    assert Delivery.objects.filter(state="sent").count() == 3
    entry = AuditEntry.objects.get(action="campaign.contacts_purged")
    assert entry.data["recipients"] == 3
    dpo = make_user("dpo")
    assert client_for(dpo).get(f"/api/v1/campaigns/{campaign.pk}/letters.csv").status_code == 409


@pytest.mark.django_db
def test_progress_api_shows_counts_rate_and_eta(
    ca_breach, assignee, django_capture_on_commit_callbacks
):
    campaign = prepared(ca_breach, assignee, people(4))
    with time_machine.travel(LATER, tick=False):
        services.campaign_start(campaign_id=campaign.pk, actor=assignee)
    Delivery.objects.filter(pk__in=Delivery.objects.order_by("pk").values("pk")[:3]).update(
        state="sent"
    )
    with time_machine.travel(LATER + timedelta(seconds=10), tick=False):
        data = client_for(make_user("viewer")).get(f"/api/v1/campaigns/{campaign.pk}/").json()
    progress = data["progress"]
    assert progress["by_state"]["sent"] == 3
    assert progress["by_state"]["queued"] == 1
    assert (progress["total"], progress["done"], progress["remaining"]) == (4, 3, 1)
    assert progress["rate_per_second"] == 0.3
    assert progress["eta_seconds"] == pytest.approx(3.3, abs=0.1)


def test_connection_refused_is_retried_because_nothing_was_sent():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    channel = SendGridEmailChannel(api_key="k", host=f"http://127.0.0.1:{port}", from_email="x@y")
    with pytest.raises(ChannelError) as caught:
        channel.post({"personalizations": []}, recipient="batch")
    assert caught.value.retryable
    assert not caught.value.outcome_unknown


@pytest.mark.django_db
def test_the_sweep_restarts_abandoned_work_but_not_a_live_worker(
    ca_breach, assignee, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_EMAIL_BATCH = 2
    campaign = prepared(ca_breach, assignee, people(4))
    with time_machine.travel(LATER, tick=False):
        services.campaign_start(campaign_id=campaign.pk, actor=assignee)  # tasks never ran
        chunk_lease(campaign_id=campaign.pk)  # a live worker holds one chunk
        assert services.campaigns_sweep()["restarted"] == 0
    with (
        time_machine.travel(LATER + timedelta(minutes=10), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.campaigns_sweep()["restarted"] == 1  # its lease expired
    campaign.refresh_from_db()
    assert by_state(campaign) == {"sent": 4}
    assert campaign.status == "completed"
