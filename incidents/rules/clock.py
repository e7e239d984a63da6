"""Deadline arithmetic on aware datetimes.

Counting methods (see docs/rules.md):

- hours: elapsed hours. Nights, weekends, holidays and DST changes all count.
- days: elapsed 24-hour days from the trigger instant (N x 24 h). Where a law counts whole
  calendar days to the end of the last day, this is up to a day earlier: the engine errs
  early, never late.
- business_days: working days of the holiday calendar's country (weekends and public
  holidays skipped) counted on local dates in the jurisdiction's zone, keeping the local
  time of day, then converted back to UTC (so DST in that zone is handled).
- months: same day-of-month N months later, clamped to the month's end, same UTC time.
- year_end_anchor: counts start at 31 December 23:59:59 local of the start year; days are
  then local calendar days (60 days -> 1 March 23:59:59, or 29 February in a leap year).
- Several hard limits: the earliest wins. Guidance and internal targets are soft.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from . import regions
from .model import DeadlineSpec, Due

_YEAR_END = time(23, 59, 59)


def _aware_utc(value: datetime, what: str = "start") -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime, got naive {value!r}")
    return value.astimezone(UTC)


def resolve_zone(tz: str | None, holiday_calendar: str | None) -> ZoneInfo:
    """Zone for local-day arithmetic: `tz`, else the calendar country's zone, else UTC."""
    name = tz or regions.zone_for(holiday_calendar) or "UTC"
    return ZoneInfo(name)


@cache
def _calendar(code: str) -> holidays.HolidayBase:
    """Public holidays of a country ("BR") or subdivision ("US-NY"); years load lazily."""
    country, _, subdiv = code.partition("-")
    return holidays.country_holidays(country, subdiv=subdiv or None)


def holiday_calendar_supported(code: str) -> bool:
    try:
        _calendar(code)
    except (NotImplementedError, KeyError):
        return False
    return True


def is_business_day(day: date, holiday_calendar: str) -> bool:
    cal = _calendar(holiday_calendar)
    weekend = getattr(cal, "weekend", {5, 6})
    return day.weekday() not in weekend and day not in cal


def _local_to_utc(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """Local wall time -> UTC. In a DST gap or overlap, take the earlier instant."""
    candidates = (
        datetime.combine(day, wall, tzinfo=zone).replace(fold=fold).astimezone(UTC)
        for fold in (0, 1)
    )
    return min(candidates)


def add_business_days(start: datetime, n: int, holiday_calendar: str, zone: ZoneInfo) -> datetime:
    """The N-th working day after the start's local date, same local time of day."""
    local = _aware_utc(start).astimezone(zone)
    day, counted = local.date(), 0
    while counted < n:
        day += timedelta(days=1)
        if is_business_day(day, holiday_calendar):
            counted += 1
    return _local_to_utc(day, local.time().replace(tzinfo=None), zone)


def add_months(start: datetime, n: int) -> datetime:
    """Same day-of-month N months later in UTC, clamped to the month's end."""
    value = _aware_utc(start)
    month_index = value.month - 1 + n
    year, month = value.year + month_index // 12, month_index % 12 + 1
    day = min(value.day, calendar.monthrange(year, month)[1])
    return value.replace(year=year, month=month, day=day)


def year_end_anchor(start: datetime, zone: ZoneInfo) -> datetime:
    """31 December 23:59:59 local of the start's local year, in UTC."""
    year = _aware_utc(start).astimezone(zone).year
    return _local_to_utc(date(year, 12, 31), _YEAR_END, zone)


def compute_due(
    spec: DeadlineSpec,
    *,
    start: datetime,
    holiday_calendar: str | None = None,
    tz: str | None = None,
) -> Due:
    """Due times of `spec` for a clock that started at `start` (aware). Returns aware UTC."""
    base = _aware_utc(start)
    zone = resolve_zone(tz, holiday_calendar)
    local_days = False
    if spec.year_end_anchor:
        base, local_days = year_end_anchor(base, zone), True

    hard: list[datetime] = []
    if spec.hours is not None:
        hard.append(base + timedelta(hours=spec.hours))
    if spec.days is not None:
        if local_days:
            local = base.astimezone(zone)
            day = local.date() + timedelta(days=spec.days)
            hard.append(_local_to_utc(day, local.time().replace(tzinfo=None), zone))
        else:
            hard.append(base + timedelta(days=spec.days))
    if spec.business_days is not None:
        if holiday_calendar is None:
            raise ValueError("business_days needs a holiday_calendar (e.g. 'BR', 'US')")
        hard.append(add_business_days(base, spec.business_days, holiday_calendar, zone))
    if spec.months is not None:
        hard.append(add_months(base, spec.months))

    soft: list[datetime] = []
    if spec.guidance_hours is not None:
        soft.append(base + timedelta(hours=spec.guidance_hours))
    if spec.guidance_days is not None:
        soft.append(base + timedelta(days=spec.guidance_days))
    if spec.internal_target_hours is not None:
        soft.append(base + timedelta(hours=spec.internal_target_hours))

    due_at = min(hard) if hard else None
    soft_due_at = min(soft) if soft else None
    if due_at is not None and soft_due_at is not None and soft_due_at >= due_at:
        soft_due_at = None  # a soft target at or after the hard limit adds nothing
    if due_at is not None:
        kind = "hard"
    elif spec.has_guidance:
        kind = "soft"
    else:
        kind = "standard"
    return Due(due_at=due_at, soft_due_at=soft_due_at, kind=kind)
