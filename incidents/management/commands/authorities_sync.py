from django.core.management.base import BaseCommand

from incidents.services.authorities import authorities_sync


class Command(BaseCommand):
    help = "Load the shipped authority registry; fields edited in the admin keep their value."

    def handle(self, *args, **options):
        report = authorities_sync()
        for label, codes in (
            ("added", report.created),
            ("updated", report.updated),
            ("retired", report.retired),
            ("restored", report.restored),
        ):
            if codes:
                self.stdout.write(f"{label}: {', '.join(codes)}")
        for code, fields in report.kept_local.items():
            self.stdout.write(f"kept local edit of {code}: {', '.join(fields)}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(report.created)} added, {len(report.updated)} updated, "
                f"{len(report.retired)} retired, {len(report.kept_local)} with local edits kept"
            )
        )
