"""Several workers sweeping at once: real threads, each with its own database connection.

These run on PostgreSQL (DATABASE_URL=postgres://... pytest tests/notifications). The default
in-memory SQLite test database is shared-cache: a second writer gets "database table is
locked" at once instead of waiting, so on SQLite the same race is run with worker processes
on a database file instead (test_concurrency_processes.py).
"""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection

from incidents.models import IncidentEvent
from notifications.models import OutboxMessage, ReminderAttempt
from notifications.services import reminders_sweep

H = timedelta(hours=1)
WORKERS = 4

# transaction=True: claims really commit, so the workers see each other's rows.
# serialized_rollback=True: the seeded rows (ladders, audit head, groups) come back afterwards.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _needs_a_server_database():
    if connection.vendor == "sqlite":
        pytest.skip(
            "in-memory SQLite cannot host concurrent writers; see test_concurrency_processes.py"
        )


def sweep_concurrently(workers: int = WORKERS) -> list:
    barrier = threading.Barrier(workers)
    reports, errors = [], []

    def work() -> None:
        try:
            barrier.wait(timeout=10)
            reports.append(reminders_sweep())
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()  # each thread opened its own connection

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(reports) == workers
    return reports


def test_concurrent_sweeps_send_exactly_one_message_per_step(duty):
    for hours in (48, 24, 12, 6, 1):
        with time_machine.travel(duty.due_at - hours * H, tick=False):
            reports = sweep_concurrently()
        assert sum(r.claimed for r in reports) == 1  # exactly one worker won the claim

    rows = ReminderAttempt.objects.filter(obligation=duty).order_by("step_at")
    assert [r.step_key for r in rows] == [f"remaining-{h}h" for h in (48, 24, 12, 6, 1)]
    assert {r.status for r in rows} == {"sent"}
    for row in rows:
        assert OutboxMessage.objects.filter(reference=f"reminder-{row.pk}").count() == 3
    events = IncidentEvent.objects.filter(kind="reminder_sent", payload__obligation_id=duty.pk)
    assert events.count() == 5


def test_concurrent_late_sweeps_send_one_catch_up_message(duty):
    with time_machine.travel(duty.due_at + 7 * H, tick=False):
        reports = sweep_concurrently()
    rows = ReminderAttempt.objects.filter(obligation=duty)
    leads = rows.filter(covered_by__isnull=True)
    assert leads.count() == 1
    lead = leads.get()
    assert lead.step_key == "overdue-6h"
    assert lead.status == "sent"
    assert rows.count() == 6  # 5 before the deadline + the latest overdue step (6 h)
    assert OutboxMessage.objects.filter(reference=f"reminder-{lead.pk}").count() == 3
    assert OutboxMessage.objects.count() == 3
    missed = IncidentEvent.objects.filter(kind="obligation_missed", incident=duty.incident)
    assert missed.count() == 1
    assert sum(r.missed_recorded for r in reports) == 1
