from django.urls import path

from breachdesk.web.views import (
    assessment,
    auth,
    campaigns,
    dashboard,
    filings,
    incidents,
    notices,
    profile,
    register,
)

app_name = "web"

urlpatterns = [
    path("", dashboard.dashboard_view, name="dashboard"),
    path("login/", auth.login_view, name="login"),
    path("login/verify/", auth.verify_view, name="verify"),
    path("login/enrol/", auth.enrol_view, name="enrol"),
    path("logout/", auth.logout_view, name="logout"),
    path("account/", auth.account_view, name="account"),
    path("incidents/new/", incidents.incident_new, name="incident-new"),
    path("incidents/<int:pk>/", incidents.incident_page, name="incident"),
    path("incidents/<int:pk>/facts/", incidents.incident_facts, name="incident-facts"),
    path(
        "incidents/<int:pk>/transition/",
        incidents.incident_transition,
        name="incident-transition",
    ),
    path("incidents/<int:pk>/comment/", incidents.incident_comment, name="incident-comment"),
    path("incidents/<int:pk>/assess/<int:step>/", assessment.wizard_step, name="wizard"),
    path(
        "incidents/<int:pk>/assess/<int:step>/preview/",
        assessment.wizard_preview,
        name="wizard-preview",
    ),
    path("incidents/<int:pk>/assess/review/", assessment.wizard_review, name="wizard-review"),
    path(
        "incidents/<int:pk>/assess/record/",
        assessment.assessment_record,
        name="assessment-record",
    ),
    path(
        "incidents/<int:pk>/assess/override/",
        assessment.assessment_override,
        name="assessment-override",
    ),
    path("incidents/<int:pk>/filings/new/", filings.filing_new, name="filing-new"),
    path("filings/<int:pk>/", filings.filing_page, name="filing"),
    path("filings/<int:pk>/edit/", filings.filing_edit, name="filing-edit"),
    path("filings/<int:pk>/submit/", filings.filing_submit, name="filing-submit"),
    path("incidents/<int:pk>/notices/new/", notices.notice_draft, name="notice-draft"),
    path("incidents/<int:incident_pk>/notices/<int:pk>/", notices.notice_editor, name="notice"),
    path(
        "incidents/<int:incident_pk>/notices/<int:pk>/edit/",
        notices.notice_edit,
        name="notice-edit",
    ),
    path(
        "incidents/<int:incident_pk>/notices/<int:pk>/approve/",
        notices.notice_approve,
        name="notice-approve",
    ),
    path(
        "incidents/<int:incident_pk>/notices/<int:pk>/publish/",
        notices.notice_publish,
        name="notice-publish",
    ),
    path(
        "incidents/<int:incident_pk>/notices/<int:notice_pk>/campaigns/new/",
        campaigns.campaign_new,
        name="campaign-new",
    ),
    path(
        "incidents/<int:incident_pk>/campaigns/<int:pk>/", campaigns.campaign_page, name="campaign"
    ),
    path(
        "incidents/<int:incident_pk>/campaigns/<int:pk>/progress/",
        campaigns.campaign_progress,
        name="campaign-progress",
    ),
    path(
        "incidents/<int:incident_pk>/campaigns/<int:pk>/import/",
        campaigns.campaign_import,
        name="campaign-import",
    ),
    path(
        "incidents/<int:incident_pk>/campaigns/<int:pk>/start/",
        campaigns.campaign_start,
        name="campaign-start",
    ),
    path(
        "incidents/<int:incident_pk>/campaigns/<int:pk>/retry/",
        campaigns.campaign_retry,
        name="campaign-retry",
    ),
    path("register/", register.register_view, name="register"),
    path("organisation/", profile.organisation_view, name="organisation"),
    path("parties/", profile.parties_view, name="parties"),
    path("parties/<int:pk>/", profile.party_view, name="party"),
    path("parties/<int:pk>/delete/", profile.party_delete, name="party-delete"),
    path("authorities/", profile.authorities_view, name="authorities"),
]
