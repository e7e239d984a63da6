"""People's commands on alerts: attach one to an incident (moving it off another), detach it.

Lock order as in intake: the alert row, then the audit head (event_record)."""

from datetime import datetime

from django.db import transaction

from breachdesk.errors import DomainError, ErrorCode, InvalidInput
from breachdesk.timeutils import aware_utc, now_utc
from incidents.intake.ingest import alert_summary
from incidents.intake.models import Alert
from incidents.intake.retry import retried_when_deadlocked
from incidents.models import Incident
from incidents.models.incident import EventKind
from incidents.services.events import Actor, event_record


def _alert_lock(alert_id: int) -> Alert:
    try:
        return (
            Alert.objects.select_for_update(of=("self",))
            .select_related("incident")
            .get(pk=alert_id)
        )
    except Alert.DoesNotExist:
        raise DomainError("Alert not found.", code=ErrorCode.NOT_FOUND, status=404) from None


# People's commands are plain atomic (not durable) so the admin, which wraps every save
# in its own transaction, can call them too.
@retried_when_deadlocked
@transaction.atomic
def alert_attach(
    *, alert_id: int, incident_id: int, actor: Actor, now: datetime | None = None
) -> Alert:
    """Merge an alert into an incident (moving it off another one), on both timelines."""
    now = aware_utc(now or now_utc())
    alert = _alert_lock(alert_id)
    try:
        incident = Incident.objects.get(pk=incident_id)
    except Incident.DoesNotExist:
        raise InvalidInput(f"Incident {incident_id} does not exist.", field="incident") from None
    if incident.archived_at is not None:
        raise DomainError("The incident is archived; unarchive it first.", field="incident")
    if alert.incident_id == incident.pk:
        raise DomainError(
            f"The alert is already attached to {incident.reference}.", field="incident"
        )
    previous = alert.incident
    if previous is not None:
        event_record(
            incident=previous,
            kind=EventKind.ALERT_DETACHED,
            actor=actor,
            now=now,
            payload={**alert_summary(alert.pk, alert), "moved_to": incident.reference},
        )
    alert.incident = incident
    alert.save(update_fields=["incident"])
    event_record(
        incident=incident,
        kind=EventKind.ALERT_ATTACHED,
        actor=actor,
        now=now,
        payload={
            **alert_summary(alert.pk, alert),
            "reason": "manual",
            "moved_from": previous.reference if previous else None,
        },
    )
    return alert


@retried_when_deadlocked
@transaction.atomic
def alert_detach(
    *, alert_id: int, actor: Actor, reason: str = "", now: datetime | None = None
) -> Alert:
    """Take an alert off its incident; later duplicates of it stay detached."""
    now = aware_utc(now or now_utc())
    alert = _alert_lock(alert_id)
    incident = alert.incident
    if incident is None:
        raise DomainError("The alert is not attached to an incident.", field="incident")
    alert.incident = None
    alert.save(update_fields=["incident"])
    event_record(
        incident=incident,
        kind=EventKind.ALERT_DETACHED,
        actor=actor,
        now=now,
        payload={**alert_summary(alert.pk, alert), "reason": reason.strip()},
    )
    return alert
