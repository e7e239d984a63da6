"""Create or update the periodic django-q2 schedules (idempotent; run on every deploy)."""

from django.core.management.base import BaseCommand

from notifications.services.schedules import schedules_ensure


class Command(BaseCommand):
    help = "Create or update the django-q2 schedules: reminder sweep, idempotency pruning."

    def handle(self, *args, **options) -> None:
        for schedule in schedules_ensure():
            self.stdout.write(
                f"Schedule {schedule.name!r}: {schedule.func} every {schedule.minutes} "
                f"minute(s), next run {schedule.next_run:%Y-%m-%d %H:%M:%S} UTC."
            )
