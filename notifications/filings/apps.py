from django.apps import AppConfig


class FilingsConfig(AppConfig):
    name = "notifications.filings"
    label = "filings"
    verbose_name = "Filings"
    default_auto_field = "django.db.models.BigAutoField"
