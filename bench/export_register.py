"""Benchmark: streaming the Art. 33(5) register export (CSV and JSON) with flat memory.

Creates N incidents in a throw-away database (SQLite file by default, or DATABASE_URL),
then measures, in the same run:
  * baseline: reading the same rows with a bare chunked `values_list` iterator;
  * the real export endpoint (GET /api/v1/register/export/?as=csv|json) through Django's
    test client, consuming the streamed body chunk by chunk.
For each: wall time, rows/s, bytes, and the peak of Python allocations (tracemalloc) during
the second pass of the export, at N/10 and N rows, so that "flat memory" is a measured ratio.

    .venv/bin/python bench/export_register.py --incidents 100000
"""

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(db_dir: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "breachdesk.settings.dev")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{db_dir}/bench.sqlite3")
    os.environ["BREACHDESK_VAR_DIR"] = db_dir
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def populate(total: int) -> None:
    from incidents.models import Incident

    start = datetime(2025, 1, 1, tzinfo=UTC)
    existing = Incident.objects.count()
    batch = []
    for i in range(existing, total):
        at = start + timedelta(minutes=i)
        batch.append(
            Incident(
                reference=f"BD-BENCH-{i:07d}",
                title=f"Benchmark incident {i}",
                summary="Lost laptop with customer records; details in the case file.",
                status=("triage", "not_notifiable", "dismissed", "notifying")[i % 4],
                decision_reason="Trusted recipient" if i % 4 == 1 else "",
                status_changed_at=at,
                created_at=at,
                updated_at=at,
                detected_at=at,
                aware_at=at,
                countries=["DE", "US-CA"],
                country_index="|DE|US-CA|",
                subjects_count=i % 5000,
                data_categories=["identity", "contact"],
                breach_types=["confidentiality"],
                cause="accidental_internal",
            )
        )
        if len(batch) == 5000:
            Incident.objects.bulk_create(batch)
            batch = []
    if batch:
        Incident.objects.bulk_create(batch)


def measure(label: str, produce) -> dict:
    """Time one pass without tracing (tracemalloc slows Python), then trace a second pass."""
    began = time.perf_counter()
    rows, size = produce()
    elapsed = time.perf_counter() - began
    tracemalloc.start()
    produce()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "label": label,
        "rows": rows,
        "seconds": elapsed,
        "bytes": size,
        "peak_mib": peak / 2**20,
    }


def baseline():
    from incidents.models import Incident

    count = 0
    for _ in (
        Incident.objects.order_by("id")
        .values_list("id", "reference", "title")
        .iterator(chunk_size=2000)
    ):
        count += 1
    return count, 0


def export(fmt: str):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from incidents.roles import roles_sync

    roles_sync()
    user, _ = get_user_model().objects.get_or_create(username="bench-dpo")
    user.groups.set([Group.objects.get(name="dpo")])
    client = Client()
    client.force_login(user)

    def run():
        response = client.get(f"/api/v1/register/export/?as={fmt}")
        assert response.status_code == 200, response.status_code
        size = lines = 0
        for chunk in response.streaming_content:
            size += len(chunk)
            lines += chunk.count(b"\n")
        return lines, size

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup(tmp)
        results = []
        populate(100)
        export("csv")()  # warm up imports and URL resolution outside the measurement
        for total in (args.incidents // 10, args.incidents):
            populate(total)
            results.append(measure(f"baseline values_list  n={total}", baseline))
            results.append(measure(f"export csv            n={total}", export("csv")))
            results.append(measure(f"export json           n={total}", export("json")))
        print(f"{'case':<34}{'rows':>9}{'seconds':>10}{'rows/s':>10}{'MiB out':>9}{'peak MiB':>10}")
        for r in results:
            print(
                f"{r['label']:<34}{r['rows']:>9}{r['seconds']:>10.2f}"
                f"{r['rows'] / r['seconds']:>10.0f}{r['bytes'] / 2**20:>9.1f}"
                f"{r['peak_mib']:>10.2f}"
            )
        small, large = results[1]["peak_mib"], results[4]["peak_mib"]
        print(
            f"csv peak memory ratio n={args.incidents} vs n={args.incidents // 10}: "
            f"{large / small:.2f}x (flat memory means close to 1x, not 10x)"
        )


if __name__ == "__main__":
    main()
