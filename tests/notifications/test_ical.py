"""The iCalendar writer (pure): folding at 75 octets, TEXT escaping, UTC forms, alarms."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from notifications.ical import (
    CalendarEvent,
    calendar,
    duration_before,
    escape_text,
    fold,
    utc_stamp,
)

NOW = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)


def unfold(text: str) -> str:
    return text.replace("\r\n ", "")


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a,b;c\\d", "a\\,b\\;c\\\\d"),
        ("line1\nline2", "line1\\nline2"),
        ("crlf\r\nand cr\r", "crlf\\nand cr\\n"),
        ("plain: colon stays", "plain: colon stays"),
    ],
)
def test_text_escaping(raw, escaped):
    assert escape_text(raw) == escaped


def test_short_lines_are_not_folded():
    assert fold("SUMMARY:short") == "SUMMARY:short"
    line = "X" * 75
    assert fold(line) == line


def test_folding_at_75_octets_with_continuation_space():
    line = "DESCRIPTION:" + "a" * 200
    folded = fold(line)
    parts = folded.split("\r\n")
    assert [len(p.encode()) for p in parts] == [75, 75, 64]  # 212 = 75 + 74 + 63 (+1 space each)
    assert all(p.startswith(" ") for p in parts[1:])
    assert unfold(folded) == line


def test_folding_never_splits_a_multibyte_character():
    line = "SUMMARY:" + "é" * 80  # 2 octets each
    parts = fold(line).split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    for part in parts:
        part.encode("utf-8").decode("utf-8")  # each physical line is valid UTF-8 on its own
    assert unfold(fold(line)) == line
    emoji = "SUMMARY:" + "🔒" * 30  # 4 octets each
    assert unfold(fold(emoji)) == emoji
    assert all(len(p.encode()) <= 75 for p in fold(emoji).split("\r\n"))


def test_utc_stamp_and_durations():
    cet = timezone(timedelta(hours=1))
    assert utc_stamp(datetime(2026, 3, 5, 10, 30, tzinfo=cet)) == "20260305T093000Z"
    with pytest.raises(ValueError, match="naive"):
        utc_stamp(datetime(2026, 3, 5, 10, 30))  # noqa: DTZ001 (the point of the test)
    assert duration_before(timedelta(hours=24)) == "-PT24H"
    assert duration_before(timedelta(hours=1, minutes=30)) == "-PT1H30M"


def test_calendar_document_shape():
    event = CalendarEvent(
        uid="obligation-7@breachdesk.example",
        start=datetime(2026, 3, 5, 9, 30, tzinfo=UTC),
        end=datetime(2026, 3, 5, 9, 45, tzinfo=UTC),
        summary="BD-2026-0001: supervisory authority notice deadline (GDPR, EU)",
        description="Legal basis: GDPR Art. 33(1); Art. 33(3)\nhttps://x.example/a,b",
        url="https://x.example/admin/incidents/incident/1/change/",
        alarms_before=(timedelta(hours=24), timedelta(hours=1)),
    )
    text = calendar([event], name="BreachDesk deadlines", now=NOW)
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")  # only CRLF line ends
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    lines = unfold(text).split("\r\n")
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"]
    assert lines[-2:] == ["END:VCALENDAR", ""]
    assert "UID:obligation-7@breachdesk.example" in lines
    assert "DTSTAMP:20260303T080000Z" in lines
    assert "DTSTART:20260305T093000Z" in lines
    assert "DTEND:20260305T094500Z" in lines
    assert "SUMMARY:BD-2026-0001: supervisory authority notice deadline (GDPR\\, EU)" in lines
    assert (
        "DESCRIPTION:Legal basis: GDPR Art. 33(1)\\; Art. 33(3)\\nhttps://x.example/a\\,b"
    ) in lines
    assert lines.count("BEGIN:VALARM") == 2
    assert "TRIGGER;RELATED=START:-PT24H" in lines
    assert "TRIGGER;RELATED=START:-PT1H" in lines
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 1


def test_empty_calendar_is_still_valid():
    text = calendar([], name="Empty", now=NOW)
    assert text.split("\r\n")[0] == "BEGIN:VCALENDAR"
    assert "BEGIN:VEVENT" not in text
