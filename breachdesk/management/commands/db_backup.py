from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from breachdesk.backup import BackupFailed, database_backup
from breachdesk.timeutils import now_utc


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the database (PostgreSQL: pg_dump custom format; "
        "SQLite: online backup) while BreachDesk keeps running."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "output",
            nargs="?",
            help="File to write (default: var/backups/breachdesk-<UTC time>.<dump|sqlite3>).",
        )

    def handle(self, *args, **options):
        from django.conf import settings
        from django.db import connection

        if options["output"]:
            target = Path(options["output"])
        else:
            suffix = "dump" if connection.vendor == "postgresql" else "sqlite3"
            stamp = now_utc().strftime("%Y%m%dT%H%M%SZ")
            target = Path(settings.VAR_DIR) / "backups" / f"breachdesk-{stamp}.{suffix}"
        try:
            written = database_backup(target=target)
        except BackupFailed as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{written} ({written.stat().st_size} bytes)")
