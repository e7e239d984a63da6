"""A single message whose provider answer was lost: receipts decide, else a person does."""

import io
import time
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command

from breachdesk.errors import DomainError
from breachdesk.timeutils import now_utc
from incidents.models import AuditEntry
from notifications import outbound
from notifications.models import OutboundMessage
from notifications.receipts import Receipt, receipt_apply


@pytest.fixture
def lost(sendgrid, settings):
    """A message whose request reached the fake SendGrid but whose answer never came back."""
    settings.NOTIFICATIONS_PROVIDER_TIMEOUT_SECONDS = 0.2
    settings.NOTIFICATIONS_UNKNOWN_WAIT_MINUTES = 60
    slow = sendgrid.default_reply
    sendgrid.default_reply = lambda received: (time.sleep(0.5), slow(received))[1]
    message = outbound.send(
        channel="email", to="dpo@customer.example", body="Breach notice", key="n-1", purpose="t"
    )
    sendgrid.default_reply = slow
    settings.NOTIFICATIONS_PROVIDER_TIMEOUT_SECONDS = 5
    assert message.state == "unknown"
    assert len(sendgrid.received) == 1
    return message


@pytest.mark.django_db
def test_unknown_waits_for_receipts_then_a_person_retries_it_under_the_same_key(lost, sendgrid):
    # Nothing resends it by itself: the sweep only counts it once the window has passed.
    assert outbound.messages_retry_due()["sent"] == 0
    with pytest.raises(DomainError, match="may still get a receipt"):
        outbound.message_unknown_resolve(message_id=lost.pk, action="retry", actor="user:dpo")
    later = now_utc() + timedelta(minutes=61)
    with time_machine.travel(later, tick=False):
        assert outbound.messages_retry_due()["unknown_undecided"] == 1
        with pytest.raises(DomainError, match="action must be"):
            outbound.message_unknown_resolve(message_id=lost.pk, action="resend", actor="x")
        retried = outbound.message_unknown_resolve(
            message_id=lost.pk, action="retry", actor="user:dpo"
        )
    assert (retried.pk, retried.state, retried.tries) == (lost.pk, "sent", 2)
    first, second = sendgrid.received
    args = [r.json()["personalizations"][0]["custom_args"] for r in (first, second)]
    assert args[0] == args[1]
    assert (args[1]["breachdesk_ref"], args[1]["breachdesk_receipt_ref"]) == ("n-1", f"m{lost.pk}")
    entry = AuditEntry.objects.get(action="outbound.unknown_retried")
    assert (entry.actor, entry.object_id) == ("user:dpo", str(lost.pk))
    assert "dpo@customer.example" not in str(entry.data)
    with pytest.raises(DomainError, match="is sent"):  # decided: no second decision
        outbound.message_unknown_resolve(
            message_id=lost.pk, action="fail", reason="no answer", actor="user:dpo"
        )


@pytest.mark.django_db
def test_a_late_receipt_decides_and_a_person_cannot_override_it(lost, sendgrid):
    receipt_apply(
        Receipt(
            provider="sendgrid",
            event_id="ev-late",
            reference=f"m{lost.pk}",
            kind="delivered",
            occurred_at=now_utc(),
        )
    )
    later = now_utc() + timedelta(minutes=61)
    with time_machine.travel(later, tick=False), pytest.raises(DomainError, match="is delivered"):
        outbound.message_unknown_resolve(message_id=lost.pk, action="retry", actor="x")
    assert len(sendgrid.received) == 1


@pytest.mark.django_db
def test_the_command_lists_and_fails_unknown_messages(lost, sendgrid):
    out = io.StringIO()
    call_command("messages_unknown", stdout=out)
    assert f"{lost.pk}\tt\temail" in out.getvalue()
    assert "dpo@customer.example" not in out.getvalue()
    with pytest.raises(CommandError, match="1 of 1 decisions were refused"):
        call_command(
            "messages_unknown", "--fail", str(lost.pk), stdout=io.StringIO(), stderr=io.StringIO()
        )
    with time_machine.travel(now_utc() + timedelta(minutes=61), tick=False):
        out = io.StringIO()
        call_command(
            "messages_unknown",
            "--fail",
            str(lost.pk),
            "--reason",
            "no answer",
            "--actor",
            "user:dpo",
            stdout=out,
        )
    assert f"message {lost.pk}: fail -> failed" in out.getvalue()
    lost.refresh_from_db()
    assert lost.state == "failed"
    assert "marked failed by user:dpo" in lost.error
    assert AuditEntry.objects.filter(action="outbound.unknown_failed").count() == 1
    assert len(sendgrid.received) == 1
    assert OutboundMessage.objects.filter(state="unknown").count() == 0
