import sys

from django.core.management.base import BaseCommand

from incidents.services.audit import audit_export_lines


class Command(BaseCommand):
    help = "Write the audit trail as JSON Lines to stdout (or --output FILE)."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="File to write instead of stdout.")

    def handle(self, *args, output=None, **options):
        stream = open(output, "w", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
        try:
            for line in audit_export_lines():
                stream.write(line)
        finally:
            if output:
                stream.close()
