"""GET /metrics: Prometheus text, protected by a token or an address allow-list."""

from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django_q.brokers import get_broker
from django_q.tasks import async_task

from notifications.services import reminders_sweep

H = timedelta(hours=1)


def scrape(client, **extra) -> dict[str, float]:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for line in response.content.decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


@pytest.mark.django_db
def test_metrics_refuse_other_addresses_without_the_token(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403
    assert b"METRICS_TOKEN" in response.content
    with override_settings(METRICS_TOKEN="s3cret-scrape-token"):
        wrong = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer nope")
        assert wrong.status_code == 403
        samples = scrape(
            client, REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token"
        )
    assert "breachdesk_queue_depth" in samples
    with override_settings(METRICS_ALLOWED_IPS=["203.0.113.0/24"]):
        assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 200
        assert client.get("/metrics").status_code == 403  # loopback no longer listed


@pytest.mark.django_db
def test_requests_are_counted_by_route_not_by_path(client, api):
    before = scrape(client)
    key = (
        "breachdesk_http_requests_total"
        '{method="GET",route="api/v1/incidents/<int:pk>/",status="404"}'
    )
    for pk in (990001, 990002):
        assert api["viewer"].get(f"/api/v1/incidents/{pk}/").status_code == 404
    after = scrape(client)
    assert after[key] - before.get(key, 0) == 2
    assert not any("990001" in name for name in after)


@pytest.mark.django_db
def test_work_gauges_follow_obligations_reminders_and_deliveries(client, duty):
    due = duty.due_at
    with time_machine.travel(due - 30 * H, tick=False):
        samples = scrape(client)
    assert samples['breachdesk_obligations_pending{window="overdue"}'] == 0
    assert samples['breachdesk_obligations_pending{window="due_24h"}'] == 0
    assert samples['breachdesk_obligations_pending{window="due_72h"}'] >= 1

    # The 24 h reminder goes out 90 s after its step; the outbox records its messages.
    with time_machine.travel(due - 24 * H + timedelta(seconds=90), tick=False):
        assert reminders_sweep().sent == 1
        samples = scrape(client)
    assert samples['breachdesk_reminder_lateness_seconds{stat="max"}'] == pytest.approx(90)
    assert samples["breachdesk_reminders_sent_last_hour"] == 1
    recorded = {k: v for k, v in samples.items() if k.startswith("breachdesk_deliveries{")}
    assert recorded, samples
    assert all('state="recorded"' in k and 'provider="outbox"' in k for k in recorded)
    assert sum(recorded.values()) >= 1

    with time_machine.travel(due + 2 * H, tick=False):
        samples = scrape(client)
    assert samples['breachdesk_obligations_pending{window="overdue"}'] >= 1
    assert samples["breachdesk_reminders_sent_last_hour"] == 0  # the window moved on


@pytest.mark.django_db
def test_queue_depth_and_worker_heartbeat(client):
    samples = scrape(client)
    assert samples["breachdesk_worker_heartbeat_age_seconds"] == -1  # no worker ever ran
    async_task("breachdesk.timeutils.now_utc")  # sync in tests: runs and is recorded now
    samples = scrape(client)
    assert 0 <= samples["breachdesk_worker_heartbeat_age_seconds"] < 60
    assert samples["breachdesk_queue_depth"] == 0
    broker = get_broker()
    broker.enqueue("a queued task package")
    broker.enqueue("another one")
    try:
        assert scrape(client)["breachdesk_queue_depth"] == 2
    finally:
        broker.purge_queue()
