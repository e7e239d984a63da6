"""Channels: the outbox default, and the REAL sendgrid/twilio libraries against fake servers."""

import socket
import time

import pytest
from django.test import override_settings

from notifications.channels import ChannelError, Message, get_channel
from notifications.channels.outbox import OutboxChannel
from notifications.channels.sendgrid_email import SendGridEmailChannel
from notifications.channels.twilio_sms import TwilioSmsChannel
from notifications.models import OutboxMessage
from tests.notifications.conftest import SENDGRID_KEY, TWILIO_FROM, TWILIO_SID, TWILIO_TOKEN
from tests.notifications.fakes import FakeSendGrid, FakeTwilio, Reply

EMAIL = Message(
    channel="email",
    to="dora.dpo@example.test",
    subject="GDPR deadline in 24 h",
    body="Plain text body",
    html_body="<p>HTML body</p>",
    reference="reminder-42",
    metadata={"attempt": "42"},
)
SMS = Message(
    channel="sms",
    to="+49 30 901820",
    subject="",
    body="BreachDesk: due in 1 h",
    reference="reminder-43",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- selection and the outbox --------------------------------------------------------------


@pytest.mark.django_db
@override_settings(
    SENDGRID_API_KEY="", TWILIO_ACCOUNT_SID="", TWILIO_AUTH_TOKEN="", TWILIO_FROM_NUMBER=""
)
def test_without_credentials_both_kinds_go_to_the_outbox():
    for kind, message in (("email", EMAIL), ("sms", SMS)):
        channel = get_channel(kind)
        assert isinstance(channel, OutboxChannel)
        result = channel.send(message)
        assert result.accepted
        assert result.provider == "outbox"
    rows = list(OutboxMessage.objects.order_by("id"))
    assert [(r.channel, r.to, r.provider, r.status) for r in rows] == [
        ("email", "dora.dpo@example.test", "outbox", "recorded"),
        ("sms", "+49 30 901820", "outbox", "recorded"),
    ]
    assert rows[0].subject == EMAIL.subject
    assert rows[0].html_body == "<p>HTML body</p>"
    assert rows[0].reference == "reminder-42"
    assert rows[0].metadata == {"attempt": "42"}


@override_settings(
    SENDGRID_API_KEY="SG.x",
    TWILIO_ACCOUNT_SID=TWILIO_SID,
    TWILIO_AUTH_TOKEN=TWILIO_TOKEN,
    TWILIO_FROM_NUMBER="",
)
def test_twilio_needs_all_three_settings_sendgrid_only_the_key():
    assert get_channel("email").provider == "sendgrid"
    assert get_channel("sms").provider == "outbox"
    with override_settings(TWILIO_FROM_NUMBER=TWILIO_FROM):
        assert get_channel("sms").provider == "twilio"


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="fax"):
        get_channel("fax")
    with pytest.raises(ValueError, match="channel"):
        Message(channel="fax", to="x", subject="", body="")


# --- SendGrid ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sendgrid_sends_v3_mail_and_keeps_the_message_id(sendgrid):
    result = get_channel("email").send(EMAIL)

    assert (result.provider, result.provider_message_id, result.accepted, result.status) == (
        "sendgrid",
        "sg-msg-0001",
        True,
        "202",
    )
    [request] = sendgrid.received
    assert request.path == "/v3/mail/send"
    assert request.headers["authorization"] == f"Bearer {SENDGRID_KEY}"
    assert request.headers["content-type"] == "application/json"
    body = request.json()
    assert body["from"] == {"email": "breachdesk@example.test"}
    assert body["subject"] == "GDPR deadline in 24 h"
    assert body["content"] == [
        {"type": "text/plain", "value": "Plain text body"},
        {"type": "text/html", "value": "<p>HTML body</p>"},
    ]
    [personalization] = body["personalizations"]
    assert personalization["to"] == [{"email": "dora.dpo@example.test"}]
    # Correlation ids ride per personalization (never top-level: the spec types that a string).
    assert personalization["custom_args"] == {
        "breachdesk_ref": "reminder-42",
        "breachdesk_attempt": "42",
    }
    assert "custom_args" not in body
    log = OutboxMessage.objects.get()
    assert (log.provider, log.provider_message_id, log.status) == (
        "sendgrid",
        "sg-msg-0001",
        "accepted",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "retryable", "field_name", "message"),
    [
        (400, False, "personalizations.0.to.0.email", "Does not contain a valid address."),
        (401, False, None, "The provided authorization grant is invalid, expired, or revoked"),
        (403, False, None, "access forbidden"),
        (413, False, None, "payload too large"),
        (429, True, None, "too many requests"),
        (500, True, None, "internal server error"),
        (503, True, None, "service unavailable"),
    ],
)
def test_sendgrid_errors_become_typed_channel_errors(
    sendgrid, status, retryable, field_name, message
):
    sendgrid.reply_next(status, FakeSendGrid.error(status, message, field_name))

    with pytest.raises(ChannelError) as caught:
        get_channel("email").send(EMAIL)

    error = caught.value
    assert (error.retryable, error.status_code, error.provider) == (retryable, status, "sendgrid")
    assert message in error.message
    if field_name:
        assert field_name in error.message
    assert "dora.dpo@example.test" in error.message
    log = OutboxMessage.objects.get()
    assert (log.status, log.provider) == ("failed", "sendgrid")
    assert message in log.error


def test_sendgrid_unreachable_is_retryable():
    channel = SendGridEmailChannel(
        api_key="SG.x",
        host=f"http://127.0.0.1:{free_port()}",
        from_email="a@example.test",
        timeout=2,
    )
    with pytest.raises(ChannelError) as caught:
        channel.send(EMAIL)
    assert caught.value.retryable
    assert not caught.value.outcome_unknown


def test_sendgrid_read_timeout_is_an_unknown_outcome_not_a_blind_retry():
    with FakeSendGrid() as fake:
        fake.default_reply = lambda received: (time.sleep(0.6), Reply(202, b""))[1]
        channel = SendGridEmailChannel(
            api_key="SG.x", host=fake.url, from_email="a@example.test", timeout=0.2
        )
        with pytest.raises(ChannelError) as caught:
            channel.send(EMAIL)
    assert caught.value.outcome_unknown
    assert not caught.value.retryable
    assert len(fake.received) == 1  # the request did arrive: a retry could deliver twice


# --- Twilio ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_twilio_creates_a_message_and_keeps_the_sid(twilio):
    result = get_channel("sms").send(SMS)

    assert result.provider == "twilio"
    assert result.provider_message_id.startswith("SM")
    assert (result.accepted, result.status) == (True, "queued")
    [request] = twilio.received
    assert request.path == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    assert request.basic_auth() == (TWILIO_SID, TWILIO_TOKEN)
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    # The number is normalised to E.164 before it leaves; the status callback carries our ref.
    assert request.form() == {
        "To": "+4930901820",
        "From": TWILIO_FROM,
        "Body": "BreachDesk: due in 1 h",
        "StatusCallback": "http://127.0.0.1:8000/api/v1/receipts/twilio/?ref=reminder-43",
    }
    log = OutboxMessage.objects.get()
    assert (log.provider, log.provider_message_id, log.status) == (
        "twilio",
        result.provider_message_id,
        "accepted",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["004930901820", "+1", "+49 30", "not a number", ""])
def test_twilio_rejects_non_e164_numbers_without_calling_out(twilio, number):
    message = Message(channel="sms", to=number, subject="", body="x")
    with pytest.raises(ChannelError) as caught:
        get_channel("sms").send(message)
    assert not caught.value.retryable
    assert caught.value.code == "invalid_number"
    assert repr(number) in caught.value.message
    assert twilio.received == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "code", "retryable"),
    [
        (400, 21211, False),
        (400, 21610, False),
        (401, 20003, False),
        (429, 20429, True),
        (500, 20500, True),
        (503, 20503, True),
    ],
)
def test_twilio_errors_become_typed_channel_errors(twilio, status, code, retryable):
    twilio.reply_next(status, FakeTwilio.error(status, code, f"error {code} happened"))

    with pytest.raises(ChannelError) as caught:
        get_channel("sms").send(SMS)

    error = caught.value
    assert (error.retryable, error.status_code, error.code) == (retryable, status, str(code))
    assert f"error {code} happened" in error.message
    assert "+4930901820" in error.message
    assert OutboxMessage.objects.get().status == "failed"


def test_twilio_unreachable_is_retryable():
    channel = TwilioSmsChannel(
        account_sid=TWILIO_SID,
        auth_token=TWILIO_TOKEN,
        from_number=TWILIO_FROM,
        api_base=f"http://127.0.0.1:{free_port()}",
        timeout=2,
    )
    with pytest.raises(ChannelError) as caught:
        channel.send(SMS)
    assert caught.value.retryable


def test_twilio_refuses_bodies_over_1600_characters():
    channel = TwilioSmsChannel(
        account_sid=TWILIO_SID,
        auth_token=TWILIO_TOKEN,
        from_number=TWILIO_FROM,
        api_base="http://127.0.0.1:9",
    )
    with pytest.raises(ChannelError, match="1601 characters"):
        channel.send(Message(channel="sms", to="+4930901820", subject="", body="x" * 1601))
