"""Run the reminder sweep once, now (what the schedule does every minute)."""

import json

from django.core.management.base import BaseCommand

from notifications.services.reminders import reminders_sweep


class Command(BaseCommand):
    help = "Record missed deadlines and send due reminders once; prints the sweep report."

    def handle(self, *args, **options) -> None:
        self.stdout.write(json.dumps(reminders_sweep().as_dict(), indent=2))
