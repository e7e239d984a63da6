"""Reminder texts, rendered from templates/notifications/*.txt (the only place texts live)."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.template.loader import render_to_string

from incidents.models import Obligation
from notifications.ladder import Step, describe_delta

SMS_LIMIT = 1600
# Which kind of deadline a reminder is about, by (due basis, has a hard limit).
DUE_KIND_TEXT = {
    ("law", True): "legal deadline",
    ("law", False): "regulator's guidance target (not a hard legal limit)",
    ("contract", True): "contractual deadline (data-processing agreement)",
    ("internal_target", False): "internal target (the law sets no fixed period)",
    ("internal_target", True): "legal deadline",
}


@dataclass(frozen=True)
class RenderedReminder:
    subject: str
    body: str
    sms: str


def incident_admin_url(incident_id: int) -> str:
    base = settings.BREACHDESK_BASE_URL.rstrip("/")
    return f"{base}/admin/incidents/incident/{incident_id}/change/"


def utc_text(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


def reminder_context(*, obligation: Obligation, steps: list[Step], now: datetime) -> dict:
    incident = obligation.incident
    target = obligation.due_at or obligation.soft_due_at
    overdue = now > target
    latest, earlier = steps[-1], steps[:-1]
    return {
        "reference": incident.reference,
        "title": incident.title,
        "regime": obligation.regime,
        "audience": obligation.audience.replace("_", " "),
        "recipient": obligation.recipient,
        "citation": obligation.citation,
        "rule_code": obligation.rule_code,
        "is_soft": obligation.due_at is None,
        "due_basis": obligation.due_basis,
        "due_kind": DUE_KIND_TEXT.get(
            (obligation.due_basis, obligation.due_at is not None), "deadline"
        ),
        "deadline_text": obligation.deadline_text,
        "due_utc": utc_text(target),
        "overdue": overdue,
        "remaining": describe_delta(target - now),
        "overdue_by": describe_delta(now - target),
        "step": latest.label,
        "catch_up": bool(earlier),
        "missed": [step.label for step in earlier],
        "missed_text": _missed_text(earlier),
        "missed_since": utc_text(earlier[0].at) if earlier else "",
        "link": incident_admin_url(incident.pk),
    }


MISSED_LISTED = 6


def _missed_text(earlier: list[Step]) -> str:
    """The missed steps by name; after a long outage the overdue ones are counted, not listed."""
    labels = [step.label for step in earlier]
    if len(labels) <= MISSED_LISTED:
        return ", ".join(labels)
    shown = ", ".join(labels[: MISSED_LISTED - 1])
    return f"{shown} and {len(labels) - MISSED_LISTED + 1} more (up to {labels[-1]})"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def reminder_render(
    *,
    obligation: Obligation,
    steps: list[Step],
    now: datetime,
    email: bool = True,
    sms: bool = True,
) -> RenderedReminder:
    """The reminder's e-mail (subject, body) and SMS; a part not asked for stays empty."""
    context = reminder_context(obligation=obligation, steps=steps, now=now)
    subject = body = text = ""
    if email:
        subject = _one_line(render_to_string("notifications/reminder_subject.txt", context))
        body = render_to_string("notifications/reminder_email.txt", context).strip() + "\n"
    if sms:
        text = render_to_string("notifications/reminder_sms.txt", context).strip()
        if len(text) > SMS_LIMIT:
            text = text[: SMS_LIMIT - 1] + "…"
    return RenderedReminder(subject=subject[:300], body=body, sms=text)


DIGEST_SMS_LISTED = 3  # the most urgent duties named in a digest SMS; the rest are counted


def dashboard_url() -> str:
    return settings.BREACHDESK_BASE_URL.rstrip("/") + "/"


def reminder_digest_render(
    *, items: list[tuple[Obligation, list[Step]]], now: datetime
) -> RenderedReminder:
    """ONE message listing every reminder due to one recipient in a sweep (most urgent first:
    the earliest deadline, so the most overdue, leads)."""
    duties = sorted(
        (
            reminder_context(obligation=o, steps=steps, now=now) | {"at": o.due_at or o.soft_due_at}
            for o, steps in items
        ),
        key=lambda d: d["at"],
    )
    context = {
        "duties": duties,
        "count": len(duties),
        "overdue_count": sum(d["overdue"] for d in duties),
        "first": duties[:DIGEST_SMS_LISTED],
        "more": max(0, len(duties) - DIGEST_SMS_LISTED),
        "link": dashboard_url(),
    }
    subject = _one_line(render_to_string("notifications/reminder_digest_subject.txt", context))
    body = render_to_string("notifications/reminder_digest_email.txt", context).strip() + "\n"
    sms = _one_line(render_to_string("notifications/reminder_digest_sms.txt", context))
    if len(sms) > SMS_LIMIT:
        sms = sms[: SMS_LIMIT - 1] + "…"
    return RenderedReminder(subject=subject[:300], body=body, sms=sms)
