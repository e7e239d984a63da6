"""Benchmark: notice campaigns at 100,000 and 1,000,000 recipients (issue 12).

For each size N, in the same run and on the same generated CSV file:
  * BreachDesk import: `campaign_import_csv` (streamed, every row validated: e-mail, phone
    to E.164 with phonenumbers, language, region; contact encrypted with Fernet; keyed-hash
    dedup; a pool of NOTIFICATIONS_IMPORT_WORKERS processes) and `campaign_start` (one
    delivery per recipient, chunked);
  * baseline ("raw"): the very rows BreachDesk stored (same columns, the same encrypted
    contacts and keyed hashes, dumped to a CSV file after the import, untimed) read back
    from that file and inserted with a bare DB-API `executemany` (sqlite3 or psycopg) into
    tables with the same schema (DDL and indexes copied from BreachDesk's database), plus
    the same set-based delivery insert: the database's own ceiling for the same rows;
  * baseline ("bare"): the previous baseline, kept for reference: the input CSV's plain
    values into index-less tables;
  each in its own process, reporting wall time, rows/s and peak RSS (ru_maxrss; for
  BreachDesk also its pool processes' peak).
Then, for the send size (default the largest N), bench/dispatch.py: the fake SendGrid's own
ceiling with W clients, then W `manage.py campaign_send` workers against the same fake.

The database: SQLite files in --dir (the embedded default), or, when DATABASE_URL is a
PostgreSQL URL, that database (its public schema is dropped and migrated again for each size;
the baselines get tables of their own there; REDIS_URL, if set, is the workers' broker).

    .venv/bin/python bench/campaigns.py --rows 100000 1000000 --workers 4
    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/campaigns.py ...
"""

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.dispatch import (  # noqa: E402  (after the path)
    SUBJECT,
    TEXT,
    bench_send,
    connect,
    django_env,
    is_sqlite,
    query,
    report,
    requeue,
)

REGIONS = ["US-CA", "US-NY", "US-TX", "DE", "FR", "IE", "GB", "NO"]
LANGUAGES = ["en", "en", "en", "de", "fr", "es"]
HEADER = ["email", "phone", "language", "region", "name", "account"]


def generate(path: Path, rows: int) -> None:
    """N rows: half with a phone, 0.5% invalid e-mails, 0.5% duplicates of earlier rows."""
    rng = random.Random(12)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            n = rng.randrange(i) if i and rng.random() < 0.005 else i
            email = f"person{n}@example.com" if rng.random() > 0.005 else f"broken{n}@@x"
            phone = f"+1415{5550000 + n % 10000:07d}"[:12] if n % 2 else ""
            writer.writerow(
                [email, phone, LANGUAGES[n % 6], REGIONS[n % 8], f"Person {n}", f"AC-{n}"]
            )


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class ChildPeaks(threading.Thread):
    """Peak RSS (VmHWM) of this process's children (the import pool), polled twice a second.

    Not `RUSAGE_CHILDREN`: a spawned child is forked before it execs, and its maxrss
    counts the parent's pages it shared for that instant (so are its first samples here,
    until it runs multiprocessing's bootstrap: those are skipped).
    """

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peaks: dict[str, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.done.wait(0.5):
            try:
                kids = Path(f"/proc/{me}/task/{me}/children").read_text().split()
            except OSError:
                kids = []
            for kid in kids:
                try:
                    # Until it execs, a spawned child is a fork of this process (its VmHWM
                    # is ours): only children already running multiprocessing count.
                    if b"multiprocessing" not in Path(f"/proc/{kid}/cmdline").read_bytes():
                        continue
                    status = Path(f"/proc/{kid}/status").read_text()
                except OSError:
                    continue
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        mb = int(line.split()[1]) / 1024
                        self.peaks[kid] = max(self.peaks.get(kid, 0.0), mb)


# --- child phases (each in its own process, so that peak RSS is its own) ---------------------


SELECT_STORED = (
    "SELECT campaign_id, contact, dedup_key, language, region, has_email, has_phone, line "
    "FROM notifications_recipient ORDER BY id"
)
INSERT_STORED = (
    "INSERT INTO {p}recipient (campaign_id, contact, dedup_key, language, region, "
    "has_email, has_phone, line) VALUES ({marks})"
)
INSERT_DELIVERIES = (
    "INSERT INTO {p}delivery (campaign_id, recipient_id, channel, state, seq, "
    "provider, provider_message_id, tries, error) SELECT campaign_id, id, 'email', "
    "'queued', (ROW_NUMBER() OVER (ORDER BY id) - 1) / 1000, '', '', 0, '' "
    "FROM {p}recipient"
)


def prefix(url: str, kind: str) -> str:
    """Baseline tables: SQLite gets a file of its own, PostgreSQL tables named bench_<kind>_*."""
    return "notifications_" if is_sqlite(url) else f"bench_{kind}_"


def marks(url: str, n: int) -> str:
    return ",".join(["?" if is_sqlite(url) else "%s"] * n)


def dump_stored(url: str, out_path: str) -> None:
    """Untimed: the recipient rows BreachDesk stored, and its tables' schema, for `phase_same`."""
    with closing(connect(url)) as db:
        if is_sqlite(url):
            schema = [
                sql
                for (sql,) in db.execute(
                    "SELECT sql FROM sqlite_master WHERE tbl_name IN (?, ?) AND sql IS NOT NULL "
                    "ORDER BY type DESC",  # tables before indexes
                    ("notifications_recipient", "notifications_delivery"),
                )
            ]
            cursor = db.execute(SELECT_STORED)
        else:  # the same columns, defaults, constraints and indexes, in tables of their own
            schema = [
                f"DROP TABLE IF EXISTS bench_same_{t}; CREATE TABLE bench_same_{t} "
                f"(LIKE notifications_{t} INCLUDING ALL)"
                for t in ("recipient", "delivery")
            ]
            cursor = db.cursor(name="dump")  # server-side: a million rows stay on the server
            cursor.execute(SELECT_STORED)
        with open(out_path, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([json.dumps(schema)])
            for row in cursor:
                writer.writerow(row)


def _target(url: str):
    db = connect(url)
    if is_sqlite(url):
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # as BreachDesk's connection
    return db


def _insert(url: str, db, sql: str, batches) -> int:
    rows = 0
    for batch in batches:
        db.cursor().executemany(sql, batch)
        db.commit()
        rows += len(batch)
    return rows


def _batches(rows, size: int):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def phase_same(stored_path: str, url: str) -> dict:
    """The same rows (encrypted contacts included) into the same schema, bare executemany."""
    p = prefix(url, "same")
    with closing(_target(url)) as db, open(stored_path, newline="") as handle:
        reader = csv.reader(handle)
        for statement in json.loads(next(reader)[0]):
            for part in statement.split("; ") if not is_sqlite(url) else [statement]:
                db.execute(part)
        db.commit()
        began = time.perf_counter()  # the clock starts with the rows
        sql = INSERT_STORED.format(p=p, marks=marks(url, 8))
        rows = _insert(url, db, sql, _batches(reader, 5000))
        db.execute(INSERT_DELIVERIES.format(p=p))
        db.commit()
        elapsed = time.perf_counter() - began
    return {"rows": rows, "seconds": elapsed, "peak_mb": peak_mb()}


def phase_raw(csv_path: str, url: str) -> dict:
    p = prefix(url, "bare").removeprefix("notifications_")
    key = "INTEGER PRIMARY KEY" if is_sqlite(url) else "BIGINT GENERATED BY DEFAULT AS IDENTITY"
    with closing(_target(url)) as db:
        for table, columns in (
            (
                "recipient",
                "contact TEXT, dedup_key TEXT, language TEXT, region TEXT, "
                "has_email BOOL, has_phone BOOL, line INT",
            ),
            ("delivery", "recipient_id INT, channel TEXT, state TEXT, seq INT"),
        ):
            db.execute(f"DROP TABLE IF EXISTS {p}{table}")
            db.execute(f"CREATE TABLE {p}{table} (id {key}, campaign_id INT, {columns})")
        db.commit()
        began = time.perf_counter()
        with open(csv_path, newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            values = (
                (1, f"{email}|{phone}|{name}|{account}", email, language, region, True, True, i)
                for i, (email, phone, language, region, name, account) in enumerate(reader, 1)
            )
            sql = (
                f"INSERT INTO {p}recipient (campaign_id, contact, dedup_key, language, region, "  # noqa: S608 (our table names)
                f"has_email, has_phone, line) VALUES ({marks(url, 8)})"
            )
            rows = _insert(url, db, sql, _batches(values, 2000))
        db.execute(
            f"INSERT INTO {p}delivery (campaign_id, recipient_id, channel, state, seq) "  # noqa: S608
            "SELECT campaign_id, id, 'email', 'queued', (ROW_NUMBER() OVER (ORDER BY id) - 1) "
            f"/ 1000 FROM {p}recipient"
        )
        db.commit()
        elapsed = time.perf_counter() - began
    return {"rows": rows, "seconds": elapsed, "peak_mb": peak_mb()}


def phase_ours(csv_path: str, url: str) -> dict:
    os.environ.update(django_env(url, Path(csv_path).parent))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from incidents.models import Organization
    from incidents.services.incidents import incident_create
    from notifications.campaigns import services
    from notifications.models import Delivery

    user = get_user_model().objects.create_user(username="bench")
    Organization.objects.create(legal_name="Bench Inc.", country="US", role="controller")
    incident = incident_create(actor=user, data={"title": "Bench", "countries": ["US-CA"]})
    content = {
        lang: {"subject": SUBJECT, "text": TEXT, "sms": "Breach notice for {{name}}"}
        for lang in set(LANGUAGES)
    }
    campaign = services.campaign_create(
        incident_id=incident.pk, actor=user, name="Bench", channels=["email"], content=content
    )
    watcher = ChildPeaks()
    watcher.start()
    began = time.perf_counter()
    with open(csv_path, "rb") as stream:
        run = services.campaign_import_csv(campaign_id=campaign.pk, stream=stream, actor=user)
    imported = time.perf_counter()
    watcher.done.set()
    watcher.join()
    services.campaign_start(campaign_id=campaign.pk, actor=user)
    elapsed = time.perf_counter() - began
    return {
        "rows": run.rows,
        "accepted": run.accepted,
        "duplicates": run.duplicates,
        "rejected": run.rejected,
        "deliveries": Delivery.objects.filter(campaign=campaign).count(),
        "import_seconds": imported - began,
        "seconds": elapsed,
        "peak_mb": peak_mb(),
        "pool_peak_mb": sorted(watcher.peaks.values(), reverse=True),
        "pool_workers": settings.NOTIFICATIONS_IMPORT_WORKERS,
        "campaign_id": campaign.pk,
    }


# --- parent -------------------------------------------------------------------------------------


def child(args: list[str], env: dict | None = None) -> dict:
    done = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, __file__, "--phase", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env or os.environ.copy(),
        cwd=ROOT,
    )
    if done.returncode:
        raise SystemExit(done.stderr[-4000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def fresh(url: str, work: Path) -> None:
    """An empty, migrated database at `url` (PostgreSQL: the public schema dropped first)."""
    if is_sqlite(url):
        for path in work.glob(Path(url.removeprefix("sqlite:///")).name + "*"):
            path.unlink()
    else:
        query(url, "DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        env=django_env(url, work),
        check=True,
    )


def import_size(rows: int, work: Path, url: str) -> dict:
    """Import N rows beside both baselines; print the rows; return BreachDesk's result."""
    csv_path = work / f"recipients-{rows}.csv"
    if not csv_path.exists():
        generate(csv_path, rows)
    fresh(url, work)
    sqlite = is_sqlite(url)
    bare = child(["raw", str(csv_path), f"sqlite:///{work}/raw-{rows}.sqlite3" if sqlite else url])
    ours = child(["ours", str(csv_path), url])
    stored = work / f"stored-{rows}.csv"
    dump_stored(url, str(stored))
    same_url = url
    if sqlite:
        same_url = f"sqlite:///{work}/same-{rows}.sqlite3"
        for path in work.glob(f"same-{rows}.sqlite3*"):
            path.unlink()
    raw = child(["same", str(stored), same_url])
    ours_rate = ours["rows"] / ours["seconds"]
    for label, base in (("raw, same rows and schema", raw), ("bare, plain CSV values", bare)):
        rate = base["rows"] / base["seconds"]
        print(
            f"| {rows:,} | {label} | {base['seconds']:.1f} | {rate:,.0f} "
            f"| {base['peak_mb']:.0f} | ratio ours/this {ours_rate / rate:.2f}"
        )
    print(
        f"| {rows:,} | BreachDesk | {ours['seconds']:.1f} (import {ours['import_seconds']:.1f})"
        f" | {ours_rate:,.0f} | {ours['peak_mb']:.0f} + "
        f"{' + '.join(f'{mb:.0f}' for mb in ours['pool_peak_mb'])} (pool) = "
        f"{ours['peak_mb'] + sum(ours['pool_peak_mb']):.0f} |"
        f" accepted {ours['accepted']:,}, duplicates {ours['duplicates']:,}, rejected "
        f"{ours['rejected']:,}, deliveries {ours['deliveries']:,}; load "
        f"{os.getloadavg()[0]:.1f}",
        flush=True,
    )
    return ours


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--phase":
        phase, rest = sys.argv[2], sys.argv[3:]
        result = {"raw": phase_raw, "same": phase_same, "ours": phase_ours}[phase](*rest)
        sys.stdout.write(json.dumps(result) + "\n")
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--send", type=int, default=0, help="size to send (default: largest)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--delay-ms", type=float, default=50)
    parser.add_argument("--dir", default="")
    parser.add_argument("--no-send", action="store_true", help="measure the imports only")
    parser.add_argument(
        "--send-only",
        action="store_true",
        help="reuse the imported database (--dir, or DATABASE_URL): queue it again and only send",
    )
    args = parser.parse_args()
    work = Path(args.dir or tempfile.mkdtemp(prefix="bd-bench-campaigns-"))
    work.mkdir(parents=True, exist_ok=True)
    sizes = sorted(args.rows)
    send_size = args.send or sizes[-1]
    pg_url = os.environ.get("DATABASE_URL", "")
    pg_url = pg_url if pg_url.startswith(("postgres://", "postgresql://")) else ""
    if pg_url and send_size != sizes[-1] and not args.no_send:
        raise SystemExit("PostgreSQL keeps one size at a time: send the largest (the last).")
    url_of = {rows: pg_url or f"sqlite:///{work}/ours-{rows}.sqlite3" for rows in sizes}
    campaign_id = None
    if args.send_only:
        campaign_id = requeue(url_of[send_size])
    for rows in [] if args.send_only else sizes:
        ours = import_size(rows, work, url_of[rows])
        if rows == send_size:
            campaign_id = ours["campaign_id"]
    if args.no_send:
        return
    result = bench_send(url_of[send_size], work, campaign_id, args.workers, args.delay_ms)
    print("\n".join(report(result, args.workers, args.delay_ms)))


if __name__ == "__main__":
    main()
