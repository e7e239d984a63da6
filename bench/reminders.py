"""Benchmark: the reminder sweep's catch-up with N reminders due at once (issue 15).

Goal (issue 15, "scale defects"): 10,000 reminders due at once finish well inside the sweep's
one-minute schedule, with a query count that does not grow per reminder (it was ~20 queries
and 8.5 ms per reminder: 2,000 took 14 s and 33,049 queries).

In a throw-away database (SQLite file by default, or DATABASE_URL), one German incident's
GDPR Art. 33 duty (72 h) is cloned onto N incidents, all aware 60 hours ago, so the 48 h,
24 h and 12 h steps fall due at once: each duty gets one catch-up reminder (the 12 h step
covering the two earlier ones) to its assignee and to the DPO by e-mail and SMS, through the
outbound layer and the outbox backend (no provider). A recipient due several reminders in one
sweep batch gets one digest listing them (NOTIFICATIONS_REMINDER_DIGEST_MIN), so with one
assignee (`--assignees 1`, the default) a batch of 500 reminders is 3 messages; with
`--assignees K` the incidents have up to K distinct assignees (incident n gets assignee
n mod K), the worst case being one per incident (`--assignees 10000`): every reminder is
an e-mail of its own, and only the statements per batch stay bounded. Measured in the same
run:
  * baseline: a bare `bulk_create` of the same number of outbox rows the sweep writes;
  * the sweep (`reminders_sweep()`): wall time, queries, and the sweep's own queries apart
    from the outbound layer's per-message bookkeeping;
  * the next minute's idle sweep (nothing due).

    .venv/bin/python bench/reminders.py --due 2000 10000
    .venv/bin/python bench/reminders.py --due 2000 10000 --assignees 10000
    DATABASE_URL=postgres://…/empty_db .venv/bin/python bench/reminders.py --due 10000

SQLite gets a fresh file per size; with DATABASE_URL give one size per empty database.
"""

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(db_dir: str) -> None:
    # The sweep runs in a worker with the production settings (DEBUG off: cached templates,
    # no query log), with the development keys and the outbox (no provider configured).
    from breachdesk.settings.devkeys import DEV_AUDIT_HMAC_KEY, DEV_FIELD_ENCRYPTION_KEY

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "breachdesk.settings.production")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{db_dir}/bench.sqlite3")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    os.environ.setdefault("FIELD_ENCRYPTION_KEYS", DEV_FIELD_ENCRYPTION_KEY)
    os.environ.setdefault("AUDIT_HMAC_KEY", DEV_AUDIT_HMAC_KEY)
    os.environ.setdefault("LOG_FORMAT", "text")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["BREACHDESK_VAR_DIR"] = db_dir
    os.environ["NOTIFICATIONS_SMS_PER_SECOND"] = "1000000"  # the outbox: no provider to pace
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # A fresh database (bench/run.sh gives PostgreSQL an empty one): no flush, which would
    # also remove the reminder ladders that the migrations load.


def populate(due: int, now: datetime, assignees: int = 1) -> None:
    """N incidents, each with the same running Art. 33 duty, aware 60 hours before `now`;
    incident n is assigned to the n mod `assignees`-th user (user 0 is alice)."""
    from django.contrib.auth import get_user_model

    from incidents.models import Incident, Obligation, Organization
    from incidents.services.incidents import incident_create
    from incidents.services.obligations import obligation_waive

    user = get_user_model().objects.create_user("alice", email="alice@example.test")
    Organization.objects.create(
        legal_name="Beispiel GmbH",
        role="controller",
        country="DE",
        dpo_name="Dora DPO",
        dpo_email="dora.dpo@example.test",
        dpo_phone="+4930901820",
    )
    aware = now - timedelta(hours=60)
    template = incident_create(
        actor=user,
        data={"title": "Laptop stolen", "aware_at": aware, "countries": ["DE"], "assignee": user},
        now=aware + timedelta(minutes=5),
    )
    duty = template.obligations.get(audience="supervisory_authority", due_at__isnull=False)
    for other in template.obligations.open().exclude(pk=duty.pk):
        obligation_waive(
            obligation_id=other.pk,
            actor=user,
            justification="Not the duty under test",
            now=aware + timedelta(minutes=6),
        )
    Obligation.objects.filter(incident=template).exclude(pk=duty.pk).delete()
    model = get_user_model()
    others = [
        model(username=f"assignee{n}", email=f"assignee{n}@example.test")
        for n in range(1, min(assignees, due))
    ]
    people = [user, *model.objects.bulk_create(others, batch_size=500)]
    for start in range(1, due, 2000):
        clones = []
        for number in range(start, min(start + 2000, due)):
            clone = Incident.objects.get(pk=template.pk)
            clone.pk, clone.reference = None, f"BD-B-{number:06d}"
            clone.assignee = people[number % len(people)]
            clones.append(clone)
        Incident.objects.bulk_create(clones)
        twins = []
        for incident in clones:
            twin = Obligation.objects.get(pk=duty.pk)
            twin.pk, twin.incident = None, incident
            twins.append(twin)
        Obligation.objects.bulk_create(twins)


def baseline(rows: int) -> float:
    """Seconds to bulk-insert `rows` outbox messages (rolled back)."""
    from django.db import transaction

    from notifications.models import OutboxMessage

    sample = {
        "channel": "email",
        "to": "a@example.test",
        "subject": "Deadline reminder",
        "body": "b" * 400,
        "provider": "outbox",
        "status": OutboxMessage._meta.get_field("status").choices[0][0],
        "created_at": datetime.now(tz=UTC),
    }
    began = time.perf_counter()
    with transaction.atomic():
        OutboxMessage.objects.bulk_create(
            [OutboxMessage(**sample) for _ in range(rows)], batch_size=500
        )
        elapsed = time.perf_counter() - began
        transaction.set_rollback(True)
    return elapsed


class Counter:
    """Counts the statements (Django keeps only the last 9,000 in its query log)."""

    SKIP = ("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT", "ROLLBACK")

    def __init__(self) -> None:
        self.all = self.own = 0

    def __call__(self, execute, sql, params, many, context):
        self.all += 1
        # The sweep's own statements, apart from the outbound layer's per-message ones.
        if not (
            "notifications_outboundmessage" in sql
            or "notifications_outboxmessage" in sql
            or sql.lstrip().upper().startswith(self.SKIP)
        ):
            self.own += 1
        return execute(sql, params, many, context)


def measure(due: int, assignees: int = 1) -> dict:
    import time_machine
    from django.db import connection

    from notifications.models import OutboxMessage, ReminderAttempt
    from notifications.services import reminders_sweep

    now = datetime.now(tz=UTC).replace(microsecond=0)
    populate(due, now, assignees)
    messages_before = OutboxMessage.objects.count()
    counted = Counter()
    with time_machine.travel(now, tick=True), connection.execute_wrapper(counted):
        began = time.perf_counter()
        report = reminders_sweep()
        elapsed = time.perf_counter() - began
    messages = OutboxMessage.objects.count() - messages_before
    idle_counted = Counter()
    with (
        time_machine.travel(now + timedelta(minutes=1), tick=True),
        connection.execute_wrapper(idle_counted),
    ):
        began = time.perf_counter()
        idle = reminders_sweep()
        idle_elapsed = time.perf_counter() - began
    return {
        "due": due,
        "assignees": min(assignees, due),
        "claimed": report.claimed,
        "sent": report.sent,
        "errors": report.errors,
        "messages": messages,
        "covered": ReminderAttempt.objects.filter(status="covered").count(),
        "seconds": elapsed,
        "queries": counted.all,
        "own_queries": counted.own,
        "baseline_seconds": baseline(messages),
        "idle_claimed": idle.claimed,
        "idle_seconds": idle_elapsed,
        "idle_queries": idle_counted.all,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--due", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument(
        "--assignees",
        type=int,
        default=1,
        help="distinct assignees over the incidents (1: all the same; N: one per incident)",
    )
    args = parser.parse_args()
    from multiprocessing import get_context

    ctx = get_context("spawn")
    rows = []
    for due in args.due:
        with ctx.Pool(1) as pool:  # a fresh process and database per size
            rows.append(pool.apply(_child, (due, os.environ.get("DATABASE_URL"), args.assignees)))
    url = os.environ.get("DATABASE_URL") or ""
    database = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"Reminder sweep catch-up on {database} (load average at the end: {load})\n")
    print(
        "| due at once | assignees | sweep | messages | per reminder | queries (sweep's own) | "
        "baseline: bulk insert of the messages | ratio | idle sweep next minute |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['due']:,} | {r['assignees']:,} | "
            f"{r['seconds']:.1f} s ({r['claimed']:,} claimed, "
            f"{r['sent']:,} sent, {r['errors']} errors) | {r['messages']:,} | "
            f"{1000 * r['seconds'] / max(r['due'], 1):.2f} ms | {r['queries']:,} "
            f"({r['own_queries']}) | {r['baseline_seconds']:.2f} s | "
            f"{r['seconds'] / max(r['baseline_seconds'], 1e-9):.1f}x | "
            f"{r['idle_seconds'] * 1000:.0f} ms, {r['idle_queries']} queries, "
            f"{r['idle_claimed']} claimed |"
        )


def _child(due: int, database_url: str | None, assignees: int = 1) -> dict:
    with tempfile.TemporaryDirectory(prefix="bd-bench-reminders-") as tmp:
        if database_url:
            os.environ["DATABASE_URL"] = database_url
        setup(tmp)
        return measure(due, assignees)


if __name__ == "__main__":
    main()
