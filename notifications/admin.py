"""Admin: the delivery log and reminder attempts are read-only evidence; config is editable."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied

from breachdesk.admin import ReadOnlyAdmin
from breachdesk.errors import DomainError
from notifications.campaigns import selectors as campaign_selectors
from notifications.campaigns import services as campaign_services
from notifications.models import (
    CalendarFeedToken,
    Campaign,
    Delivery,
    EscalationLadder,
    ImportRun,
    OnCallContact,
    OnCallPage,
    OutboundMessage,
    OutboxMessage,
    ReceiptEvent,
    ReminderAttempt,
)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "channel",
        "to",
        "subject",
        "provider",
        "status",
        "provider_message_id",
    ]
    list_filter = ["channel", "provider", "status"]
    search_fields = ["to", "subject", "reference", "provider_message_id"]
    date_hierarchy = "created_at"


@admin.register(ReminderAttempt)
class ReminderAttemptAdmin(ReadOnlyAdmin):
    list_display = [
        "claimed_at",
        "obligation",
        "step_key",
        "status",
        "tries",
        "sent_at",
        "lateness_seconds",
        "covered_by",
    ]
    list_filter = ["status"]
    search_fields = ["obligation__incident__reference", "obligation__rule_code", "step_key"]
    list_select_related = ["obligation__incident", "covered_by"]


@admin.register(OnCallContact)
class OnCallContactAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "phone", "channels", "active"]
    list_filter = ["active"]
    search_fields = ["name", "email", "phone"]


@admin.register(EscalationLadder)
class EscalationLadderAdmin(admin.ModelAdmin):
    list_display = ["audience", "offsets_hours", "overdue_every_hours", "active", "updated_at"]


@admin.register(CalendarFeedToken)
class CalendarFeedTokenAdmin(ReadOnlyAdmin):
    list_display = ["user", "created_at"]
    fields = ["user", "created_at"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("notifications.delete_calendarfeedtoken")  # revoke a leak


@admin.register(OnCallPage)
class OnCallPageAdmin(ReadOnlyAdmin):
    list_display = ["incident", "claimed_at", "sent_at"]
    search_fields = ["incident__reference"]


# --- notice campaigns and single messages (evidence: read-only; actions call the services) ---


def _run_action(modeladmin, request, queryset, action, verb: str) -> None:
    done = 0
    for campaign in queryset:
        try:
            action(campaign_id=campaign.pk, actor=request.user)
            done += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{campaign}: {exc.message}", messages.ERROR)
    if done:
        modeladmin.message_user(request, f"{verb} {done} campaign(s).", messages.SUCCESS)


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "incident",
        "status",
        "recipients_count",
        "duplicates_count",
        "rejected_count",
        "started_at",
        "completed_at",
        "purged_at",
    ]
    list_filter = ["status"]
    search_fields = ["name", "incident__reference"]
    list_select_related = ["incident"]
    readonly_fields = ["progress"]
    exclude = ["content"]
    actions = ["start_sending", "retry_failed"]

    @admin.display(description="Progress (deliveries per state, rate, ETA)")
    def progress(self, obj: Campaign) -> dict:
        return campaign_selectors.campaign_progress(obj).as_dict()

    @admin.action(description="Start sending the selected draft campaigns")
    def start_sending(self, request, queryset):
        if not request.user.has_perm("notifications.send_campaign"):
            raise PermissionDenied
        _run_action(self, request, queryset, campaign_services.campaign_start, "Started")

    @admin.action(description="Send failed, bounced and unknown deliveries again")
    def retry_failed(self, request, queryset):
        if not request.user.has_perm("notifications.send_campaign"):
            raise PermissionDenied
        _run_action(self, request, queryset, campaign_services.campaign_retry, "Retried")


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = [
        "started_at",
        "campaign",
        "source",
        "rows",
        "accepted",
        "duplicates",
        "rejected",
    ]
    list_select_related = ["campaign"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """States only: contact data stays encrypted and out of the admin."""

    list_display = ["id", "campaign", "channel", "state", "provider", "tries", "sent_at", "error"]
    list_filter = ["state", "channel", "provider"]
    search_fields = ["provider_message_id"]
    fields = [
        "campaign",
        "recipient",
        "channel",
        "state",
        "provider",
        "provider_message_id",
        "tries",
        "attempted_at",
        "sent_at",
        "final_at",
        "error",
    ]
    raw_id_fields = ["campaign", "recipient"]
    show_full_result_count = False  # a million rows: no COUNT(*) per page


@admin.register(ReceiptEvent)
class ReceiptEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "provider", "kind", "reference", "applied", "reason"]
    list_filter = ["provider", "kind", "applied"]
    search_fields = ["reference", "event_id"]


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "purpose", "channel", "to", "state", "provider", "sent_at"]
    list_filter = ["purpose", "channel", "state", "provider"]
    search_fields = ["key", "to", "provider_message_id"]
