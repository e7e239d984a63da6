"""django-q2 tasks: thin wrappers that call a service (the service decides what is left)."""

from django.conf import settings
from django_q.tasks import async_task

from notifications.campaigns import services as campaign_services
from notifications.outbound import messages_retry_due
from notifications.services.paging import incident_page_on_call
from notifications.services.reminders import reminders_sweep

# A worker stops taking chunks after this long and re-enqueues itself (django-q2 kills a task
# at Q_CLUSTER["timeout"]); a chunk it was sending stays leased and is finished first.
CAMPAIGN_TASK_BUDGET_SECONDS = max(10, int(settings.Q_CLUSTER.get("timeout", 120)) - 45)


def deadline_reminders_sweep() -> dict:
    """Run by the every-minute Schedule created by `manage.py ensure_schedules`."""
    return reminders_sweep().as_dict()


def page_on_call(incident_id: int) -> bool:
    """Enqueued after commit when an alert opens a new incident."""
    return incident_page_on_call(incident_id=incident_id)


def campaign_work(campaign_id: int) -> dict:
    """One worker's share of a campaign; re-enqueues itself before the django-q2 timeout."""
    report = campaign_services.campaign_work(
        campaign_id=campaign_id, budget_seconds=CAMPAIGN_TASK_BUDGET_SECONDS
    )
    if report["chunks"] and campaign_services.campaign_has_leasable(campaign_id=campaign_id):
        async_task("notifications.tasks.campaign_work", campaign_id)
    return report


def outbound_sweep() -> dict:
    """Every minute: single messages due for a retry, campaign upkeep (unknowns, purge)."""
    return {**messages_retry_due(), **campaign_services.campaigns_sweep()}
