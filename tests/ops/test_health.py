"""GET /healthz: database, broker, worker heartbeat and schedule freshness, 200 or 503."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django_q.tasks import async_task

from breachdesk.db import database_optimize
from breachdesk.timeutils import now_utc
from notifications.services import SCHEDULES, schedules_ensure


def health(client):
    response = client.get("/healthz")
    return response.status_code, response.json()


@pytest.mark.django_db
def test_a_fresh_install_without_worker_or_schedules_is_unhealthy(client):
    status, body = health(client)
    assert status == 503
    assert body["status"] == "fail"
    assert body["failing"] == ["schedules", "worker"]
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True
    assert body["checks"]["worker"]["last_seen_at"] is None
    assert body["checks"]["schedules"]["schedules"] == 0


@pytest.mark.django_db
def test_healthy_with_fresh_schedules_and_a_recent_task_then_stale(client):
    start = now_utc()
    with time_machine.travel(start, tick=False):
        schedules_ensure()
        async_task("breachdesk.timeutils.now_utc")  # runs inline (sync) and records the task
        status, body = health(client)
    assert status == 200, body
    assert body == {**body, "status": "ok", "failing": []}
    assert body["checks"]["schedules"]["late"] == []

    # Ten minutes later nobody has run the schedules or any task: the worker is gone.
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        status, body = health(client)
    assert status == 503
    assert body["failing"] == ["schedules", "worker"]
    assert body["checks"]["worker"]["age_seconds"] == pytest.approx(600, abs=2)
    # Every schedule was due at install time and nobody ran it.
    assert body["checks"]["schedules"]["late"] == sorted(SCHEDULES)


@pytest.mark.django_db
def test_liveness_needs_only_the_database(client):
    response = client.get("/healthz/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_the_daily_optimize_schedule_gives_sqlite_planner_statistics():
    schedules_ensure()
    assert "database-optimize" in SCHEDULES
    result = database_optimize()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM sqlite_stat1")
            assert cursor.fetchone()[0] > 0
        assert result == "sqlite: ANALYZE done"
    else:
        assert "kept by the server" in result
