"""Backup and restore of the whole database, consistent while BreachDesk runs.

PostgreSQL: `pg_dump --format=custom` (one consistent snapshot) and `pg_restore --clean
--if-exists --single-transaction` (all or nothing). SQLite: the online backup API, page by
page under a read transaction, in both directions. The client programs come from Debian's
`postgresql-client` and must be at least the server's major version.

Restoring replaces everything in the database, the audit chain included: stop the web and
worker processes first, and run `manage.py verify_audit` afterwards (the commands do).
"""

import os
import shutil
import sqlite3
import subprocess  # nosec B404  # fixed argv of pg_dump/pg_restore, never a shell
from contextlib import closing
from pathlib import Path

from django.db import connections


class BackupFailed(Exception):
    """The backup or restore did not happen (the message says why)."""


def _settings(alias: str) -> dict:
    return connections[alias].settings_dict


def _pg_env(db: dict) -> dict[str, str]:
    env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[var] = str(db[key])
    return env


def _run(argv: list[str], db: dict) -> None:
    program = shutil.which(argv[0])
    if program is None:
        raise BackupFailed(
            f"{argv[0]} is not installed (Debian: apt-get install postgresql-client)."
        )
    done = subprocess.run(  # noqa: S603  # nosec B603  # fixed argv, no shell
        [program, *argv[1:]], env=_pg_env(db), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupFailed(f"{argv[0]} failed: {done.stderr.strip()}")


def database_backup(*, target: Path, alias: str = "default") -> Path:
    """Write a consistent copy of the database to `target`; returns the path."""
    db = _settings(alias)
    target.parent.mkdir(parents=True, exist_ok=True)
    vendor = connections[alias].vendor
    if vendor == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", db["NAME"]], db)
    elif vendor == "sqlite":
        connections[alias].close()
        with (
            closing(sqlite3.connect(db["NAME"])) as source,
            closing(sqlite3.connect(target)) as out,
        ):
            source.backup(out)
    else:
        raise BackupFailed(f"No backup method for the {vendor} database.")
    return target


def database_restore(*, source: Path, alias: str = "default") -> None:
    """Replace the database's whole content with the backup at `source`."""
    if not source.is_file():
        raise BackupFailed(f"No backup file at {source}.")
    db = _settings(alias)
    vendor = connections[alias].vendor
    connections[alias].close()
    if vendor == "postgresql":
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={db['NAME']}",
                str(source),
            ],
            db,
        )
    elif vendor == "sqlite":
        with (
            closing(sqlite3.connect(source)) as backup,
            closing(sqlite3.connect(db["NAME"])) as live,
        ):
            backup.backup(live)
    else:
        raise BackupFailed(f"No restore method for the {vendor} database.")
