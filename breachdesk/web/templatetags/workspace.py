from datetime import UTC, datetime

from django import template

from breachdesk.timeutils import iso
from breachdesk.web.countdown import countdown

register = template.Library()


@register.inclusion_tag("web/_countdown.html")
def countdown_for(due: datetime | None, now: datetime):
    if due is None:
        return {"countdown": None}
    return {"countdown": countdown(due, now), "iso": iso(due)}


@register.filter
def iso_utc(value: datetime | None) -> str:
    return iso(value) or ""


@register.filter
def label(value: str | None) -> str:
    """Vocabulary values read as words: 'known_trusted_recipient' -> 'known trusted recipient'."""
    return (value or "").replace("_", " ")


@register.simple_tag
def utc_now() -> datetime:
    return datetime.now(tz=UTC)
