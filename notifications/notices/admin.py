from django.contrib import admin

from .models import Notice, NoticeVersion


class NoticeVersionInline(admin.TabularInline):
    model = NoticeVersion
    fields = ("number", "created_at", "created_by", "approved_at", "approved_by", "content_hash")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """Read-only: notices change through the API and the web editor (services), never here."""

    list_display = ("id", "incident", "variant", "approved_version", "published_at", "updated_at")
    readonly_fields = (
        "incident",
        "variant",
        "approved_version",
        "published_at",
        "published_by",
        "created_by",
        "created_at",
        "updated_at",
    )
    exclude = ("obligations",)
    inlines = [NoticeVersionInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
