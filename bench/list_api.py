"""Benchmark: the incident list API and /obligations/upcoming/ at 2,000 and 100,000 incidents.

Builds a throw-away database (a SQLite file by default, or DATABASE_URL: an EMPTY database),
fills it to N/50 and then N incidents (one obligation each, met in the past, as in a register
that has lived a few years, except the newest 100 still pending), and measures in the same run:

  * baseline: the bare page query (`values_list` of 50 rows in the list's order, no joins);
  * GET /api/v1/incidents/ page 1, a deep page (page 40) and the last page;
  * the same list in keyset mode (?cursor=): the first page and a page in the middle;
  * GET /api/v1/incidents/?status=triage&status=assessing (filtered list, page 1);
  * GET /api/v1/obligations/upcoming/?hours=72.

Each figure is the median of REPEAT requests through Django's test client (whole view:
authentication, filters, count, serialisation), after one warm-up request.

    .venv/bin/python bench/list_api.py --incidents 100000 [--markdown]
"""

import argparse
import base64
import io
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REPEAT = 15
PAGE = 50
PENDING = 100


def setup(db_dir: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "breachdesk.settings.dev")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{db_dir}/bench.sqlite3")
    os.environ["BREACHDESK_VAR_DIR"] = db_dir
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("rules_sync", stdout=io.StringIO())


def populate(total: int) -> None:
    """Incidents with one GDPR obligation each, met in the past; the newest PENDING are open
    (due between 24 h ago and 72 h ahead)."""
    from breachdesk.db import database_optimize
    from incidents.models import Incident, Obligation, RuleVersion

    rule = RuleVersion.objects.order_by("pk").first()
    now = datetime.now(UTC)
    start = now - timedelta(minutes=total + 10)
    existing = Incident.objects.count()
    for first in range(existing, total, 5000):
        incidents = []
        for i in range(first, min(first + 5000, total)):
            at = start + timedelta(minutes=i)
            incidents.append(
                Incident(
                    reference=f"BD-LIST-{i:07d}",
                    title=f"Benchmark incident {i}",
                    summary="Lost laptop with customer records.",
                    status=("triage", "assessing", "not_notifiable", "closed")[i % 4],
                    status_changed_at=at,
                    created_at=at,
                    updated_at=at,
                    detected_at=at,
                    aware_at=at,
                    countries=["DE"],
                    country_index="|DE|",
                    subjects_count=i % 5000,
                    data_categories=["contact"],
                    breach_types=["confidentiality"],
                )
            )
        Incident.objects.bulk_create(incidents)
        obligations = [
            Obligation(
                incident=incident,
                rule=rule,
                rule_code=rule.code,
                regime="GDPR",
                jurisdiction="EU",
                audience="supervisory_authority",
                recipient="Lead supervisory authority",
                citation="GDPR Art. 33(1)",
                confidence="high",
                status="met",
                deadline_kind="hard",
                clock_started_at=incident.aware_at,
                due_at=incident.aware_at + timedelta(hours=72),
                met_at=incident.aware_at + timedelta(hours=30),
                created_at=incident.created_at,
                updated_at=incident.created_at,
            )
            for incident in Incident.objects.filter(reference__in=[x.reference for x in incidents])
        ]
        Obligation.objects.bulk_create(obligations)
    database_optimize()  # the shipped daily schedule: planner statistics (SQLite)
    # Only the newest incidents' duties are still open, whatever the register's size.
    Obligation.objects.filter(status="pending").update(status="met", met_at=now)
    for n, pk in enumerate(
        Obligation.objects.order_by("-id").values_list("pk", flat=True)[:PENDING]
    ):
        Obligation.objects.filter(pk=pk).update(
            status="pending", met_at=None, due_at=now + timedelta(hours=(n % 96) - 24)
        )


def client():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from incidents.roles import roles_sync

    roles_sync()
    user, _ = get_user_model().objects.get_or_create(username="bench-viewer")
    user.groups.set([Group.objects.get(name="viewer")])
    http = Client()
    http.force_login(user)
    return http


def timed(run) -> float:
    run()  # warm-up: connection, caches, imports
    samples = []
    for _ in range(REPEAT):
        began = time.perf_counter()
        run()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples)


def get(http, url: str):
    def run():
        response = http.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        return response

    return run


def baseline():
    from incidents.models import Incident

    def run():
        rows = list(
            Incident.objects.filter(archived_at__isnull=True)
            .order_by("-created_at", "-id")
            .values_list("id", "reference", "title")[:PAGE]
        )
        assert len(rows) == PAGE

    return run


def measure(total: int, http) -> list[tuple[str, float]]:
    from incidents.models import Incident

    live = Incident.objects.filter(archived_at__isnull=True).order_by("-created_at", "-id")
    last = -(-live.count() // PAGE)
    # A keyset cursor in the middle of the register, as DRF encodes it ("p=<position>").
    middle = live.values_list("created_at", flat=True)[total // 2]
    cursor = quote(base64.b64encode(urlencode({"p": str(middle)}).encode()).decode())
    return [
        ("baseline: bare page query (50 rows)", timed(baseline())),
        ("GET /incidents/ page 1", timed(get(http, "/api/v1/incidents/"))),
        ("GET /incidents/ page 40", timed(get(http, f"/api/v1/incidents/?page={min(40, last)}"))),
        (
            f"GET /incidents/ last page ({last})",
            timed(get(http, f"/api/v1/incidents/?page={last}")),
        ),
        (
            "GET /incidents/?cursor= (keyset, first page)",
            timed(get(http, "/api/v1/incidents/?cursor=")),
        ),
        (
            "GET /incidents/?cursor=... (keyset, middle)",
            timed(get(http, f"/api/v1/incidents/?cursor={cursor}")),
        ),
        (
            "GET /incidents/?status=triage&status=assessing",
            timed(get(http, "/api/v1/incidents/?status=triage&status=assessing")),
        ),
        (
            "GET /obligations/upcoming/?hours=72",
            timed(get(http, "/api/v1/obligations/upcoming/?hours=72")),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup(tmp)
        from django.db import connection

        http = client()
        sizes = (max(args.incidents // 50, 2 * PAGE), args.incidents)
        results: dict[int, list[tuple[str, float]]] = {}
        for total in sizes:
            populate(total)
            results[total] = measure(total, http)
        small, large = results[sizes[0]], results[sizes[1]]
        vendor = f"{connection.vendor} {connection.Database.__name__}"
        if args.markdown:
            print(f"| case ({vendor}) | n={sizes[0]:,} ms | n={sizes[1]:,} ms | ratio |")
            print("|---|---:|---:|---:|")
        for (label, a), (_, b) in zip(small, large, strict=True):
            if args.markdown:
                print(f"| {label} | {a:.1f} | {b:.1f} | {b / a:.2f}x |")
            else:
                print(f"{label:<52}{a:>9.1f}{b:>9.1f} ms  x{b / a:.2f}")


if __name__ == "__main__":
    main()
