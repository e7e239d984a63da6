from django.urls import path

from notifications.filings import apis

urlpatterns = [
    path("incidents/<int:pk>/filings/", apis.IncidentFilingsApi.as_view(), name="incident-filings"),
    path(
        "incidents/<int:pk>/correspondence/",
        apis.IncidentCorrespondenceApi.as_view(),
        name="incident-correspondence",
    ),
    path(
        "incidents/<int:pk>/evidence-pack/",
        apis.EvidencePackApi.as_view(),
        name="incident-evidence-pack",
    ),
    path("filings/<int:pk>/", apis.FilingDetailApi.as_view(), name="filing-detail"),
    path("filings/<int:pk>/submit/", apis.FilingSubmitApi.as_view(), name="filing-submit"),
    path("filings/<int:pk>/send/", apis.FilingSendApi.as_view(), name="filing-send"),
    path("filings/<int:pk>/render/", apis.FilingRenderApi.as_view(), name="filing-render"),
]
