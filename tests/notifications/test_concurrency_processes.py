"""Exactly once across worker PROCESSES sharing one database file (as django-q2 workers do).

The in-memory test database cannot host concurrent writers (shared-cache SQLite answers
"database table is locked" instead of waiting), so this test migrates a real SQLite file
with the dev settings (WAL, IMMEDIATE transactions, busy timeout) and races 4 processes.
"""

import json
import os
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AWARE_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
WORKERS = 4
H = timedelta(hours=1)


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "breachdesk.settings.dev",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "BREACHDESK_VAR_DIR": str(tmp_path),
        "LOG_LEVEL": "WARNING",
        "SENDGRID_API_KEY": "",
        "TWILIO_ACCOUNT_SID": "",
    }


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603 (fixed argv, our own interpreter and module)
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _race(moments: list[datetime], env: dict[str, str], tmp_path: Path) -> list[list[dict]]:
    """Start WORKERS processes; release them together once per moment; collect reports."""
    workers = [
        subprocess.Popen(  # noqa: S603 (fixed argv, our own interpreter and module)
            [
                sys.executable,
                "-m",
                "tests.notifications.sweep_worker",
                "race",
                str(tmp_path),
                str(n),
                *(at.isoformat() for at in moments),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WORKERS)
    ]
    try:
        for round_no in range(len(moments)):
            deadline = time.monotonic() + 60
            # Every worker is ready for round n only after finishing round n - 1.
            while not all((tmp_path / f"ready-{round_no}-{n}").exists() for n in range(WORKERS)):
                assert time.monotonic() < deadline, "workers did not get ready"
                assert all(w.poll() is None for w in workers), "a worker died"
                time.sleep(0.005)
            (tmp_path / f"go-{round_no}").touch()
        outputs = [w.communicate(timeout=60) for w in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.communicate()
    rounds: list[list[dict]] = [[] for _ in moments]
    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
        for line in out.strip().splitlines():
            report = json.loads(line)
            rounds[report["round"]].append(report)
    return rounds


def test_four_worker_processes_send_each_step_exactly_once(tmp_path):
    env = _env(tmp_path)
    _run(["manage.py", "migrate", "-v0"], env)
    setup = json.loads(
        _run(
            [
                "-m",
                "tests.notifications.sweep_worker",
                "setup",
                (AWARE_AT + timedelta(minutes=5)).isoformat(),
            ],
            env,
        )
    )
    due = datetime.fromisoformat(setup["due_at"])

    moments = [due - 12 * H, due - 6 * H, due - 1 * H, due + 7 * H]  # 1st and last: catch-up
    rounds = _race(moments, env, tmp_path)

    for reports in rounds:
        assert len(reports) == WORKERS
        assert sum(r["claimed"] for r in reports) == 1  # one winner per round
        assert sum(r["sent"] for r in reports) == 1
    assert sum(r["missed_recorded"] for reports in rounds for r in reports) == 1

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
