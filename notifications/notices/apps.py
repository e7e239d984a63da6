from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "notifications.notices"
    label = "notices"
    verbose_name = "Notices to affected people"
    default_auto_field = "django.db.models.BigAutoField"
