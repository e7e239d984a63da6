"""Alert intake per path, in-process: milliseconds and SQL statements per request.

Through Django's test client with the benchmark settings (bench/intake/settings.py: DEBUG off,
the bench-only baseline endpoint), on a throw-away database (a SQLite file by default, or
DATABASE_URL: an EMPTY database; REDIS_URL makes Redis the broker as in production). In the
same run, REPEAT requests each, interleaved so load swings hit every path alike:

  * baseline: token check + one INSERT (bench/intake/baseline.py);
  * duplicate: the same alert again (counted on the open alert);
  * grouped: a new alert grouped onto the incident its group already has open;
  * opening: a new alert in a new group: opens an incident (reference, timeline, audit
    chain) and queues the on-call page on the broker after the commit.

    .venv/bin/python bench/intake/paths.py [--repeat 100] [--markdown] [--sql]

`--sql` prints the statements of one request per path (the query log), to see where it goes.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
PATHS = ("baseline", "duplicate", "grouped", "opening")


def setup(db_dir: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.intake.settings"
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{db_dir}/intake-paths.sqlite3")
    os.environ["BREACHDESK_VAR_DIR"] = db_dir
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)


def body(path: str, number: int) -> bytes:
    group = {"duplicate": "dup", "grouped": "storm", "baseline": "storm"}.get(path, f"g{number}")
    key = "dup" if path == "duplicate" else f"{path}-{number}"
    alert = {
        "title": f"Bench alert {number}",
        "dedup_key": f"bench-{key}",
        "group_key": f"bench-{group}",
        "severity": "warning",
        "labels": {"host": f"db-{number % 50}", "team": "security"},
    }
    return json.dumps(alert).encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--sql", action="store_true", help="print one request's statements")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup(tmp)
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from incidents.intake.services import integration_create

        token = integration_create(
            name=f"bench-paths-{os.getpid()}", source="generic", rate_limit_per_minute=0
        ).token
        http = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        url = dict.fromkeys(PATHS, "/api/v1/alerts/generic/")
        url["baseline"] = "/bench/baseline/"

        def post(path: str, number: int):
            response = http.post(url[path], body(path, number), content_type="application/json")
            assert response.status_code == 202, (path, response.status_code, response.content)

        for path in PATHS:  # warm-up: imports, connection, the storm's and duplicate's incident
            post(path, 0)
        samples: dict[str, list[float]] = {path: [] for path in PATHS}
        queries: dict[str, int] = {}
        for number in range(1, args.repeat + 1):
            for path in PATHS:
                with CaptureQueriesContext(connection) as log:
                    began = time.perf_counter()
                    post(path, number)
                    samples[path].append((time.perf_counter() - began) * 1000)
                queries[path] = len(log.captured_queries)
                if args.sql and number == 1:
                    print(f"-- {path}: {len(log.captured_queries)} statements", file=sys.stderr)
                    for query in log.captured_queries:
                        print(f"   {query['sql'][:160]}", file=sys.stderr)
        base = statistics.median(samples["baseline"])
        load = os.getloadavg()[0]
        vendor = connection.vendor
        if args.markdown:
            print(f"In-process, {args.repeat} requests per path, load average {load:.1f}:\n")
            print(f"| path ({vendor}) | median ms | SQL per request | vs baseline |")
            print("|---|---:|---:|---:|")
        for path in PATHS:
            median = statistics.median(samples[path])
            if args.markdown:
                print(f"| {path} | {median:.1f} | {queries[path]} | {median / base:.2f}x |")
            else:
                print(f"{path:<12}{median:>9.1f} ms{queries[path]:>5} SQL  x{median / base:.2f}")


if __name__ == "__main__":
    main()
