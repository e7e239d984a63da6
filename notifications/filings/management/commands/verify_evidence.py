from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from notifications.filings.evidence import pack_verify


class Command(BaseCommand):
    help = "Verify an evidence pack: file hashes, filing snapshots and their audit entries."

    def add_arguments(self, parser):
        parser.add_argument("pack", help="Path of the evidence pack (.zip)")

    def handle(self, *args, pack, **options):
        path = Path(pack)
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        report = pack_verify(path.read_bytes())
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(f"- {problem}")
            raise CommandError(f"Evidence pack BROKEN: {len(report.problems)} problem(s)")
        self.stdout.write(
            self.style.SUCCESS(
                f"Evidence pack intact for {report.incident}: {report.files_checked} files, "
                f"{report.filings_checked} filings, {report.audit_entries_checked} audit "
                f"entries checked. Manifest SHA-256 {report.manifest_sha256}"
            )
        )
