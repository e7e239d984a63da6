from django.urls import path

from breachdesk.api.tokens import TokenObtainApi
from incidents import apis, apis_profile

urlpatterns = [
    path("auth/token/", TokenObtainApi.as_view(), name="auth-token"),
    path("incidents/", apis.IncidentListCreateApi.as_view(), name="incident-list"),
    path("incidents/<int:pk>/", apis.IncidentDetailApi.as_view(), name="incident-detail"),
    path(
        "incidents/<int:pk>/transitions/",
        apis.IncidentTransitionApi.as_view(),
        name="incident-transitions",
    ),
    path(
        "incidents/<int:pk>/timeline/", apis.IncidentTimelineApi.as_view(), name="incident-timeline"
    ),
    path(
        "incidents/<int:pk>/comments/", apis.IncidentCommentApi.as_view(), name="incident-comments"
    ),
    path("incidents/<int:pk>/archive/", apis.IncidentArchiveApi.as_view(), name="incident-archive"),
    path(
        "incidents/<int:pk>/assessments/",
        apis.AssessmentListCreateApi.as_view(),
        name="incident-assessments",
    ),
    path(
        "incidents/<int:pk>/assessments/override/",
        apis.AssessmentOverrideApi.as_view(),
        name="incident-assessment-override",
    ),
    path(
        "incidents/<int:pk>/obligations/",
        apis.ObligationListApi.as_view(),
        name="incident-obligations",
    ),
    path(
        "obligations/upcoming/", apis.ObligationsUpcomingApi.as_view(), name="obligations-upcoming"
    ),
    path("obligations/<int:pk>/meet/", apis.ObligationMeetApi.as_view(), name="obligation-meet"),
    path("obligations/<int:pk>/waive/", apis.ObligationWaiveApi.as_view(), name="obligation-waive"),
    path("parties/", apis.PartyListCreateApi.as_view(), name="party-list"),
    path("parties/<int:pk>/", apis.PartyDetailApi.as_view(), name="party-detail"),
    path("audit/", apis.AuditListApi.as_view(), name="audit-list"),
    path("audit/export/", apis.AuditExportApi.as_view(), name="audit-export"),
    path("audit/checkpoint/", apis.AuditCheckpointApi.as_view(), name="audit-checkpoint"),
    path("register/export/", apis.RegisterExportApi.as_view(), name="register-export"),
    path("organization/", apis_profile.OrganizationApi.as_view(), name="organization"),
    path("authorities/", apis_profile.AuthorityListApi.as_view(), name="authority-list"),
    path(
        "authorities/<str:code>/",
        apis_profile.AuthorityDetailApi.as_view(),
        name="authority-detail",
    ),
]
