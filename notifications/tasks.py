"""django-q2 tasks: thin wrappers that call a service (the service decides what is left)."""

from notifications.services import incident_page_on_call, reminders_sweep


def deadline_reminders_sweep() -> dict:
    """Run by the every-minute Schedule created by `manage.py ensure_schedules`."""
    return reminders_sweep().as_dict()


def page_on_call(incident_id: int) -> bool:
    """Enqueued after commit when an alert opens a new incident."""
    return incident_page_on_call(incident_id=incident_id)
