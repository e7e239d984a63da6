"""Resilience: worker processes racing over the same reminders, the database
connection dropping in the middle of a sweep, two DPOs submitting one filing at once.
Nothing is lost, nothing is sent or recorded twice.

Most run in the PostgreSQL pass of CI (they skip on SQLite, whose own multi-process race is
tests/notifications/test_concurrency_processes.py); the chaos test with kills, provider
faults and drops on both backends is tests/ops/test_chaos.py.
"""

from datetime import timedelta

import psycopg
import pytest
import time_machine
from django.db import OperationalError, close_old_connections, connection, transaction
from django.test import override_settings

from breachdesk.db import retry_on_lost_connection
from incidents.models import AuditEntry, Obligation
from notifications.filings.models import Filing
from notifications.models import AttemptStatus, OutboxMessage, ReminderAttempt
from notifications.services import LEASE, reminders_sweep
from tests.conftest import client_for, make_user
from tests.filings.conftest import AWARE as FILING_AWARE
from tests.filings.conftest import draft
from tests.intake.test_concurrency import run_concurrently
from tests.notifications.conftest import AWARE_AT
from tests.notifications.fakes import FakeSendGrid, Received, Reply
from tests.procs import ON_POSTGRESQL, pg_terminate, sweep_race_one_duty, worker_env

H = timedelta(hours=1)
WORKERS = 4
postgresql_only = pytest.mark.skipif(
    not ON_POSTGRESQL, reason="runs in the PostgreSQL pass of CI (DATABASE_URL=postgres://...)"
)


def _backend_pid() -> int:
    connection.ensure_connection()
    return connection.connection.info.backend_pid


def _terminate(pid: int) -> None:
    """What a failover or a server restart does to a worker: its session is cut."""
    assert pg_terminate(pid=pid) == 1


class DroppingSendGrid(FakeSendGrid):
    """Accepts mail like SendGrid; while answering the first request it cuts the database
    session of the worker that is sending, so the drop hits the worker mid-sweep."""

    def __init__(self, victim_pid: int) -> None:
        super().__init__()
        self.victim_pid = victim_pid
        self.cuts = 0

    def default_reply(self, received: Received) -> Reply:
        if not self.cuts:
            _terminate(self.victim_pid)
            self.cuts += 1
        return super().default_reply(received)


def test_four_worker_processes_sweep_each_step_exactly_once_on_postgresql(
    tmp_path, postgres_scratch
):
    env = worker_env(postgres_scratch, tmp_path)
    setup, rounds = sweep_race_one_duty(env, tmp_path, aware_at=AWARE_AT, workers=WORKERS)
    assert all(r["errors"] == 0 for reports in rounds for r in reports)

    with psycopg.connect(postgres_scratch.replace("postgres://", "postgresql://")) as db:
        rows = db.execute(
            "SELECT id, step_key, status, covered_by_id FROM notifications_reminderattempt "
            "WHERE obligation_id = %s ORDER BY step_at",
            (setup["obligation_id"],),
        ).fetchall()
        leads = [r for r in rows if r[3] is None]
        assert [r[1] for r in leads] == [
            "remaining-12h",
            "remaining-6h",
            "remaining-1h",
            "overdue-6h",
        ]
        assert {r[2] for r in leads} == {"sent"}
        # 48h and 24h covered by the first catch-up; the last catch-up records only the latest
        # overdue step (issue 10 item 4: a catch-up never lists every missed interval).
        assert len(rows) == 6
        per_lead = dict(
            db.execute(
                "SELECT reference, COUNT(*) FROM notifications_outboxmessage GROUP BY reference"
            ).fetchall()
        )
        assert per_lead == {f"reminder-{r[0]}": 3 for r in leads}  # 3 recipients, once each
        events = dict(
            db.execute(
                "SELECT kind, COUNT(*) FROM incidents_incidentevent "
                "WHERE kind IN ('reminder_sent', 'obligation_missed') GROUP BY kind"
            ).fetchall()
        )
        assert events == {"reminder_sent": 4, "obligation_missed": 1}


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_connection_cut_mid_send_loses_nothing_and_sends_nothing_twice(duty):
    due = duty.due_at
    victim = _backend_pid()
    with (
        DroppingSendGrid(victim) as sendgrid,
        override_settings(
            SENDGRID_API_KEY="SG.test-key.abc",
            SENDGRID_API_HOST=sendgrid.url,
            DEFAULT_FROM_EMAIL="breachdesk@example.test",
        ),
    ):
        with time_machine.travel(due - 24 * H, tick=False):
            report = reminders_sweep()
        assert sendgrid.cuts == 1
        assert _backend_pid() != victim  # the worker reconnected by itself
        assert (report.claimed, report.sent, report.errors) == (1, 1, 0)
        emails = len(sendgrid.received)
        assert emails >= 1

        # Long after the lease: nothing was left half-done, so nothing is sent again.
        with time_machine.travel(due - 24 * H + LEASE + timedelta(minutes=1), tick=False):
            later = reminders_sweep()
        assert (later.claimed, later.sent, later.retried, later.errors) == (0, 0, 0, 0)
        assert len(sendgrid.received) == emails

    lead = ReminderAttempt.objects.get(obligation=duty, covered_by__isnull=True)
    assert lead.status == AttemptStatus.SENT
    assert lead.step_key == "remaining-24h"
    log = OutboxMessage.objects.filter(reference=f"reminder-{lead.pk}")
    assert log.filter(provider="sendgrid", status="accepted").count() == emails
    assert log.values("to", "channel").distinct().count() == log.count()  # once per recipient


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_connection_cut_between_sweeps_fails_one_run_and_the_next_catches_up(duty):
    due = duty.due_at
    _terminate(_backend_pid())
    with time_machine.travel(due - 24 * H, tick=False), pytest.raises(OperationalError):
        reminders_sweep()  # django-q records the failed run; the schedule runs again

    close_old_connections()  # what the django-q worker does before every task
    assert ReminderAttempt.objects.count() == 0  # nothing half-claimed
    with time_machine.travel(due - 24 * H + timedelta(minutes=1), tick=False):
        report = reminders_sweep()
    assert (report.claimed, report.sent, report.errors) == (1, 1, 0)
    assert ReminderAttempt.objects.get(obligation=duty, covered_by__isnull=True).status == "sent"


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_dpos_submitting_the_same_filing_at_once_one_wins_the_other_gets_409(api, assessed):
    second = client_for(make_user("dpo", username="dpo-two"))
    day_two = FILING_AWARE + timedelta(hours=26)
    with time_machine.travel(day_two, tick=False):
        initial = draft(api, assessed["id"], "eu-gdpr-33-1-sa", "initial")
        url = f"/api/v1/filings/{initial['id']}/submit/"
        clients = [api["dpo"], second]
        responses = run_concurrently(
            2,
            lambda i: clients[i].post(
                url,
                {
                    "submitted_at": "2026-05-05T11:00:00Z",
                    "channel": "portal",
                    "authority_reference": f"REF-{i}",
                },
                format="json",
            ),
        )
    codes = sorted(getattr(r, "status_code", repr(r)) for r in responses)
    assert codes == [200, 409], [getattr(r, "content", r) for r in responses]
    winner = next(r for r in responses if r.status_code == 200).json()
    filing = Filing.objects.get(pk=initial["id"])
    assert filing.status == "submitted"
    assert filing.authority_reference == winner["authority_reference"]
    assert AuditEntry.objects.filter(action="filing.submitted").count() == 1
    duty = Obligation.objects.get(incident_id=assessed["id"], rule_code="eu-gdpr-33-1-sa")
    assert duty.status in ("met", "late")
    assert duty.evidence["filing_id"] == filing.pk


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_write_after_the_provider_answered_survives_a_database_busy_for_a_moment():
    """SQLite answers "database is locked" past its busy timeout with the connection alive:
    the outcome of a send must still be recorded (it used to be given up at once, so the
    reminder was sent again after its lease)."""
    tries = []

    def record():
        tries.append(connection.vendor)
        if len(tries) == 1:
            raise OperationalError("database is locked")
        return OutboxMessage.objects.count()

    assert retry_on_lost_connection(record, what="recording an outcome") == 0
    assert len(tries) == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_write_inside_a_transaction_is_not_retried_alone():
    def record():
        raise OperationalError("database is locked")

    with pytest.raises(OperationalError), transaction.atomic():
        retry_on_lost_connection(record, what="recording an outcome")
