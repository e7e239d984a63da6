"""The affected people's personal data: encrypted at rest while it is needed, and gone on the
schedule the product documents (docs/campaigns.md step 7: `NOTIFICATIONS_CAMPAIGN_PURGE_DAYS`
after completion, by the every-minute `outbound-sweep`).

Every kind of it is created through the public interfaces (an imported CSV file with names,
postal addresses and merge fields; deliveries by e-mail through the real sendgrid library and
by SMS; a signed bounce receipt quoting the address; the letters export), then the whole
database is read raw, table by table, for any of it."""

import json
import time
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from breachdesk.crypto import encrypted_fields
from incidents.models import AuditEntry
from notifications import tasks
from notifications.models import Campaign, Delivery, ReceiptEvent, Recipient
from notifications.redact import redact_contacts
from tests.conftest import client_for, make_user
from tests.notifications.conftest import approved_notice, csv_bytes, sendgrid_signed

PEOPLE = [
    # email, phone, name, address, account (a merge field)
    ("anna.schmidt@example.org", "+4915112345678", "Anna Schmidt", "Lindenweg 5, Bonn", "AC-99812"),
    ("bob.jones@example.net", "", "Bob Jones", "", "AC-77301"),
    ("", "+14155550123", "Carla Diaz", "", "AC-55120"),
    ("", "", "Dmitri Ivanov", "Rue Verte 9, Lyon", "AC-31007"),  # a letter only
]
VALUES = [value for person in PEOPLE for value in person if value]
NEEDLES = list(VALUES)
# How the numbers appear elsewhere (national form, digits only): none of these either.
NEEDLES += ["15112345678", "4155550123", "schmidt", "jones@"]


def raw_hits() -> list[str]:
    """Every table, every column, as stored: where any needle appears (case-insensitive)."""
    hits = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            names = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                for name, value in zip(names, row, strict=True):
                    text = str(value).lower() if value is not None else ""
                    hits += [f"{table}.{name}: {n}" for n in NEEDLES if n.lower() in text]
    return hits


def decrypted_hits() -> list[str]:
    """Every encrypted column of every model, decrypted: where any needle appears."""
    hits = []
    for model, fields in encrypted_fields():
        for row in model.objects.values_list(*[f.attname for f in fields]):
            text = json.dumps(row, default=str).lower()
            hits += [f"{model.__name__}: {n}" for n in NEEDLES if n.lower() in text]
    return hits


@pytest.fixture
def dpo(db):
    return make_user("dpo", username="purge-dpo")


@pytest.fixture
def completed(ca_breach, assignee, dpo, sendgrid, webhook_key, django_capture_on_commit_callbacks):
    """A campaign on the approved notice, its list imported as a CSV file, sent by e-mail
    (SendGrid) and SMS (outbox), one bounce receipt quoting the address, letters exported."""
    notice = approved_notice(ca_breach, assignee, residents={"US-CA": len(PEOPLE)})
    api = client_for(dpo)
    created = api.post(
        f"/api/v1/incidents/{ca_breach.pk}/campaigns/",
        {"name": "Notice", "channels": ["email", "sms"], "notice": notice.pk},
        format="json",
    )
    campaign_id = created.json()["id"]
    rows = [[e, p, n, a, acc, "US-CA", "en"] for e, p, n, a, acc in PEOPLE]
    body = csv_bytes(["email", "phone", "name", "address", "account", "region", "language"], rows)
    upload = SimpleUploadedFile("people.csv", body, content_type="text/csv")
    imported = api.post(
        f"/api/v1/campaigns/{campaign_id}/imports/", {"file": upload}, format="multipart"
    )
    assert imported.status_code == 201, imported.content
    assert imported.json()["accepted"] == len(PEOPLE)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"/api/v1/campaigns/{campaign_id}/start/").status_code == 202
    campaign = Campaign.objects.get(pk=campaign_id)
    assert campaign.status == "completed"
    # The real sendgrid library sent the people's addresses and names to the provider.
    sent = json.dumps([r.json() for r in sendgrid.received])
    assert "anna.schmidt@example.org" in sent
    assert "Anna Schmidt" in sent  # the notice's personalisation
    bob = Delivery.objects.get(campaign=campaign, channel="email", recipient__line=3)
    bounce = {
        "email": "bob.jones@example.net",
        "timestamp": int(time.time()),
        "event": "bounce",
        "sg_event_id": "ev-bounce-1",
        "sg_message_id": "sg-1.filter",
        "breachdesk_ref": f"d{bob.pk}",
        "reason": "550 5.1.1 <bob.jones@example.net>: Recipient address rejected",
    }
    payload = json.dumps([bounce]).encode()
    receipt = api.post(
        "/api/v1/receipts/sendgrid/",
        payload,
        content_type="application/json",
        **sendgrid_signed(webhook_key, payload, int(time.time())),
    )
    assert receipt.status_code == 200, receipt.content
    letters = api.get(f"/api/v1/campaigns/{campaign_id}/letters.csv")
    assert "Lindenweg" not in "".join(s.decode() for s in letters.streaming_content)  # has email
    campaign.refresh_from_db()
    return campaign


@pytest.mark.django_db
def test_nothing_identifying_is_stored_in_clear_and_the_purge_removes_the_rest(completed, settings):
    days = settings.NOTIFICATIONS_CAMPAIGN_PURGE_DAYS
    bob = Delivery.objects.get(campaign=completed, channel="email", recipient__line=3)
    assert bob.state == "bounced"
    assert bob.error == "550 5.1.1 <<recipient>>: Recipient address rejected"
    assert ReceiptEvent.objects.get().reason == bob.error
    # At rest, before the purge: no table holds any of it in clear ...
    assert raw_hits() == []
    # ... yet it is all there, encrypted, while the campaign may need it (letters, retries).
    found = decrypted_hits()
    assert [v for v in VALUES if not any(h.endswith(f": {v}") for h in found)] == []

    with time_machine.travel(completed.completed_at + timedelta(days=days, minutes=-1)):
        assert tasks.outbound_sweep()["purged"] == 0
    assert decrypted_hits() != []
    with time_machine.travel(completed.completed_at + timedelta(days=days, minutes=1)):
        assert tasks.outbound_sweep()["purged"] == 1

    assert decrypted_hits() == []
    assert raw_hits() == []
    assert set(Recipient.objects.values_list("contact", "dedup_key")) == {(None, None)}
    with connection.cursor() as cursor:  # NULL in the columns themselves, not an empty token
        cursor.execute(
            "SELECT COUNT(*) FROM notifications_recipient "
            "WHERE contact IS NOT NULL OR dedup_key IS NOT NULL"
        )
        assert cursor.fetchone() == (0,)
    completed.refresh_from_db()
    assert completed.purged_at is not None
    assert completed.recipients_count == len(PEOPLE)  # the evidence stays: counts, states
    assert completed.evidence["recipients_reached"] >= 3
    entry = AuditEntry.objects.get(action="campaign.contacts_purged")
    assert entry.data["recipients"] == len(PEOPLE)
    # Nothing can bring it back: the letters export and a retry refuse.
    dpo = client_for(make_user("dpo", username="later-dpo"))
    assert dpo.get(f"/api/v1/campaigns/{completed.pk}/letters.csv").status_code == 409
    retry = dpo.post(f"/api/v1/campaigns/{completed.pk}/retry/", {}, format="json")
    assert retry.status_code == 409


@pytest.mark.django_db
def test_the_purge_also_clears_addresses_a_provider_error_quoted_on_a_delivery(completed):
    """Errors kept from before receipts were redacted (or quoted by another path) go with the
    contact data: the delivery keeps its state and the error's words, not the address."""
    Delivery.objects.filter(campaign=completed, channel="email", recipient__line=2).update(
        error="Mailbox full for anna.schmidt@example.org (+4915112345678)"
    )
    assert raw_hits() != []  # the test can see such a leak
    with time_machine.travel(completed.completed_at + timedelta(days=365)):
        tasks.outbound_sweep()
    assert raw_hits() == []
    errors = Delivery.objects.filter(campaign=completed).exclude(error="")
    assert "Mailbox full for <recipient> (<recipient>)" in set(
        errors.values_list("error", flat=True)
    )


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("550 5.1.1 <ann@example.com>: rejected", "550 5.1.1 <<recipient>>: rejected"),
        ("Bounced: ann.b+tag@mail.example.co.uk (full)", "Bounced: <recipient> (full)"),
        ("SMS to +49 30 1234567 failed", "SMS to <recipient> failed"),
        ("Twilio error 30003", "Twilio error 30003"),
        ("550 5.1.1 user unknown", "550 5.1.1 user unknown"),
        ("", ""),
    ],
)
def test_provider_texts_lose_the_addresses_they_quote(text, clean):
    assert redact_contacts(text) == clean
