"""Worker processes for the multi-process tests: start, run, race, kill -9, cut their database.

The resilience tests run BreachDesk in processes of their own (like django-q2 workers): each
has its own database connection to a shared SQLite file or a scratch PostgreSQL database.
This module is the one harness they share:

- `worker_env` / `run` / `spawn` / `kill9`: a process with the dev settings on a given
  database, run to completion or started and killed with SIGKILL;
- `sweep_race`: N reminder-sweep processes released together at each given instant;
- `pg_admin` / `pg_terminate`: cut PostgreSQL sessions from the server side
  (`pg_terminate_backend`, what a failover or a server restart does to a worker);
- `scratch_postgres`: an empty scratch database on the server under test.
"""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import dj_database_url
import psycopg

ROOT = Path(__file__).resolve().parents[1]
ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").startswith("postgres")


def worker_env(database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a worker process: dev settings on `database_url`, outbox providers
    unless `extra` configures them, the broker and cache of the suite's pass (Redis in the
    PostgreSQL pass when REDIS_URL is set, else the ORM broker)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "breachdesk.settings.dev",
        "DATABASE_URL": database_url,
        "BREACHDESK_VAR_DIR": str(var_dir),
        "LOG_LEVEL": "WARNING",
        "SENDGRID_API_KEY": "",
        "TWILIO_ACCOUNT_SID": "",
        "REDIS_URL": os.environ.get("REDIS_URL", "") if database_url.startswith("postgres") else "",
        **extra,
    }


def run(args: list[str], env: dict[str, str], *, timeout: float = 180) -> str:
    """Run `python ARGS` in the repository to completion; its stdout (fails on a non-zero exit)."""
    done = subprocess.run(  # noqa: S603 (fixed argv, our own interpreter and module)
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout


def run_json(args: list[str], env: dict[str, str], *, timeout: float = 180):
    """Run a helper module that prints one JSON line last; that object."""
    return json.loads(run(args, env, timeout=timeout).strip().splitlines()[-1])


def spawn(args: list[str], env: dict[str, str], *, log: Path | None = None) -> subprocess.Popen:
    """Start `python ARGS` in the background (its stderr to `log` when given)."""
    stderr = log.open("ab") if log else subprocess.DEVNULL
    try:
        return subprocess.Popen(  # noqa: S603 (fixed argv, our own interpreter and module)
            [sys.executable, *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    finally:
        if log:
            stderr.close()


def kill9(process: subprocess.Popen) -> None:
    """SIGKILL: no handler runs, no transaction is finished, no lease is given back."""
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=10)
    assert process.returncode == -signal.SIGKILL


def stop_all(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


# --- racing reminder sweeps ---------------------------------------------------------------


def sweep_race(
    moments: list[datetime], env: dict[str, str], directory: Path, *, workers: int
) -> list[list[dict]]:
    """Start `workers` sweep processes (tests.notifications.sweep_worker); release them together
    once per moment (a file barrier); their reports, one list per moment."""
    procs = [
        spawn(
            [
                "-m",
                "tests.notifications.sweep_worker",
                "race",
                str(directory),
                str(n),
                *(at.isoformat() for at in moments),
            ],
            {**env, "PYTHONUNBUFFERED": "1"},
            log=directory / f"sweep-{n}.log",
        )
        for n in range(workers)
    ]
    try:
        for round_no in range(len(moments)):
            deadline = time.monotonic() + 60
            # Every worker is ready for round n only after finishing round n - 1.
            while not all((directory / f"ready-{round_no}-{n}").exists() for n in range(workers)):
                assert time.monotonic() < deadline, "workers did not get ready"
                assert all(p.poll() is None for p in procs), "a worker died"
                time.sleep(0.005)
            (directory / f"go-{round_no}").touch()
        outputs = [p.communicate(timeout=60)[0] for p in procs]
    finally:
        stop_all([p for p in procs if p.returncode is None])
    rounds: list[list[dict]] = [[] for _ in moments]
    for n, (proc, out) in enumerate(zip(procs, outputs, strict=True)):
        assert proc.returncode == 0, (directory / f"sweep-{n}.log").read_text()[-3000:]
        for line in out.strip().splitlines():
            report = json.loads(line)
            rounds[report["round"]].append(report)
    return rounds


def sweep_race_one_duty(
    env: dict[str, str], directory: Path, *, aware_at: datetime, workers: int
) -> tuple[dict, list[list[dict]]]:
    """Migrate the worker database, plan one duty (tests.notifications.sweep_worker setup) and
    race `workers` sweeps at four moments around its deadline (the first and the last are
    catch-ups). Asserts one winner per round; returns the setup and the rounds' reports."""
    run(["manage.py", "migrate", "-v0"], env)
    setup = json.loads(
        run(
            [
                "-m",
                "tests.notifications.sweep_worker",
                "setup",
                (aware_at + timedelta(minutes=5)).isoformat(),
            ],
            env,
        )
    )
    due, hour = datetime.fromisoformat(setup["due_at"]), timedelta(hours=1)
    moments = [due - 12 * hour, due - 6 * hour, due - 1 * hour, due + 7 * hour]
    rounds = sweep_race(moments, env, directory, workers=workers)
    for reports in rounds:
        assert len(reports) == workers
        assert sum(r["claimed"] for r in reports) == 1  # one winner per round
        assert sum(r["sent"] for r in reports) == 1
    assert sum(r["missed_recorded"] for reports in rounds for r in reports) == 1
    return setup, rounds


# --- PostgreSQL: scratch databases, cut sessions ------------------------------------------


@contextmanager
def pg_admin(url: str | None = None) -> Iterator[psycopg.Connection]:
    """An autocommit superuser session on the maintenance database of the server under test."""
    server = dj_database_url.parse(url or os.environ["DATABASE_URL"])
    with psycopg.connect(
        host=server["HOST"],
        port=server["PORT"] or 5432,
        user=server["USER"],
        password=server["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    ) as admin:
        yield admin


def pg_terminate(*, pid: int | None = None, database: str | None = None) -> int:
    """Cut one backend (`pid`) or every other session on `database`; how many were cut."""
    with pg_admin() as admin:
        if pid is not None:
            rows = admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchall()
        else:
            rows = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            ).fetchall()
    return sum(1 for (cut,) in rows if cut)


@contextmanager
def scratch_postgres(name: str) -> Iterator[str]:
    """DATABASE_URL of an empty database `name` on the server under test; dropped afterwards."""
    url = os.environ["DATABASE_URL"]
    with pg_admin(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield url.rsplit("/", 1)[0] + f"/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
