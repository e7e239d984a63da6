from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Breach register"

    def ready(self) -> None:
        from incidents.roles import roles_sync
        from incidents.services.authorities import authorities_sync_after_migrate

        # Permissions are created by post_migrate too; ours runs after every app migrated.
        post_migrate.connect(roles_sync, dispatch_uid="incidents.roles_sync")
        # The shipped authority registry follows the code, like the schema (idempotent).
        post_migrate.connect(
            authorities_sync_after_migrate, sender=self, dispatch_uid="incidents.authorities_sync"
        )
