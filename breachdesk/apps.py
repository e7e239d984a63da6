from django.apps import AppConfig


class BreachDeskConfig(AppConfig):
    """The project package as an app: project-wide system checks and commands."""

    name = "breachdesk"
    verbose_name = "BreachDesk"

    def ready(self) -> None:
        from breachdesk import checks  # noqa: F401  (registers the checks)
