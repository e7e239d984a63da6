from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "incidents.intake"
    label = "intake"
    verbose_name = "Alert intake"
    default_auto_field = "django.db.models.BigAutoField"
