"""Health of a running installation: database, broker, worker heartbeat, schedule freshness.

`GET /healthz` answers 200 when every check passes and 503 naming the failing ones, so a
load balancer or an uptime monitor sees a stopped worker or a dead scheduler as clearly as a
lost database. `GET /healthz/live` checks only that this web process can reach its database
(for a load balancer that should not take web processes out because a worker is down).

A worker is alive when a django-q2 cluster reported its status to the broker recently
(Redis broker) or when a task finished recently: the reminder sweep runs every minute, so a
running cluster finishes one at least that often. Schedules are fresh when none is more
than `HEALTH_SCHEDULE_GRACE_SECONDS` past its next run (nobody is running the scheduler).
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.http import HttpRequest, JsonResponse
from django_q.brokers import get_broker
from django_q.models import Schedule, Task
from django_q.status import Stat

from breachdesk.timeutils import now_utc

logger = logging.getLogger(__name__)


def check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"ok": True, "vendor": connection.vendor}


def check_broker() -> dict:
    broker = get_broker()
    broker.ping()
    return {"ok": True, "broker": broker.info(), "queued": broker.queue_size()}


def worker_heartbeat_at() -> datetime | None:
    """The newest sign of life of any worker cluster (None when there never was one)."""
    seen = [stat.timestamp for stat in Stat.get_all(broker=get_broker()) if stat.timestamp]
    finished = Task.objects.aggregate(last=Max("stopped"))["last"]
    if finished:
        seen.append(finished)
    return max(seen) if seen else None


def check_worker(now: datetime) -> dict:
    limit = timedelta(seconds=settings.HEALTH_WORKER_MAX_SILENCE_SECONDS)
    last = worker_heartbeat_at()
    age = max(0.0, (now - last).total_seconds()) if last else None
    return {
        "ok": last is not None and now - last <= limit,
        "last_seen_at": last.isoformat() if last else None,
        "age_seconds": round(age, 1) if age is not None else None,
        "max_silence_seconds": limit.total_seconds(),
    }


def check_schedules(now: datetime) -> dict:
    grace = timedelta(seconds=settings.HEALTH_SCHEDULE_GRACE_SECONDS)
    active = Schedule.objects.exclude(repeats=0)
    late = sorted(active.filter(next_run__lt=now - grace).values_list("name", flat=True))
    count = active.count()
    return {"ok": count > 0 and not late, "schedules": count, "late": late}


CHECKS = {
    "database": lambda now: check_database(),
    "broker": lambda now: check_broker(),
    "worker": check_worker,
    "schedules": check_schedules,
}


def run_checks(now: datetime | None = None) -> dict[str, dict]:
    now = now or now_utc()
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check(now)
        except Exception as exc:  # any failure of a dependency is the answer, not a 500
            logger.warning("health check %s failed: %s", name, type(exc).__name__)
            results[name] = {"ok": False, "error": type(exc).__name__}
    return results


def healthz(request: HttpRequest) -> JsonResponse:
    checks = run_checks()
    failing = sorted(name for name, result in checks.items() if not result["ok"])
    body = {"status": "fail" if failing else "ok", "failing": failing, "checks": checks}
    return JsonResponse(body, status=503 if failing else 200)


def healthz_live(request: HttpRequest) -> JsonResponse:
    try:
        check_database()
    except Exception as exc:  # the database is gone: say so with a 503
        return JsonResponse({"status": "fail", "error": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok"})
