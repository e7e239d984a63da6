"""Paging the DPO and the on-call list once about a new incident opened by an alert."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from breachdesk.timeutils import aware_utc, now_utc
from incidents.models.incident import EventKind
from incidents.services.events import event_record
from notifications import selectors
from notifications.messages import incident_admin_url, utc_text
from notifications.models import OnCallPage
from notifications.services.deliver import deliver


def incident_page_on_call(*, incident_id: int, now: datetime | None = None) -> bool:
    """Page the DPO and the on-call list once about a new incident opened by an alert."""
    now = aware_utc(now or now_utc())
    try:
        with transaction.atomic(durable=True):  # committed before any provider is called
            page = OnCallPage.objects.create(incident_id=incident_id, claimed_at=now)
    except IntegrityError:
        return False  # already paged (a retried task or a second worker)
    incident = page.incident
    recipients = [r for r in selectors.reminder_recipients(incident) if r.role != "assignee"]
    context = {
        "reference": incident.reference,
        "title": incident.title,
        "detected": utc_text(incident.detected_at) if incident.detected_at else "unknown",
        "source": incident.get_source_display(),
        "link": incident_admin_url(incident.pk),
    }
    subject = render_to_string("notifications/page_subject.txt", context).strip()
    body = render_to_string("notifications/page_email.txt", context)
    sms = render_to_string("notifications/page_sms.txt", context).strip()
    results = [
        deliver(
            recipient,
            subject=subject,
            body=body,
            sms=sms,
            reference=f"page-{incident.pk}",
            purpose="on_call_page",
            incident_id=incident.pk,
        )
        for recipient in recipients
    ]
    with transaction.atomic():
        page.sent_at = now_utc()
        page.recipients = [r.as_dict() for r in recipients]
        page.results = results
        page.save(update_fields=["sent_at", "recipients", "results"])
        event_record(
            incident=incident,
            kind=EventKind.ON_CALL_PAGED,
            actor="system",
            now=now,
            payload={"recipients": page.recipients, "results": results},
        )
    return True
