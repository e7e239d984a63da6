from django.urls import path

from incidents.intake import apis

urlpatterns = [
    path("alerts/", apis.AlertListApi.as_view(), name="alert-list"),
    path("alerts/<int:pk>/", apis.AlertDetailApi.as_view(), name="alert-detail"),
    path(
        "alerts/<int:pk>/payloads/<int:seq>/",
        apis.AlertPayloadRawApi.as_view(),
        name="alert-payload-raw",
    ),
    path("alerts/<int:pk>/attach/", apis.AlertAttachApi.as_view(), name="alert-attach"),
    path("alerts/<int:pk>/detach/", apis.AlertDetachApi.as_view(), name="alert-detach"),
    path("alerts/<slug:source>/", apis.AlertIntakeApi.as_view(), name="alert-intake"),
]
