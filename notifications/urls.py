from django.urls import path

from notifications import apis
from notifications.campaigns import apis as campaign_apis

urlpatterns = [
    path("calendar/token/", apis.CalendarTokenApi.as_view(), name="calendar-token"),
    path("calendar/<str:token>.ics", apis.CalendarFeedApi.as_view(), name="calendar-feed"),
    path(
        "incidents/<int:pk>/campaigns/",
        campaign_apis.CampaignListCreateApi.as_view(),
        name="incident-campaigns",
    ),
    path("campaigns/<int:pk>/", campaign_apis.CampaignDetailApi.as_view(), name="campaign-detail"),
    path(
        "campaigns/<int:pk>/recipients/",
        campaign_apis.CampaignRecipientsApi.as_view(),
        name="campaign-recipients",
    ),
    path(
        "campaigns/<int:pk>/imports/",
        campaign_apis.CampaignImportApi.as_view(),
        name="campaign-import",
    ),
    path(
        "campaigns/<int:pk>/imports/<int:import_id>/",
        campaign_apis.CampaignImportDetailApi.as_view(),
        name="campaign-import-detail",
    ),
    path(
        "campaigns/<int:pk>/start/", campaign_apis.CampaignStartApi.as_view(), name="campaign-start"
    ),
    path(
        "campaigns/<int:pk>/retry/", campaign_apis.CampaignRetryApi.as_view(), name="campaign-retry"
    ),
    path(
        "campaigns/<int:pk>/letters.csv",
        campaign_apis.CampaignLettersApi.as_view(),
        name="campaign-letters",
    ),
    path("messages/unknown/", apis.UnknownMessagesApi.as_view(), name="messages-unknown"),
    path("messages/<int:pk>/settle/", apis.MessageSettleApi.as_view(), name="message-settle"),
    path(
        "receipts/sendgrid/", campaign_apis.SendGridReceiptApi.as_view(), name="receipts-sendgrid"
    ),
    path("receipts/twilio/", campaign_apis.TwilioReceiptApi.as_view(), name="receipts-twilio"),
]
