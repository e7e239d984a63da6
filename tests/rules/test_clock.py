"""Clock arithmetic: hours, days, business days, months and year-end anchors."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from incidents.rules import DeadlineSpec, compute_due

BERLIN = ZoneInfo("Europe/Berlin")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def sp(*args: int) -> datetime:
    return datetime(*args, tzinfo=SAO_PAULO)


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("start", "local_due"),
    [
        # EU clocks go forward on 29 Mar 2026 at 01:00 UTC: 72 elapsed hours end at 13:00 CEST.
        (berlin(2026, 3, 27, 12, 0), berlin(2026, 3, 30, 13, 0)),
        # ...and back on 25 Oct 2026 at 01:00 UTC: 72 elapsed hours end at 11:00 CET.
        (berlin(2026, 10, 23, 12, 0), berlin(2026, 10, 26, 11, 0)),
    ],
)
def test_hours_are_elapsed_hours_across_dst(start: datetime, local_due: datetime) -> None:
    due = compute_due(DeadlineSpec(hours=72, standard="without undue delay"), start=start)
    assert due.kind == "hard"
    assert due.due_at - start == timedelta(hours=72)  # different tzinfos: UTC difference
    assert due.due_at == start.astimezone(UTC) + timedelta(hours=72)
    # The trap avoided: same-zone arithmetic in Python is wall-clock arithmetic.
    assert due.due_at != start + timedelta(hours=72)
    assert due.due_at == local_due  # aware comparison: the same instant
    assert due.due_at.astimezone(BERLIN).hour == local_due.hour
    assert due.due_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("spec", "start", "expected"),
    [
        (DeadlineSpec(hours=24), utc(2028, 2, 28, 12), utc(2028, 2, 29, 12)),
        (DeadlineSpec(days=1), utc(2028, 2, 28, 12), utc(2028, 2, 29, 12)),
        (DeadlineSpec(days=2), utc(2028, 2, 28, 12), utc(2028, 3, 1, 12)),
        (DeadlineSpec(hours=72), utc(2026, 12, 30, 10), utc(2027, 1, 2, 10)),
        (DeadlineSpec(days=30), utc(2026, 12, 15, 8), utc(2027, 1, 14, 8)),
        # Months: same day of month, clamped to the month's end, same UTC time.
        (DeadlineSpec(months=1), utc(2026, 1, 31, 9, 30), utc(2026, 2, 28, 9, 30)),
        (DeadlineSpec(months=1), utc(2028, 1, 31, 9, 30), utc(2028, 2, 29, 9, 30)),
        (DeadlineSpec(months=1), utc(2028, 1, 29, 9, 30), utc(2028, 2, 29, 9, 30)),
        (DeadlineSpec(months=1), utc(2026, 3, 31, 0, 0), utc(2026, 4, 30, 0, 0)),
        (DeadlineSpec(months=1), utc(2026, 12, 15, 23, 0), utc(2027, 1, 15, 23, 0)),
        (DeadlineSpec(months=13), utc(2027, 1, 31, 6, 0), utc(2028, 2, 29, 6, 0)),
        # Several hard limits: the earliest wins.
        (DeadlineSpec(hours=100, days=3), utc(2026, 5, 1), utc(2026, 5, 4)),
        (DeadlineSpec(days=40, months=1), utc(2026, 2, 1), utc(2026, 3, 1)),
    ],
)
def test_calendar_arithmetic(spec: DeadlineSpec, start: datetime, expected: datetime) -> None:
    assert compute_due(spec, start=start).due_at == expected


def test_zumbi_day_is_a_national_holiday_in_the_calendar() -> None:
    brazil = holidays.country_holidays("BR", years=2026)
    assert date(2026, 11, 20) in brazil  # national since Law 14.759/2023, from 2024
    assert date(2026, 2, 16) not in brazil  # Carnival is optional (ponto facultativo)


@pytest.mark.parametrize(
    ("local_start", "local_due"),
    [
        # Fri 13 Nov: Republic Day falls on Sunday 15th, so Mon 16, Tue 17, Wed 18.
        (sp(2026, 11, 13, 10, 0), sp(2026, 11, 18, 10, 0)),
        # Tue 17 Nov: Wed 18, Thu 19, (Fri 20 Zumbi, weekend), Mon 23.
        (sp(2026, 11, 17, 10, 0), sp(2026, 11, 23, 10, 0)),
        # Carnival Monday/Tuesday are optional holidays: counted as working days (earlier due).
        (sp(2026, 2, 13, 16, 45), sp(2026, 2, 18, 16, 45)),
        # Good Friday (3 Apr) is skipped: Thu 2, Mon 6, Tue 7.
        (sp(2026, 4, 1, 9, 0), sp(2026, 4, 7, 9, 0)),
        # A start on Saturday counts from the next working day: Mon, Tue, Wed.
        (sp(2026, 5, 2, 11, 0), sp(2026, 5, 6, 11, 0)),
        # New Year: Thu 31 Dec -> (Fri 1 Jan holiday, weekend) Mon 4, Tue 5, Wed 6.
        (sp(2026, 12, 31, 18, 0), sp(2027, 1, 6, 18, 0)),
    ],
)
def test_brazil_business_days(local_start: datetime, local_due: datetime) -> None:
    due = compute_due(DeadlineSpec(business_days=3), start=local_start, holiday_calendar="BR")
    assert due.due_at == local_due
    assert due.kind == "hard"


def test_business_days_use_the_local_date_of_the_start() -> None:
    # 01:30 UTC on Saturday 14 Nov is still Friday 13 Nov, 22:30 in Sao Paulo.
    due = compute_due(
        DeadlineSpec(business_days=3), start=utc(2026, 11, 14, 1, 30), holiday_calendar="BR"
    )
    assert due.due_at == utc(2026, 11, 19, 1, 30)  # Wed 18 Nov 22:30 local


@pytest.mark.parametrize(
    ("local_start", "local_due"),
    [
        # Wed before Thanksgiving: (Thu 26 holiday) Fri 27, Mon 30, Tue 1, Wed 2 Dec.
        (ny(2026, 11, 25, 10, 0), ny(2026, 12, 2, 10, 0)),
        # Across the end of US DST (1 Nov 2026): the local time of day is kept.
        (ny(2026, 10, 30, 16, 0), ny(2026, 11, 5, 16, 0)),
        # Independence Day observed on Fri 3 Jul 2026.
        (ny(2026, 7, 1, 12, 0), ny(2026, 7, 8, 12, 0)),
    ],
)
def test_us_federal_business_days(local_start: datetime, local_due: datetime) -> None:
    due = compute_due(DeadlineSpec(business_days=4), start=local_start, holiday_calendar="US")
    assert due.due_at == local_due


def test_dst_shift_changes_the_utc_offset_of_a_business_day_deadline() -> None:
    start = ny(2026, 10, 30, 16, 0)  # EDT, 20:00 UTC
    due = compute_due(DeadlineSpec(business_days=4), start=start, holiday_calendar="US")
    assert start.astimezone(UTC).hour == 20
    assert due.due_at == utc(2026, 11, 5, 21, 0)  # EST


def test_explicit_tz_overrides_the_calendar_zone() -> None:
    start = utc(2026, 11, 25, 15, 0)
    due = compute_due(
        DeadlineSpec(business_days=4), start=start, holiday_calendar="US", tz="America/Chicago"
    )
    assert due.due_at == datetime(2026, 12, 2, 9, 0, tzinfo=ZoneInfo("America/Chicago"))


@pytest.mark.parametrize(
    ("start", "local_due"),
    [
        (utc(2026, 6, 15, 12), ny(2027, 3, 1, 23, 59, 59)),  # 2027 is not a leap year
        (utc(2027, 6, 15, 12), ny(2028, 2, 29, 23, 59, 59)),  # 2028 is a leap year
        # 31 Dec 23:00 in New York is already 1 Jan in UTC: the local year counts.
        (utc(2027, 1, 1, 4, 0), ny(2027, 3, 1, 23, 59, 59)),
        (utc(2026, 1, 1, 5, 0), ny(2027, 3, 1, 23, 59, 59)),
    ],
)
def test_year_end_anchor(start: datetime, local_due: datetime) -> None:
    spec = DeadlineSpec(days=60, year_end_anchor=True)
    due = compute_due(spec, start=start, holiday_calendar="US")
    assert due.due_at == local_due


def test_naive_start_is_rejected() -> None:
    with pytest.raises(ValueError, match="aware"):
        compute_due(DeadlineSpec(hours=72), start=datetime(2026, 3, 1, 12, 0))  # noqa: DTZ001


def test_business_days_need_a_calendar() -> None:
    with pytest.raises(ValueError, match="holiday_calendar"):
        compute_due(DeadlineSpec(business_days=3), start=utc(2026, 3, 2))


@pytest.mark.parametrize(
    ("spec", "kind", "due_after", "soft_after"),
    [
        (DeadlineSpec(standard="without undue delay"), "standard", None, None),
        (
            DeadlineSpec(standard="without undue delay", internal_target_hours=24),
            "standard",
            None,
            timedelta(hours=24),
        ),
        (
            DeadlineSpec(standard="as soon as practicable", guidance_hours=72),
            "soft",
            None,
            timedelta(hours=72),
        ),
        (
            DeadlineSpec(standard="promptly", guidance_days=5, internal_target_hours=72),
            "soft",
            None,
            timedelta(hours=72),
        ),
        (
            DeadlineSpec(hours=72, internal_target_hours=24),
            "hard",
            timedelta(hours=72),
            timedelta(hours=24),
        ),
        (DeadlineSpec(hours=24, guidance_hours=48), "hard", timedelta(hours=24), None),
    ],
)
def test_kinds_and_soft_targets(
    spec: DeadlineSpec, kind: str, due_after: timedelta | None, soft_after: timedelta | None
) -> None:
    start = utc(2026, 3, 2, 9)
    due = compute_due(spec, start=start)
    assert due.kind == kind
    assert due.due_at == (start + due_after if due_after else None)
    assert due.soft_due_at == (start + soft_after if soft_after else None)


def test_soft_target_after_the_hard_limit_is_dropped() -> None:
    due = compute_due(DeadlineSpec(hours=24, guidance_hours=48), start=utc(2026, 3, 2))
    assert due.soft_due_at is None
