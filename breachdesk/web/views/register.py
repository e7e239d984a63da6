"""The register: every incident, filterable, with the API's CSV/JSON export."""

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from breachdesk.timeutils import now_utc
from breachdesk.web.views.access import workspace_view
from incidents import selectors
from incidents.filters import IncidentFilter
from incidents.models import Assessment, Incident, Obligation
from incidents.models.obligation import ObligationStatus
from incidents.status import OPEN_STATUSES

PAGE_SIZE = 50
SHOWN_FILTERS = ("q", "status", "country", "source", "assignee")


def _register_queryset(params, now):
    queryset = (
        Incident.objects.select_related("assignee")
        .annotate(**selectors.notified_facts())  # as in the register export
        .prefetch_related(
            Prefetch(
                "assessments",
                queryset=Assessment.objects.order_by("-version").only(
                    "id", "incident_id", "version", "risk_level"
                ),
                to_attr="assessments_newest_first",
            )
        )
    )
    if params.get("open"):
        queryset = queryset.filter(status__in=OPEN_STATUSES, archived_at__isnull=True)
    if params.get("overdue"):
        queryset = queryset.filter(
            Exists(
                Obligation.objects.filter(
                    incident=OuterRef("pk"), status=ObligationStatus.PENDING, due_at__lt=now
                )
            )
        )
    return queryset.order_by("-created_at", "-id")


@workspace_view("incidents.view_incident")
def register_view(request: HttpRequest) -> HttpResponse:
    now = now_utc()
    filters = IncidentFilter(request.GET or None, queryset=_register_queryset(request.GET, now))
    rows = filters.qs if filters.is_bound and filters.is_valid() else filters.queryset
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for incident in page.object_list:
        newest = incident.assessments_newest_first
        incident.current_assessment = newest[0] if newest else None
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/register.html",
        {
            "filters": filters,
            "filter_fields": [filters.form[name] for name in SHOWN_FILTERS],
            "page": page,
            "query": query.urlencode(),
            "can_export": request.user.has_perm("incidents.export_register"),
            "now": now,
        },
    )
