from django.core.management.base import BaseCommand
from django.db import transaction

from incidents.services.rule_versions import rules_sync


class Command(BaseCommand):
    help = "Store a new pinned version of every rule whose file content changed."

    def handle(self, *args, **options):
        with transaction.atomic():
            created = rules_sync()
        for version in created:
            self.stdout.write(f"stored {version.code} v{version.version}")
        self.stdout.write(self.style.SUCCESS(f"{len(created)} rule version(s) stored"))
