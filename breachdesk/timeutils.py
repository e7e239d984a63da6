"""Aware-UTC discipline: every instant is stored and passed around in UTC."""

from datetime import UTC, datetime

from django.utils import timezone

from breachdesk.errors import InvalidInput


def aware_utc(value: datetime, *, field: str = "datetime") -> datetime:
    """Return `value` in UTC; a naive datetime is refused (we never guess a zone)."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise InvalidInput(
            f"{field} must include a UTC offset (ISO 8601, e.g. 2026-11-22T10:00:00Z).",
            field=field,
        )
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise InvalidInput(
            f"{field} is out of range: it must fall within the years 1-9999 in UTC.", field=field
        ) from None


def now_utc() -> datetime:
    return timezone.now().astimezone(UTC)


def parse_aware(text: str, *, field: str) -> datetime:
    """Parse an ISO 8601 string that must carry an offset."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{field} is not an ISO 8601 timestamp: {text!r}.", field=field) from exc
    return aware_utc(value, field=field)


def iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None
