"""`manage.py db_backup` / `db_restore`: a backup, then changes, then the restore gives back
exactly the backed-up rows (every model, compared as dumpdata) with an intact audit chain.

Runs on SQLite (a scratch file) and, when DATABASE_URL points at PostgreSQL, on a scratch
database of that server through pg_dump / pg_restore.
"""

from pathlib import Path

from tests.procs import run_json, worker_env


def _roundtrip(env: dict[str, str], workdir: Path) -> dict:
    return run_json(["-m", "tests.ops.backup_roundtrip", str(workdir)], env, timeout=300)


def _env(database_url: str, workdir: Path) -> dict[str, str]:
    return {**worker_env(database_url, workdir), "REDIS_URL": ""}


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
