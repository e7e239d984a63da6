"""Prometheus metrics: requests (middleware) and the state of the work (read at scrape time).

`GET /metrics` serves the text exposition format to a client that presents
`Authorization: Bearer $METRICS_TOKEN` or connects from an address in `METRICS_ALLOWED_IPS`
(default: loopback only); everyone else gets 403. Request counters live in each process; under
gunicorn with several workers, `PROMETHEUS_MULTIPROC_DIR` (set by deploy/gunicorn.conf.py)
makes every worker write them to shared files that the scrape adds up. Queue depth,
deliveries, obligations, reminder lateness and the worker heartbeat are read from the database
and the broker at scrape time, so every process answers the same.
"""

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django_q.brokers import get_broker
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from breachdesk.health import worker_heartbeat_at
from breachdesk.timeutils import now_utc
from incidents.selectors import obligations_due_counts
from notifications.selectors import delivery_counts, reminder_lateness

request_log = logging.getLogger("breachdesk.request")

REQUESTS = Counter(
    "breachdesk_http_requests_total",
    "HTTP requests answered, by method, URL pattern and status code.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "breachdesk_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and URL pattern.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def _route(request: HttpRequest) -> str:
    """The URL pattern, never the path: ids and query strings stay out of labels and logs."""
    match = getattr(request, "resolver_match", None)
    return match.route if match is not None and match.route else "unmatched"


class RequestMetricsMiddleware:
    """Counts and times every request and logs one structured line per request."""

    def __init__(self, get_response: Callable):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        began = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - began
        route = _route(request)
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        LATENCY.labels(request.method, route).observe(elapsed)
        user = getattr(request, "user", None)
        request_log.info(
            "%s %s %s %.1f ms",
            request.method,
            route,
            response.status_code,
            elapsed * 1000,
            extra={
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 2),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
            },
        )
        return response


class WorkCollector:
    """Gauges computed from the database and the broker when Prometheus scrapes."""

    def collect(self):
        now = now_utc()
        queue = GaugeMetricFamily(
            "breachdesk_queue_depth", "Background tasks waiting in the django-q2 broker."
        )
        queue.add_metric([], get_broker().queue_size())
        yield queue

        deliveries = GaugeMetricFamily(
            "breachdesk_deliveries",
            "Messages in the delivery log, by channel, provider and state.",
            labels=["channel", "provider", "state"],
        )
        for channel, provider, state, count in delivery_counts():
            deliveries.add_metric([channel, provider, state], count)
        yield deliveries

        obligations = GaugeMetricFamily(
            "breachdesk_obligations_pending",
            "Pending legal obligations: overdue, and due within 24 h and 72 h.",
            labels=["window"],
        )
        for window, count in obligations_due_counts(now=now).items():
            obligations.add_metric([window], count)
        yield obligations

        lateness = reminder_lateness(since=now - settings.METRICS_LATENESS_WINDOW)
        late = GaugeMetricFamily(
            "breachdesk_reminder_lateness_seconds",
            "How late reminders went out after their step (sent in the last hour).",
            labels=["stat"],
        )
        for stat in ("median", "p95", "max"):
            late.add_metric([stat], lateness.get(stat, 0.0))
        yield late
        sent = GaugeMetricFamily(
            "breachdesk_reminders_sent_last_hour", "Reminder messages sent in the last hour."
        )
        sent.add_metric([], lateness["count"])
        yield sent

        heartbeat = worker_heartbeat_at()
        age = GaugeMetricFamily(
            "breachdesk_worker_heartbeat_age_seconds",
            "Seconds since any worker cluster last showed a sign of life (-1: never).",
        )
        age.add_metric([], (now - heartbeat).total_seconds() if heartbeat else -1)
        yield age


def _allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_IPS
    )


def metrics(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        return HttpResponse(
            "Metrics need Authorization: Bearer <METRICS_TOKEN> or an allowed address.\n",
            status=403,
            content_type="text/plain",
        )
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_ProcessMetrics())
    registry.register(WorkCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


class _ProcessMetrics:
    """This process's own request metrics (single-process servers: runserver, tests)."""

    def collect(self):
        yield from REGISTRY.collect()
