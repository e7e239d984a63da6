from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "breachdesk.web"
    label = "web"
    verbose_name = "Web workspace"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from breachdesk.web import twofactor

        twofactor.protect_admin()
