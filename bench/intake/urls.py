"""The real intake URLs plus the bench-only baseline endpoint."""

from django.conf import settings
from django.urls import include, path

from bench.intake.baseline import BaselineApi

urlpatterns = [path("api/v1/", include("incidents.intake.urls"))]
if getattr(settings, "BREACHDESK_BENCH_BASELINE", False):
    urlpatterns.append(path("bench/baseline/", BaselineApi.as_view()))
