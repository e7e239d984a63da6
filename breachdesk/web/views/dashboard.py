"""The dashboard: what is due first, the counters, and two monthly charts."""

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from breachdesk.timeutils import now_utc
from breachdesk.web.charts import bar_chart, paired_chart
from breachdesk.web.views.access import workspace_view
from incidents import dashboard

LIMIT = 50
# The monthly charts summarise a year of history: recomputing them on every visit would cost
# more than the rest of the page on a large register, so they are shared for a few minutes.
CHARTS_SECONDS = 300


def _charts(now) -> dict:
    key = f"web:dashboard-charts:{now:%Y-%m}"
    charts = cache.get(key)
    if charts is None:
        charts = {
            "per_month": dashboard.incidents_per_month(now=now),
            "delays": dashboard.authority_delay_per_month(now=now),
        }
        cache.set(key, charts, CHARTS_SECONDS)
    return charts


@workspace_view("incidents.view_incident")
def dashboard_view(request: HttpRequest) -> HttpResponse:
    now = now_utc()
    charts = _charts(now)
    per_month, delays = charts["per_month"], charts["delays"]
    counters = dashboard.dashboard_counters(now=now)
    return render(
        request,
        "web/dashboard.html",
        {
            "now": now,
            "incidents": dashboard.incidents_open_by_urgency(limit=LIMIT),
            "limit": LIMIT,
            "counters": counters,
            "per_month": per_month,
            "per_month_chart": bar_chart(
                "Incidents per month", [(f"{m.month:%b}", m.count) for m in per_month]
            ),
            "delays": delays,
            "delay_chart": paired_chart(
                "Hours from awareness to authority notification",
                [(f"{m.month:%b}", m.median_hours, m.worst_hours) for m in delays],
            ),
        },
    )
