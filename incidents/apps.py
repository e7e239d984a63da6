from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Breach register"

    def ready(self) -> None:
        from incidents.roles import roles_sync

        # Permissions are created by post_migrate too; ours runs after every app migrated.
        post_migrate.connect(roles_sync, dispatch_uid="incidents.roles_sync")
