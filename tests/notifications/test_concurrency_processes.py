"""Exactly once across worker PROCESSES sharing one database file (as django-q2 workers do).

The in-memory test database cannot host concurrent writers (shared-cache SQLite answers
"database table is locked" instead of waiting), so this test migrates a real SQLite file
with the dev settings (WAL, IMMEDIATE transactions, busy timeout) and races 4 processes.
"""

import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.procs import run, sweep_race, sweep_race_one_duty, worker_env

AWARE_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
WORKERS = 4


def _env(tmp_path: Path) -> dict[str, str]:
    return worker_env(f"sqlite:///{tmp_path / 'race.sqlite3'}", tmp_path)


def test_four_worker_processes_send_each_step_exactly_once(tmp_path):
    setup, _ = sweep_race_one_duty(_env(tmp_path), tmp_path, aware_at=AWARE_AT, workers=WORKERS)

    with closing(sqlite3.connect(tmp_path / "race.sqlite3")) as db:
        rows = db.execute(
            "SELECT id, step_key, status, covered_by_id FROM notifications_reminderattempt "
            "WHERE obligation_id = ? ORDER BY step_at",
            (setup["obligation_id"],),
        ).fetchall()
        assert [r[1] for r in rows] == [
            "remaining-48h",
            "remaining-24h",
            "remaining-12h",
            "remaining-6h",
            "remaining-1h",
            "overdue-6h",  # the catch-up at due + 7 h: only the latest overdue step
        ]
        leads = [r for r in rows if r[3] is None]
        assert [r[1] for r in leads] == [
            "remaining-12h",
            "remaining-6h",
            "remaining-1h",
            "overdue-6h",
        ]
        assert {r[2] for r in leads} == {"sent"}
        per_lead = dict(
            db.execute(
                "SELECT reference, COUNT(*) FROM notifications_outboxmessage GROUP BY reference"
            )
        )
        assert per_lead == {f"reminder-{r[0]}": 3 for r in leads}  # 3 recipients, once each
        kinds = dict(
            db.execute(
                "SELECT kind, COUNT(*) FROM incidents_incidentevent "
                "WHERE kind IN ('reminder_sent', 'obligation_missed') GROUP BY kind"
            )
        )
        assert kinds == {"reminder_sent": 4, "obligation_missed": 1}


def test_four_worker_processes_send_each_digest_once(tmp_path):
    """Six duties of the same assignee fall due together and four sweeps race for them: each
    duty is claimed once, and each recipient gets each duty once, in one digest."""
    env = _env(tmp_path)
    run(["manage.py", "migrate", "-v0"], env)
    at = (AWARE_AT + timedelta(minutes=5)).isoformat()
    setup = json.loads(run(["-m", "tests.notifications.sweep_worker", "setup", at, "6"], env))
    due = datetime.fromisoformat(setup["due_at"])
    (reports,) = sweep_race([due - timedelta(hours=12)], env, tmp_path, workers=WORKERS)
    assert sum(r["claimed"] for r in reports) == 6
    assert sum(r["sent"] for r in reports) == 6
    assert all(r["errors"] == 0 for r in reports)

    with closing(sqlite3.connect(tmp_path / "race.sqlite3")) as db:
        per_recipient = db.execute(
            'SELECT m.channel, m."to", COUNT(*) FROM notifications_outboundmessage m '
            'GROUP BY m.channel, m."to"'
        ).fetchall()
        assert len(per_recipient) == 3  # the assignee, the DPO by e-mail and by SMS
        assert {n for _, _, n in per_recipient} == {1}  # one digest each
        carried = db.execute(
            'SELECT l.attempt_id, m.channel, m."to", COUNT(*) '
            "FROM notifications_reminderdelivery l "
            "JOIN notifications_outboundmessage m ON m.id = l.message_id "
            'GROUP BY l.attempt_id, m.channel, m."to"'
        ).fetchall()
        assert len(carried) == 6 * 3  # every duty to every recipient ...
        assert {n for *_, n in carried} == {1}  # ... exactly once
        (outbox,) = db.execute("SELECT COUNT(*) FROM notifications_outboxmessage").fetchone()
        assert outbox == 3
