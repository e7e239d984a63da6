"""Migration notifications/0009 takes the addresses out of provider texts stored before
receipts were redacted (a bounce reason on the receipt and on the message it failed)."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("notifications", "0008_campaign_delay_reason")]
AFTER = [("notifications", "0009_redact_provider_texts")]
AT = datetime(2026, 1, 5, 10, tzinfo=UTC)
BOUNCE = "550 5.1.1 <ann@example.com>: Recipient address rejected"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_stored_bounce_reasons_lose_the_address_and_other_texts_stay():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    receipts = old.get_model("notifications", "ReceiptEvent")
    messages = old.get_model("notifications", "OutboundMessage")
    common = {"provider": "sendgrid", "occurred_at": AT, "received_at": AT}
    receipts.objects.create(event_id="e1", reference="m1", kind="bounce", reason=BOUNCE, **common)
    receipts.objects.create(event_id="e2", reference="d7", kind="bounce", reason=BOUNCE, **common)
    receipts.objects.create(
        event_id="e3", reference="d8", kind="dropped", reason="Twilio error 30003", **common
    )
    messages.objects.create(
        key="k1",
        purpose="reminder",
        channel="sms",
        to="+4930123456",
        body="Reminder",
        state="failed",
        error="Unreachable destination +49 30 123456",
        created_by="system",
        created_at=AT,
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    reasons = dict(
        new.get_model("notifications", "ReceiptEvent").objects.values_list("event_id", "reason")
    )
    assert reasons == {
        "e1": "550 5.1.1 <<recipient>>: Recipient address rejected",
        "e2": "550 5.1.1 <<recipient>>: Recipient address rejected",
        "e3": "Twilio error 30003",
    }
    message = new.get_model("notifications", "OutboundMessage").objects.get()
    assert message.error == "Unreachable destination <recipient>"
    assert message.to == "+4930123456"  # the staff address it is for is not a provider text

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # leave the database as the suite expects
