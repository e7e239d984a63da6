"""Import recipients from a CSV file into a draft campaign, with a progress bar."""

import os

from django.core.management.base import BaseCommand, CommandError

from breachdesk.errors import DomainError
from notifications.campaigns import services
from notifications.management.progress import ProgressBar


class Command(BaseCommand):
    help = "Stream a CSV (email, phone, language, region, name, merge fields) into a campaign."

    def add_arguments(self, parser):
        parser.add_argument("campaign_id", type=int)
        parser.add_argument("path", help="CSV file, UTF-8, header on line 1")
        parser.add_argument("--actor", default="system:campaign_import")

    def handle(self, *args, campaign_id: int, path: str, actor: str, **options):
        try:
            size = os.path.getsize(path)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from None
        with open(path, "rb") as stream:
            bar = ProgressBar(size, label="import (bytes)", stream=self.stderr)
            try:
                run = services.campaign_import_csv(
                    campaign_id=campaign_id,
                    stream=stream,
                    actor=actor,
                    filename=os.path.basename(path),
                    progress=lambda rows: bar.update(stream.tell()),
                )
            except DomainError as exc:
                raise CommandError(exc.message) from None
            bar.finish(size)
        self.stdout.write(
            f"import {run.pk}: {run.rows:,} rows, {run.accepted:,} accepted, "
            f"{run.duplicates:,} duplicates dropped, {run.rejected:,} rejected"
        )
        for row in run.rejected_rows[:20]:
            self.stdout.write(f"  line {row['line']}: {'; '.join(row['reasons'])}")
        if run.rejected > 20:
            self.stdout.write(f"  ... and {run.rejected - 20:,} more (see the import report)")
