"""Print how late reminders went out: the gap between a step's moment and the actual send."""

import json

from django.core.management.base import BaseCommand

from breachdesk.timeutils import parse_aware
from notifications.selectors import reminder_lateness


class Command(BaseCommand):
    help = "Lateness statistics (seconds) of sent reminders, optionally since a timestamp."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--since", help="ISO 8601 with offset, e.g. 2026-11-22T10:00:00Z")

    def handle(self, *args, since=None, **options) -> None:
        start = parse_aware(since, field="since") if since else None
        self.stdout.write(json.dumps(reminder_lateness(since=start), indent=2))
