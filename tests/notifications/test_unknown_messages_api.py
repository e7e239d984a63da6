"""A DPO sees and settles single messages whose provider answer was lost, through the API:
the same service as `manage.py messages_unknown`, on the audit chain, DPO/admin only."""

import io
import time
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command

from incidents.models import AuditEntry, Obligation
from notifications.models import OutboundMessage
from tests.filings.test_processor import AWARE, processor_incident  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
SENT_AT = AWARE + timedelta(hours=5)
WINDOW_OVER = SENT_AT + timedelta(minutes=61)


@pytest.fixture
def lost_notice(api, processor_incident, sendgrid, settings):  # noqa: F811 (the fixture)
    """The notice to a controller whose provider answer never came back (SendGrid got it)."""
    settings.NOTIFICATIONS_PROVIDER_TIMEOUT_SECONDS = 0.2
    settings.NOTIFICATIONS_UNKNOWN_WAIT_MINUTES = 60
    slow = sendgrid.default_reply
    sendgrid.default_reply = lambda received: (time.sleep(0.5), slow(received))[1]
    incident, acme = processor_incident["incident"], processor_incident["acme"]
    duty = Obligation.objects.get(
        incident_id=incident["id"], party_id=acme["id"], rule_code="eu-gdpr-33-2-processor"
    )
    with time_machine.travel(SENT_AT, tick=False):
        filing = api["analyst"].post(
            f"/api/v1/incidents/{incident['id']}/filings/",
            {"obligation": duty.pk, "phase": "initial"},
            format="json",
        )
        assert filing.status_code == 201, filing.json()
        sent = api["dpo"].post(f"/api/v1/filings/{filing.json()['id']}/send/")
    sendgrid.default_reply = slow
    settings.NOTIFICATIONS_PROVIDER_TIMEOUT_SECONDS = 5
    assert sent.status_code == 502, sent.json()
    message = OutboundMessage.objects.get(incident_id=incident["id"])
    assert message.state == "unknown"
    return {"message": message, "duty": duty, "incident": incident}


def test_the_dpo_lists_unknown_messages_with_their_incident_and_duty(api, lost_notice):
    with time_machine.travel(SENT_AT + timedelta(minutes=1), tick=False):
        listed = api["dpo"].get("/api/v1/messages/unknown/")
    assert listed.status_code == 200, listed.json()
    assert listed.json()["count"] == 1  # paginated like every list
    (row,) = listed.json()["results"]
    message, duty, incident = lost_notice["message"], lost_notice["duty"], lost_notice["incident"]
    assert row["id"] == message.pk
    assert (row["purpose"], row["channel"], row["to"]) == (
        "controller_notice",
        "email",
        "privacy@acme.example",
    )
    assert row["incident"] == {
        "id": incident["id"],
        "reference": incident["reference"],
        "title": incident["title"],
    }
    assert row["obligation"]["id"] == duty.pk
    assert row["obligation"]["rule_code"] == "eu-gdpr-33-2-processor"
    assert row["obligations"] == [row["obligation"]]  # the filing's one duty
    assert row["decidable"] is False
    assert row["decide_after"] == "2026-04-14T14:00:00Z"
    for role in ("analyst", "viewer"):
        assert api[role].get("/api/v1/messages/unknown/").status_code == 403
    with time_machine.travel(WINDOW_OVER, tick=False):
        assert api["dpo"].get("/api/v1/messages/unknown/").json()["results"][0]["decidable"] is True


def test_the_dpo_marks_it_delivered_with_a_reason_once_the_window_passed(
    api, lost_notice, sendgrid
):
    message = lost_notice["message"]
    url = f"/api/v1/messages/{message.pk}/settle/"
    proof = {"action": "delivered", "reason": "Acme's DPO confirmed receipt by phone."}
    with time_machine.travel(SENT_AT + timedelta(minutes=1), tick=False):
        early = api["dpo"].post(url, proof, format="json")
    assert early.status_code == 409
    assert "may still get a receipt" in early.json()["detail"]
    with time_machine.travel(WINDOW_OVER, tick=False):
        assert api["analyst"].post(url, proof, format="json").status_code == 403
        bare = api["dpo"].post(url, {"action": "delivered"}, format="json")
        assert bare.status_code == 400
        assert bare.json()["field"] == "reason"
        wrong = api["dpo"].post(url, {"action": "resend", "reason": "x"}, format="json")
        assert wrong.status_code == 400
        settled = api["dpo"].post(url, proof, format="json")
        again = api["dpo"].post(url, proof, format="json")
    assert settled.status_code == 200, settled.json()
    assert settled.json()["state"] == "delivered"
    assert again.status_code == 409  # decided once
    message.refresh_from_db()
    assert message.state == "delivered"
    assert message.final_at == WINDOW_OVER
    assert "marked delivered by user:dpo: Acme's DPO confirmed receipt by phone." in message.error
    entry = AuditEntry.objects.get(action="outbound.unknown_delivered")
    assert (entry.actor, entry.object_id) == ("user:dpo", str(message.pk))
    assert entry.data["reason"] == "Acme's DPO confirmed receipt by phone."
    assert "privacy@acme.example" not in str(entry.data)
    assert api["dpo"].get("/api/v1/messages/unknown/").json()["results"] == []
    assert len(sendgrid.received) == 1  # marking it delivered sends nothing


def test_a_retry_through_the_api_sends_it_again_under_the_same_key(api, lost_notice, sendgrid):
    message = lost_notice["message"]
    with time_machine.travel(WINDOW_OVER, tick=False):
        retried = api["admin"].post(
            f"/api/v1/messages/{message.pk}/settle/", {"action": "retry"}, format="json"
        )
    assert retried.status_code == 200, retried.json()
    assert (retried.json()["state"], retried.json()["tries"]) == ("sent", 2)
    assert len(sendgrid.received) == 2
    assert AuditEntry.objects.filter(action="outbound.unknown_retried", actor="user:admin").exists()


def test_the_command_shows_the_duty_and_fails_or_confirms_with_a_reason(lost_notice):
    message = lost_notice["message"]
    out = io.StringIO()
    call_command("messages_unknown", stdout=out)
    reference = lost_notice["incident"]["reference"]
    assert f"incident {reference}\tduty eu-gdpr-33-2-processor" in out.getvalue()
    with time_machine.travel(WINDOW_OVER, tick=False):
        err = io.StringIO()
        with pytest.raises(Exception, match="1 of 1 decisions were refused"):
            call_command("messages_unknown", "--fail", str(message.pk), stdout=out, stderr=err)
        assert "reason is required" in err.getvalue()
        out = io.StringIO()
        call_command(
            "messages_unknown", "--fail", str(message.pk), "--reason", "mailbox gone", stdout=out
        )
    assert f"message {message.pk}: fail -> failed" in out.getvalue()
    message.refresh_from_db()
    assert "marked failed by system:messages_unknown: mailbox gone" in message.error
