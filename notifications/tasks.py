"""django-q2 tasks: thin wrappers that call a service (the service decides what is left)."""

from notifications.services import reminders_sweep


def deadline_reminders_sweep() -> dict:
    """Run by the every-minute Schedule created by `manage.py ensure_schedules`."""
    return reminders_sweep().as_dict()
