"""Benchmark: notice campaigns at 100,000 and 1,000,000 recipients (issue 12).

For each size N, in the same run and on the same generated CSV file:
  * BreachDesk import: `campaign_import_csv` (streamed, every row validated: e-mail, phone
    to E.164 with phonenumbers, language, region; contact encrypted with Fernet; keyed-hash
    dedup; a pool of NOTIFICATIONS_IMPORT_WORKERS processes) and `campaign_start` (one
    delivery per recipient, chunked);
  * baseline ("raw"): the very rows BreachDesk stored (same columns, the same encrypted
    contacts and keyed hashes, dumped to a CSV file after the import, untimed) read back
    from that file and inserted with a bare sqlite3 `executemany` into tables with the same
    schema (DDL and indexes copied from BreachDesk's database), plus the same set-based
    delivery insert: the database's own ceiling for the same rows;
  * baseline ("bare"): the previous baseline, kept for reference: the input CSV's plain
    values into index-less tables;
  each in its own process, reporting wall time, rows/s and peak RSS (ru_maxrss; for
  BreachDesk also its pool processes' peak).
Then, for the send size (default the largest N):
  * the fake SendGrid's own ceiling: W client processes posting 1,000-personalization
    requests with the real sendgrid library to a fake that adds 50 ms per request;
  * BreachDesk sending: W `manage.py campaign_send` processes against the same fake.

    .venv/bin/python bench/campaigns.py --rows 100000 1000000 --workers 4
"""

import argparse
import csv
import json
import os
import random
import resource
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REGIONS = ["US-CA", "US-NY", "US-TX", "DE", "FR", "IE", "GB", "NO"]
LANGUAGES = ["en", "en", "en", "de", "fr", "es"]
HEADER = ["email", "phone", "language", "region", "name", "account"]
SUBJECT = "Notice of Data Breach for {{name}}"
TEXT = "Dear {{name}},\n\nyour account {{account}} was affected by a breach. " * 4


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


TABLES = ("notifications_recipient", "notifications_delivery")
SELECT_STORED = (
    "SELECT campaign_id, contact, dedup_key, language, region, has_email, has_phone, line "
    "FROM notifications_recipient ORDER BY id"
)
INSERT_STORED = (
    "INSERT INTO notifications_recipient (campaign_id, contact, dedup_key, language, region, "
    "has_email, has_phone, line) VALUES (?,?,?,?,?,?,?,?)"
)


def dump_stored(db_path: str, out_path: str) -> None:
    """Untimed: the recipient rows BreachDesk stored, and its tables' schema, for `phase_same`."""
    db = sqlite3.connect(db_path)
    schema = [
        sql
        for (sql,) in db.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name IN (?, ?) AND sql IS NOT NULL "
            "ORDER BY type DESC",  # tables before indexes
            TABLES,
        )
    ]
    with open(out_path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([json.dumps(schema)])
        for row in db.execute(SELECT_STORED):
            writer.writerow(row)
    db.close()


def phase_same(stored_path: str, db_path: str) -> dict:
    """The same rows (encrypted contacts included) into the same schema, bare executemany."""
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")  # as BreachDesk's connection
    began = time.perf_counter()
    rows = 0
    sql = INSERT_STORED
    with open(stored_path, newline="") as handle:
        reader = csv.reader(handle)
        for statement in json.loads(next(reader)[0]):
            db.execute(statement)
        began = time.perf_counter()  # the clock starts with the rows
        batch = []
        for values in reader:
            rows += 1
            batch.append(values)
            if len(batch) == 5000:
                with db:
                    db.executemany(sql, batch)
                batch = []
        if batch:
            with db:
                db.executemany(sql, batch)
    with db:
        db.execute(
            "INSERT INTO notifications_delivery (campaign_id, recipient_id, channel, state, seq, "
            "provider, provider_message_id, tries, error) SELECT campaign_id, id, 'email', "
            "'queued', (ROW_NUMBER() OVER (ORDER BY id) - 1) / 1000, '', '', 0, '' "
            "FROM notifications_recipient"
        )
    elapsed = time.perf_counter() - began
    return {"rows": rows, "seconds": elapsed, "peak_mb": peak_mb()}


def phase_raw(csv_path: str, db_path: str) -> dict:
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(
        "CREATE TABLE recipient (id INTEGER PRIMARY KEY, campaign_id INT, contact TEXT, "
        "dedup_key TEXT, language TEXT, region TEXT, has_email BOOL, has_phone BOOL, line INT)"
    )
    db.execute(
        "CREATE TABLE delivery (id INTEGER PRIMARY KEY, campaign_id INT, recipient_id INT, "
        "channel TEXT, state TEXT, seq INT)"
    )
    began = time.perf_counter()
    rows = 0
    with open(csv_path, newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        batch = []
        for values in reader:
            rows += 1
            email, phone, language, region, name, account = values
            batch.append(
                (1, f"{email}|{phone}|{name}|{account}", email, language, region, 1, 1, rows)
            )
            if len(batch) == 2000:
                with db:
                    db.executemany(
                        "INSERT INTO recipient (campaign_id, contact, dedup_key, language, "
                        "region, has_email, has_phone, line) VALUES (?,?,?,?,?,?,?,?)",
                        batch,
                    )
                batch = []
        if batch:
            with db:
                db.executemany(
                    "INSERT INTO recipient (campaign_id, contact, dedup_key, language, region, "
                    "has_email, has_phone, line) VALUES (?,?,?,?,?,?,?,?)",
                    batch,
                )
    with db:
        db.execute(
            "INSERT INTO delivery (campaign_id, recipient_id, channel, state, seq) "
            "SELECT campaign_id, id, 'email', 'queued', (ROW_NUMBER() OVER (ORDER BY id) - 1) "
            "/ 1000 FROM recipient"
        )
    elapsed = time.perf_counter() - began
    return {"rows": rows, "seconds": elapsed, "peak_mb": peak_mb()}


def _django(db_path: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "breachdesk.settings.dev"
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ["BREACHDESK_VAR_DIR"] = str(Path(db_path).parent)
    import django

    django.setup()


def phase_ours(csv_path: str, db_path: str) -> dict:
    _django(db_path)
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


def phase_ceiling(url: str, seconds: float) -> dict:
    """Post 1,000-personalization bodies with the sendgrid library for `seconds`."""
    from sendgrid import SendGridAPIClient

    body = {
        "from": {"email": "bench@example.com"},
        "subject": SUBJECT,
        "content": [{"type": "text/plain", "value": TEXT}],
        "personalizations": [
            {
                "to": [{"email": f"person{i}@example.com", "name": f"Person {i}"}],
                "custom_args": {"breachdesk_ref": f"d{i}"},
                "substitutions": {"{{name}}": f"Person {i}", "{{account}}": f"AC-{i}"},
            }
            for i in range(1000)
        ],
    }
    client = SendGridAPIClient(api_key="SG.bench", host=url)
    sent, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        client.send(body)
        sent += 1000
    return {"messages": sent}


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stats(url: str) -> dict:
    with urllib.request.urlopen(url + "/stats", timeout=5) as response:  # noqa: S310 (local)
        return json.loads(response.read())


def bench_send(db_path: str, campaign_id: int, workers: int, delay_ms: float) -> dict:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    fake = subprocess.Popen(  # noqa: S603
        [sys.executable, str(ROOT / "bench" / "fake_sendgrid.py"), str(port), str(delay_ms)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        fake.stdout.readline()
        began = time.perf_counter()
        clients = [
            subprocess.Popen(  # noqa: S603
                [sys.executable, __file__, "--phase", "ceiling", url, "20"],
                stdout=subprocess.PIPE,
                text=True,
                cwd=ROOT,
            )
            for _ in range(workers)
        ]
        for client in clients:
            client.communicate()
        ceiling_seconds = time.perf_counter() - began
        ceiling = stats(url)["messages"]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "breachdesk.settings.dev",
            "DATABASE_URL": f"sqlite:///{db_path}",
            "BREACHDESK_VAR_DIR": str(Path(db_path).parent),
            "SENDGRID_API_KEY": "SG.bench",
            "SENDGRID_API_HOST": url,
            "LOG_LEVEL": "WARNING",
        }
        began = time.perf_counter()
        senders = [
            subprocess.Popen(  # noqa: S603
                [sys.executable, "manage.py", "campaign_send", str(campaign_id), "--no-wait"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            for _ in range(workers)
        ]
        for sender in senders:
            sender.communicate()
        send_seconds = time.perf_counter() - began
        sent = stats(url)["messages"] - ceiling
        db = sqlite3.connect(db_path)
        states = dict(
            db.execute("SELECT state, COUNT(*) FROM notifications_delivery GROUP BY state")
        )
        (status,) = db.execute(
            "SELECT status FROM notifications_campaign WHERE id = ?", (campaign_id,)
        ).fetchone()
        db.close()
    finally:
        fake.kill()
        fake.wait()
    return {
        "ceiling_messages": ceiling,
        "ceiling_seconds": ceiling_seconds,
        "sent": sent,
        "send_seconds": send_seconds,
        "last_output": f"campaign {status}: {states}",
    }


def requeue(db_path: Path) -> int:
    """Put an already sent benchmark campaign back to `queued` (for --send-only)."""
    db = sqlite3.connect(db_path)
    with db:
        db.execute(
            "UPDATE notifications_delivery SET state = 'queued', provider = '', tries = 0, "
            "provider_message_id = '', sent_at = NULL, attempted_at = NULL"
        )
        db.execute(
            "UPDATE notifications_sendchunk SET state = 'pending', lease_token = NULL, "
            "lease_until = NULL, not_before = NULL, tries = 0"
        )
        db.execute(
            "UPDATE notifications_campaign SET status = 'sending', completed_at = NULL, "
            "first_sent_at = NULL, last_sent_at = NULL"
        )
    (campaign_id,) = db.execute("SELECT MIN(id) FROM notifications_campaign").fetchone()
    db.close()
    return campaign_id


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--phase":
        phase, rest = sys.argv[2], sys.argv[3:]
        if phase == "ceiling":
            result = phase_ceiling(rest[0], float(rest[1]))
        else:
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
        help="reuse the imported database in --dir: queue its deliveries again and only send",
    )
    args = parser.parse_args()
    work = Path(args.dir or tempfile.mkdtemp(prefix="bd-bench-campaigns-"))
    work.mkdir(parents=True, exist_ok=True)
    send_size = args.send or max(args.rows)
    results = {}
    if args.send_only:
        db_path = work / f"ours-{send_size}.sqlite3"
        results[send_size] = (None, {"campaign_id": requeue(db_path)}, db_path)
    for rows in [] if args.send_only else args.rows:
        csv_path = work / f"recipients-{rows}.csv"
        if not csv_path.exists():
            generate(csv_path, rows)
        bare = child(["raw", str(csv_path), str(work / f"raw-{rows}.sqlite3")])
        db_path = work / f"ours-{rows}.sqlite3"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "breachdesk.settings.dev",
            "DATABASE_URL": f"sqlite:///{db_path}",
            "BREACHDESK_VAR_DIR": str(work),
        }
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
        )
        ours = child(["ours", str(csv_path), str(db_path)])
        stored = work / f"stored-{rows}.csv"
        dump_stored(str(db_path), str(stored))
        same_db = work / f"same-{rows}.sqlite3"
        for path in work.glob(f"same-{rows}.sqlite3*"):
            path.unlink()
        raw = child(["same", str(stored), str(same_db)])
        results[rows] = (raw, ours, db_path)
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
    if args.no_send:
        return
    _, ours, db_path = results[send_size]
    sent = bench_send(str(db_path), ours["campaign_id"], args.workers, args.delay_ms)
    ceiling_rate = sent["ceiling_messages"] / sent["ceiling_seconds"]
    rate = sent["sent"] / sent["send_seconds"]
    print(
        f"| fake SendGrid ceiling, {args.workers} clients, +{args.delay_ms:g} ms | "
        f"{sent['ceiling_messages']:,} | {sent['ceiling_seconds']:.1f} | {ceiling_rate:,.0f} |"
    )
    print(
        f"| BreachDesk send, {args.workers} workers, +{args.delay_ms:g} ms | {sent['sent']:,} | "
        f"{sent['send_seconds']:.1f} | {rate:,.0f} | {rate / ceiling_rate:.2f} of the ceiling;"
        f" {sent['last_output']}; load {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
