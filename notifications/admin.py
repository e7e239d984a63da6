"""Admin: the delivery log and reminder attempts are read-only evidence; config is editable."""

from django.contrib import admin

from notifications.models import (
    CalendarFeedToken,
    EscalationLadder,
    OnCallContact,
    OnCallPage,
    OutboxMessage,
    ReminderAttempt,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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
