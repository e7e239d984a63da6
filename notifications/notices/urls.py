from django.urls import path

from . import apis

urlpatterns = [
    path("incidents/<int:pk>/notices/", apis.IncidentNoticesApi.as_view(), name="incident-notices"),
    path("notices/<int:pk>/", apis.NoticeDetailApi.as_view(), name="notice-detail"),
    path("notices/<int:pk>/versions/", apis.NoticeVersionsApi.as_view(), name="notice-versions"),
    path("notices/<int:pk>/approve/", apis.NoticeApproveApi.as_view(), name="notice-approve"),
    path("notices/<int:pk>/publish/", apis.NoticePublishApi.as_view(), name="notice-publish"),
    path("notices/<int:pk>/preview/", apis.NoticePreviewApi.as_view(), name="notice-preview"),
    path("notices/<int:pk>/sample/", apis.NoticeSampleApi.as_view(), name="notice-sample"),
]
