from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from breachdesk import health, metrics
from breachdesk.api.views import endpoint_not_found

urlpatterns = [
    # The admin signs in through the workspace (password, then the second factor).
    path("admin/login/", RedirectView.as_view(url="/login/", query_string=True)),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script for the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/v1/", include("incidents.urls")),
    path("api/v1/", include("incidents.intake.urls")),
    path("api/v1/", include("notifications.urls")),
    path("api/v1/", include("notifications.notices.urls")),
    path("notices/", include("notifications.notices.public_urls")),
    path("api/v1/", include("notifications.filings.urls")),
    # Any other URL under /api/: a JSON 404 (or the slash redirect), never the HTML page.
    re_path(r"^api/(?P<rest>.*)$", endpoint_not_found, name="api-not-found"),
    path("healthz", health.healthz, name="healthz"),
    path("healthz/live", health.healthz_live, name="healthz-live"),
    path("metrics", metrics.metrics, name="metrics"),
    path("", include("breachdesk.web.urls")),
]
