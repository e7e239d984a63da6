from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from breachdesk.backup import BackupFailed, database_restore


class Command(BaseCommand):
    help = (
        "Replace the WHOLE database with a backup made by db_backup, then verify the audit "
        "chain. Stop the web and worker processes first."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", help="A file written by `manage.py db_backup`.")
        parser.add_argument(
            "--yes", action="store_true", help="Confirm that the current content is replaced."
        )

    def handle(self, *args, **options):
        if not options["yes"]:
            raise CommandError("Restoring replaces every row of the database: add --yes.")
        try:
            database_restore(source=Path(options["backup"]))
        except BackupFailed as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored {options['backup']}.")
        call_command("verify_audit", stdout=self.stdout, stderr=self.stderr)
