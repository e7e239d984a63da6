"""`outbound.send_many`: many messages, each exactly once per key, in bounded statements."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from breachdesk.errors import DomainError
from notifications import outbound
from notifications.models import OutboundMessage, OutboxMessage


def batch(count: int, *, prefix: str = "k") -> list[outbound.Outgoing]:
    return [
        outbound.Outgoing(
            channel="sms" if n % 3 == 2 else "email",
            to=f"+49309018{n:04d}" if n % 3 == 2 else f"person{n}@example.test",
            subject="Deadline" if n % 3 != 2 else "",
            body=f"Reminder number {n}",
            key=f"{prefix}-{n}",
            purpose="test",
        )
        for n in range(count)
    ]


@pytest.mark.django_db
def test_send_many_sends_each_key_once_and_a_repeat_sends_nothing():
    items = batch(6)
    first = outbound.send_many(items)
    assert [m.state for m in first] == ["sent"] * 6
    assert [m.key for m in first] == [i.key for i in items]
    assert OutboxMessage.objects.count() == 6
    assert {m.provider_message_id for m in first} == {
        f"outbox-{pk}" for pk in OutboxMessage.objects.values_list("pk", flat=True)
    }
    again = outbound.send_many(items)
    assert [m.pk for m in again] == [m.pk for m in first]  # the first rows, unchanged
    assert OutboxMessage.objects.count() == 6  # nothing sent twice
    assert outbound.send(**{**items[0].__dict__}).pk == first[0].pk  # `send` is the same path


@pytest.mark.django_db
def test_a_key_reused_for_another_message_is_an_error_for_that_message_only():
    outbound.send_many(batch(2))
    reused = outbound.Outgoing(
        channel="email",
        to="person0@example.test",
        subject="Deadline",
        body="other",
        key="k-0",
        purpose="test",
    )
    bad = outbound.Outgoing(channel="fax", to="x", body="x", key="fax-1", purpose="test")
    fresh = batch(3, prefix="new")
    results = outbound.send_many([reused, bad, *fresh])
    assert isinstance(results[0], DomainError)
    assert results[0].code == "idempotency_key_reused"
    assert isinstance(results[1], DomainError)
    assert results[1].field == "channel"
    assert [m.state for m in results[2:]] == ["sent"] * 3  # the others went out
    assert OutboundMessage.objects.get(key="k-0").body == "Reminder number 0"
    assert OutboxMessage.objects.count() == 2 + 3
    with pytest.raises(DomainError, match="already used for a different message"):
        outbound.send(**{**reused.__dict__})


@pytest.mark.django_db
def test_send_many_statements_do_not_grow_with_the_number_of_messages():
    counts = []
    for size, prefix in ((30, "a"), (300, "b")):
        with CaptureQueriesContext(connection) as ctx:
            results = outbound.send_many(batch(size, prefix=prefix))
        assert all(m.state == "sent" for m in results)
        counts.append(len(ctx.captured_queries))
    # Bulk INSERTs split by SQLite's 999-parameter limit (every ~60 rows); nothing per message.
    assert counts[1] <= counts[0] + 12, counts
    assert counts[1] < 300 / 5, counts


@pytest.mark.django_db
def test_one_refusal_in_a_batch_leaves_the_others_sent(sendgrid, settings):
    settings.NOTIFICATIONS_RETRY_BACKOFF_SECONDS = 0
    items = [i for i in batch(4) if i.channel == "email"]
    sendgrid.reply_next(503, sendgrid.error(503, "unavailable"))
    results = outbound.send_many(items)
    assert [m.state for m in results] == ["queued", "sent", "sent"]  # 503: retried later
    assert "503" in results[0].error
    assert outbound.messages_retry_due()["sent"] == 1
    assert OutboundMessage.objects.get(pk=results[0].pk).tries == 2
    assert len(sendgrid.received) == 4
