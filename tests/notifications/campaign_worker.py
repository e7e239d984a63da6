"""Helper process for the kill -9 test (its own DB connection to a shared SQLite file).

    python -m tests.notifications.campaign_worker setup N          -> {"campaign_id": ...}
    python -m tests.notifications.campaign_worker receipts FILE    -> {"received": ...}

`receipts` reads SendGrid personalizations the fake server recorded (a JSON list of refs
with the X-Message-Id they were accepted under) and posts them as a signed Event Webhook
through the real endpoint, like SendGrid would; then runs the campaign sweep.
"""

import base64
import json
import os
import sys
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec


def _setup(count: int) -> dict:
    from django.contrib.auth import get_user_model

    from incidents.models import Organization
    from incidents.services.incidents import incident_create
    from notifications.campaigns import services

    user = get_user_model().objects.create_user(username="alice", email="alice@example.test")
    Organization.objects.create(legal_name="Example Inc.", country="US", role="controller")
    incident = incident_create(
        actor=user, data={"title": "Kill test", "countries": ["US-CA"]}, now=None
    )
    campaign = services.campaign_create(
        incident_id=incident.pk,
        actor=user,
        name="Notice",
        channels=["email"],
        content={"en": {"subject": "Notice for {{name}}", "text": "Dear {{name}}"}},
    )
    services.campaign_import_rows(
        campaign_id=campaign.pk,
        rows=[
            {"email": f"p{i}@example.com", "name": f"P{i}", "region": "US-CA"} for i in range(count)
        ],
        actor=user,
    )
    services.campaign_start(campaign_id=campaign.pk, actor=user)
    return {"campaign_id": campaign.pk}


def sendgrid_events_post(private_pem: str, events: list[dict]) -> dict:
    """POST events through the real Event Webhook endpoint, signed like SendGrid signs them."""
    from django.test import Client

    private = serialization.load_pem_private_key(private_pem.encode(), password=None)
    body = json.dumps(events).encode()
    stamp = str(int(time.time()))
    signature = private.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    response = Client().post(
        "/api/v1/receipts/sendgrid/",
        body,
        content_type="application/json",
        HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_SIGNATURE=base64.b64encode(signature).decode(),
        HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_TIMESTAMP=stamp,
    )
    assert response.status_code == 200, response.content
    return response.json()


def _receipts(path: str) -> dict:
    from notifications.campaigns import services

    with open(path) as handle:
        data = json.load(handle)
    events = [
        {
            "email": "x@example.com",
            "timestamp": int(time.time()),
            "event": "processed",
            "sg_event_id": f"processed-{ref}-{n}",
            "sg_message_id": f"{message_id}.filter",
            "breachdesk_ref": ref,
        }
        for n, (ref, message_id) in enumerate(data["accepted"])
    ]
    return {**sendgrid_events_post(data["private_key"], events), **services.campaigns_sweep()}


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "breachdesk.settings.dev")
    import django

    django.setup()
    result = _setup(int(argv[1])) if argv[0] == "setup" else _receipts(argv[1])
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
