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


@register.filter
def pretty(value) -> str:
    """A filing element's structured value as short readable text."""
    if isinstance(value, dict):
        return "; ".join(
            f"{label(k)}: {pretty(v)}" for k, v in value.items() if v not in (None, "")
        )
    if isinstance(value, list):
        return ", ".join(pretty(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return label(str(value)) if isinstance(value, str) and " " not in value else str(value)


@register.simple_tag
def utc_now() -> datetime:
    return datetime.now(tz=UTC)
