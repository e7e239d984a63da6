"""`manage.py db_backup` / `db_restore`: a backup, then changes, then the restore gives back
exactly the backed-up rows (every model, compared as dumpdata) with an intact audit chain.

Runs on SQLite (a scratch file) and, when DATABASE_URL points at PostgreSQL, on a scratch
database of that server through pg_dump / pg_restore.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _roundtrip(env: dict[str, str], workdir: Path) -> dict:
    done = subprocess.run(  # noqa: S603 (fixed argv, our own interpreter and module)
        [sys.executable, "-m", "tests.ops.backup_roundtrip", str(workdir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _env(database_url: str, workdir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "breachdesk.settings.dev",
        "DATABASE_URL": database_url,
        "BREACHDESK_VAR_DIR": str(workdir),
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": "",
    }


def _assert_restored(report: dict) -> None:
    assert report["before"][1] > 100  # the demo data: many rows of many models
    assert report["incidents"] > 0
    assert report["altered"] != report["before"]
    assert report["after"] == report["before"]
    assert "Audit trail intact" in report["restore_output"]


def test_sqlite_backup_restore_roundtrip(tmp_path):
    report = _roundtrip(_env(f"sqlite:///{tmp_path / 'live.sqlite3'}", tmp_path), tmp_path)
    _assert_restored(report)


def test_postgresql_backup_restore_roundtrip(tmp_path, postgres_scratch):
    _assert_restored(_roundtrip(_env(postgres_scratch, tmp_path), tmp_path))
