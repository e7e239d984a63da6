"""Provider receipts: signed SendGrid events and Twilio callbacks move states; forgeries 403."""

import json
import time
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle
from twilio.request_validator import RequestValidator

from notifications import outbound
from notifications.campaigns import services
from notifications.models import Delivery, ReceiptEvent
from tests.notifications.conftest import CONTENT, TWILIO_TOKEN, sendgrid_signed

SENDGRID_URL = "/api/v1/receipts/sendgrid/"
TWILIO_URL = "/api/v1/receipts/twilio/"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def sent(ca_breach, assignee, django_capture_on_commit_callbacks):
    """Two e-mail deliveries handed to the outbox (state `sent`)."""
    campaign = services.campaign_create(
        incident_id=ca_breach.pk, actor=assignee, name="N", channels=["email"], content=CONTENT
    )
    services.campaign_import_rows(
        campaign_id=campaign.pk,
        rows=[{"email": "a@example.com"}, {"email": "b@example.com"}],
        actor=assignee,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_start(campaign_id=campaign.pk, actor=assignee)
    return list(Delivery.objects.order_by("pk"))


def event(delivery, kind: str, event_id: str, **extra) -> dict:
    return {
        "email": "a@example.com",
        "timestamp": 1_780_000_000,
        "event": kind,
        "sg_event_id": event_id,
        "sg_message_id": "sg-msg-0001.filter0001.1.0",
        "breachdesk_ref": f"d{delivery.pk}",
        **extra,
    }


def post_sendgrid(private, events, *, timestamp=None, tamper=False):
    body = json.dumps(events).encode()
    headers = sendgrid_signed(private, body, timestamp or int(time.time()))
    if tamper:
        body = body.replace(b"delivered", b"bounce")
    return APIClient().post(SENDGRID_URL, body, content_type="application/json", **headers)


@pytest.mark.django_db
def test_signed_sendgrid_events_move_states_and_duplicates_change_nothing(sent, webhook_key):
    a, b = sent
    events = [
        event(a, "delivered", "ev-1"),
        event(b, "bounce", "ev-2", reason="550 5.1.1 mailbox unavailable"),
        event(a, "open", "ev-3"),
    ]
    response = post_sendgrid(webhook_key, events)
    assert response.status_code == 200
    assert response.json() == {"received": 3, "new": 3, "duplicates": 0}
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.state, b.state) == ("delivered", "bounced")
    assert b.error == "550 5.1.1 mailbox unavailable"
    assert a.final_at is not None
    again = post_sendgrid(webhook_key, events)
    assert again.json() == {"received": 3, "new": 0, "duplicates": 3}
    assert ReceiptEvent.objects.count() == 3
    # A late "processed" never moves a final state back.
    post_sendgrid(webhook_key, [event(a, "processed", "ev-4")])
    a.refresh_from_db()
    assert a.state == "delivered"


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["unsigned", "forged", "tampered", "replayed", "other_key"])
def test_unsigned_forged_or_replayed_sendgrid_receipts_get_403_and_change_nothing(
    sent, webhook_key, case
):
    a, _ = sent
    events = [event(a, "delivered", "ev-1")]
    body = json.dumps(events).encode()
    if case == "unsigned":
        response = APIClient().post(SENDGRID_URL, body, content_type="application/json")
    elif case == "forged":
        headers = sendgrid_signed(webhook_key, body, int(time.time()))
        headers["HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_SIGNATURE"] = "MEUCIQDforged"
        response = APIClient().post(SENDGRID_URL, body, content_type="application/json", **headers)
    elif case == "tampered":
        response = post_sendgrid(webhook_key, events, tamper=True)
    elif case == "replayed":
        response = post_sendgrid(webhook_key, events, timestamp=int(time.time()) - 3600)
    else:
        response = post_sendgrid(ec.generate_private_key(ec.SECP256R1()), events)
    assert response.status_code == 403
    a.refresh_from_db()
    assert a.state == "sent"
    assert not ReceiptEvent.objects.exists()


def twilio_post(params: dict, *, ref: str, token: str = TWILIO_TOKEN, signature=None):
    url = f"http://127.0.0.1:8000{TWILIO_URL}?ref={ref}"
    signature = signature or RequestValidator(token).compute_signature(url, params)
    return APIClient().post(
        f"{TWILIO_URL}?ref={ref}",
        urlencode(params),
        content_type=FORM,
        HTTP_X_TWILIO_SIGNATURE=signature,
    )


@pytest.mark.django_db
def test_twilio_status_callbacks_are_verified_and_idempotent(sent, settings):
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    a, b = sent
    delivered = {"MessageSid": "SM1", "MessageStatus": "delivered", "AccountSid": "AC1"}
    assert twilio_post(delivered, ref=f"d{a.pk}").status_code == 200
    assert twilio_post(delivered, ref=f"d{a.pk}").json()["duplicates"] == 1
    undelivered = {"MessageSid": "SM2", "MessageStatus": "undelivered", "ErrorCode": "30003"}
    twilio_post(undelivered, ref=f"d{b.pk}")
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.state, b.state) == ("delivered", "bounced")
    assert b.error == "Twilio error 30003"

    assert twilio_post(delivered, ref=f"d{b.pk}", token="wrong-token").status_code == 403
    # The signature covers the URL: moving a valid callback to another delivery is refused.
    signed_for_a = RequestValidator(TWILIO_TOKEN).compute_signature(
        f"http://127.0.0.1:8000{TWILIO_URL}?ref=d{a.pk}", {**delivered, "MessageSid": "SM9"}
    )
    moved = twilio_post({**delivered, "MessageSid": "SM9"}, ref=f"d{b.pk}", signature=signed_for_a)
    assert moved.status_code == 403
    unsigned = APIClient().post(
        f"{TWILIO_URL}?ref=d{b.pk}", urlencode(delivered), content_type=FORM
    )
    assert unsigned.status_code == 403
    b.refresh_from_db()
    assert b.state == "bounced"


@pytest.mark.django_db
def test_single_message_send_is_exactly_once_per_key_and_takes_receipts(
    ca_breach, webhook_key, sendgrid
):
    kwargs = {
        "channel": "email",
        "to": "dpo@customer.example",
        "subject": "Breach at your processor",
        "body": "We detected a breach affecting your data.",
        "key": "filing-17-notice",
        "purpose": "controller_notice",
        "incident_id": ca_breach.pk,
    }
    message = outbound.send(**kwargs)
    assert (message.state, message.provider) == ("sent", "sendgrid")
    assert message.provider_message_id.startswith("sg-msg-")
    assert message.sent_at is not None
    again = outbound.send(**kwargs)
    assert again.pk == message.pk
    assert len(sendgrid.received) == 1
    [request] = sendgrid.received
    args = request.json()["personalizations"][0]["custom_args"]
    assert args["breachdesk_receipt_ref"] == f"m{message.pk}"
    assert args["breachdesk_ref"] == "filing-17-notice"
    with pytest.raises(Exception, match="already used for a different message"):
        outbound.send(**{**kwargs, "body": "other text"})

    receipt = {**event(message, "delivered", "ev-m1"), **args}
    assert post_sendgrid(webhook_key, [receipt]).status_code == 200
    message.refresh_from_db()
    assert message.state == "delivered"


@pytest.mark.django_db
def test_single_message_retries_5xx_later_and_fails_on_permanent_errors(sendgrid, settings):
    settings.NOTIFICATIONS_RETRY_BACKOFF_SECONDS = 0
    sendgrid.reply_next(503, sendgrid.error(503, "unavailable"))
    first = outbound.send(channel="email", to="a@b.example", body="x", key="k1", purpose="test")
    assert first.state == "queued"
    assert "503" in first.error
    assert outbound.messages_retry_due()["sent"] == 1
    first.refresh_from_db()
    assert first.state == "sent"
    assert first.tries == 2
    sendgrid.reply_next(400, sendgrid.error(400, "Invalid to address", "personalizations.0.to"))
    failed = outbound.send(channel="email", to="bad@b.example", body="x", key="k2", purpose="t")
    assert failed.state == "failed"
    assert "Invalid to address" in failed.error
    assert outbound.messages_retry_due()["sent"] == 0
    assert len(sendgrid.received) == 3


@pytest.mark.django_db
def test_provider_receipts_are_not_held_to_the_anonymous_rate(
    sent, webhook_key, settings, monkeypatch
):
    """Twilio posts one status callback per message from a few addresses and does not retry
    a refused one; a campaign's receipts must all land (the anonymous rate, 60/min, used to
    answer 429 from the 61st on: those deliveries stayed unknown and were sent again)."""
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": None})
    cache.clear()
    feed = "/api/v1/calendar/unknown-token.ics"
    assert [APIClient().get(feed).status_code for _ in range(4)] == [404, 404, 404, 429]

    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    a, _b = sent
    codes = [
        twilio_post({"MessageSid": f"SM{n}", "MessageStatus": "sent"}, ref=f"d{a.pk}").status_code
        for n in range(6)
    ]
    assert codes == [200] * 6
    codes = [
        post_sendgrid(webhook_key, [{"event": "processed", "sg_event_id": f"p{n}"}]).status_code
        for n in range(6)
    ]
    assert codes == [200] * 6
