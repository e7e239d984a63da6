"""Benchmark: the workspace dashboard (GET /) on a large register. Goal: < 200 ms.

Creates N incidents in a throw-away database (SQLite file by default, or DATABASE_URL): most
of them closed or dismissed as in a real register after some years, `--open-share` of them
open with running clocks (some overdue), one authority obligation each (met for the notified
ones, with times from awareness to filing) and an assessment for every other one. Measures,
in the same run and on the same data:
  * baseline: the 100 newest incidents with their owner (one indexed query, no page);
  * the dashboard page through Django's test client (session, permissions, the reads,
    template rendering): once with an empty cache ("cold": the monthly charts are computed),
    then the median and worst of repeated requests ("warm": the charts come from the cache
    for five minutes, the list and counters are read every time),
at N/10 and N incidents. The load average is printed: the goal is for a quiet machine.

    .venv/bin/python bench/dashboard.py --incidents 100000
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NOW = datetime.now(tz=UTC)


def setup(db_dir: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "breachdesk.settings.dev")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{db_dir}/bench.sqlite3")
    os.environ["BREACHDESK_VAR_DIR"] = db_dir
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)  # a reused PostgreSQL database


def populate(total: int, open_share: float) -> None:
    from incidents.models import Assessment, Incident, Obligation
    from incidents.services.rule_versions import rules_current, rules_sync

    rules_sync()
    rule = next(v for code, v in rules_current().items() if code.startswith("eu-gdpr-33"))
    existing = Incident.objects.count()
    every = max(int(1 / open_share), 1)
    for start in range(existing, total, 5000):
        rows = []
        for i in range(start, min(start + 5000, total)):
            is_open = i % every == 0
            created = NOW - timedelta(minutes=(total - i) * 15 if not is_open else i % 7200)
            status = (
                ("triage", "assessing", "notifiable")[i % 3]
                if is_open
                else ("closed", "dismissed")[i % 2]
            )
            rows.append(
                Incident(
                    reference=f"BD-BENCH-{i:07d}",
                    title=f"Benchmark incident {i}",
                    status=status,
                    status_changed_at=created,
                    created_at=created,
                    updated_at=created,
                    aware_at=created,
                    countries=["DE"],
                    country_index="|DE|",
                )
            )
        made = Incident.objects.bulk_create(rows)
        Obligation.objects.bulk_create(
            Obligation(
                incident=incident,
                rule=rule,
                rule_code=rule.code,
                regime="EU GDPR",
                jurisdiction="EU/EEA",
                audience="supervisory_authority",
                recipient="Competent supervisory authority",
                citation="GDPR Art. 33(1)",
                confidence="high",
                status="pending"
                if incident.status in ("triage", "assessing", "notifiable")
                else "met",
                deadline_kind="hard",
                clock_started_at=incident.aware_at,
                due_at=incident.aware_at + timedelta(hours=72),
                met_at=None
                if incident.status in ("triage", "assessing", "notifiable")
                else incident.aware_at + timedelta(hours=20 + incident.pk % 60),
                created_at=incident.created_at,
                updated_at=incident.created_at,
            )
            for incident in made
        )
        Assessment.objects.bulk_create(
            Assessment(
                incident=incident,
                version=1,
                kind="computed",
                risk_level=("unlikely", "risk", "high")[incident.pk % 3],
                notify_authority=True,
                communicate_subjects=False,
                communication_mode="none",
                computed={},
                facts={},
                facts_hash="bench",
                method_version="bench",
                created_at=incident.created_at,
            )
            for incident in made[::2]
        )


def client():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from incidents.roles import roles_sync

    roles_sync()
    user, _ = get_user_model().objects.get_or_create(username="bench-viewer")
    user.groups.set([Group.objects.get(name="viewer")])
    c = Client()
    c.force_login(user)
    return c


def timed(run, repeat: int) -> tuple[float, float, float]:
    """Median and worst wall-clock ms, and the median CPU ms of this process (less sensitive
    to a shared machine's load; a PostgreSQL server's own work is not in it)."""
    run()  # warm caches and connections outside the measurement
    samples, cpu = [], []
    for _ in range(repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        run()
        samples.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    return statistics.median(samples), max(samples), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--open-share", type=float, default=0.02)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup(tmp)
        from django.core.cache import cache
        from django.db import connection

        from incidents.models import Incident

        web = client()

        def baseline():
            list(Incident.objects.select_related("assignee").order_by("-created_at")[:100])

        def dashboard():
            response = web.get("/")
            assert response.status_code == 200, response.status_code

        print(f"database: {connection.vendor}; load average {os.getloadavg()[0]:.1f}")
        print(
            f"{'case':<28}{'incidents':>10}{'open':>7}{'median ms':>11}{'worst ms':>10}"
            f"{'cpu ms':>9}"
        )
        for total in (args.incidents // 10, args.incidents):
            populate(total, args.open_share)
            open_count = Incident.objects.exclude(status__in=["closed", "dismissed"]).count()
            dashboard()  # templates compiled, URLs resolved: only the charts' cost stays
            cache.clear()
            began = time.perf_counter()
            dashboard()
            cold = (time.perf_counter() - began) * 1000
            print(f"{'dashboard GET / (cold)':<28}{total:>10}{open_count:>7}{cold:>11.1f}{'':>10}")
            for label, run in (
                ("baseline 100 newest", baseline),
                ("dashboard GET / (warm)", dashboard),
            ):
                median, worst, cpu = timed(run, args.repeat)
                print(
                    f"{label:<28}{total:>10}{open_count:>7}{median:>11.1f}{worst:>10.1f}{cpu:>9.1f}"
                )


if __name__ == "__main__":
    main()
