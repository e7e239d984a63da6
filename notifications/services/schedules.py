"""The periodic jobs (django-q2 schedules), created by `manage.py ensure_schedules`."""

from django_q.models import Schedule

from breachdesk.timeutils import now_utc

SWEEP_SCHEDULE_NAME = "deadline-reminders-sweep"
SWEEP_TASK = "notifications.tasks.deadline_reminders_sweep"

# The periodic jobs (name -> task and period in minutes), created by `manage.py ensure_schedules`.
SCHEDULES = {
    SWEEP_SCHEDULE_NAME: (SWEEP_TASK, 1),
    # Single messages due for a retry; notice campaigns: unknown outcomes, restarts, purge.
    "outbound-sweep": ("notifications.tasks.outbound_sweep", 1),
    # Senders retry an Idempotency-Key within minutes; replies are forgotten after a week.
    "intake-idempotency-prune": ("incidents.intake.services.idempotency_prune", 60),
    # Raw payloads of alerts that no incident took are deleted after 90 days (configurable).
    "intake-payload-purge": ("incidents.intake.services.alert_payloads_purge", 24 * 60),
    # Query-planner statistics of the embedded SQLite database (PostgreSQL keeps its own).
    "database-optimize": ("breachdesk.db.database_optimize", 24 * 60),
}


def schedules_ensure() -> list[Schedule]:
    """Create or update every periodic schedule (idempotent by name)."""
    schedules = []
    for name, (func, minutes) in SCHEDULES.items():
        wanted = {
            "func": func,
            "schedule_type": Schedule.MINUTES,
            "minutes": minutes,
            "repeats": -1,
        }
        schedule, _ = Schedule.objects.get_or_create(
            name=name, defaults={**wanted, "next_run": now_utc()}
        )
        changed = [key for key, value in wanted.items() if getattr(schedule, key) != value]
        for key in changed:
            setattr(schedule, key, wanted[key])
        if changed:
            schedule.save(update_fields=changed)
        schedules.append(schedule)
    return schedules
