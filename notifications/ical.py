"""A tiny RFC 5545 writer for the deadline feed: VEVENTs with VALARMs, in UTC. No Django."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

CRLF = "\r\n"
MAX_OCTETS = 75  # RFC 5545 §3.1: content lines SHOULD NOT exceed 75 octets (without CRLF)


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    start: datetime
    end: datetime
    summary: str
    description: str = ""
    url: str = ""
    last_modified: datetime | None = None
    alarms_before: tuple[timedelta, ...] = field(default=())


def escape_text(value: str) -> str:
    """TEXT escaping (§3.3.11): backslash, semicolon, comma and newlines."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Split a content line into 75-octet pieces joined by CRLF + space (§3.1).

    Counting is in UTF-8 octets and a multi-octet character is never split; the leading
    space of a continuation line counts towards its 75 octets.
    """
    pieces: list[str] = []
    current, size = [], 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > MAX_OCTETS:
            pieces.append("".join(current))
            current, size = [" "], 1
        current.append(char)
        size += width
    pieces.append("".join(current))
    return CRLF.join(pieces)


def utc_stamp(value: datetime) -> str:
    """DATE-TIME in UTC 'Z' form (§3.3.5, form #2), e.g. 20261123T091400Z."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: calendar times must be aware")
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def duration_before(value: timedelta) -> str:
    """A negative DURATION (§3.3.6) in exact hours/minutes/seconds, e.g. -PT24H."""
    seconds = int(value.total_seconds())
    if seconds <= 0:
        return "PT0S"
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    return f"-PT{text}"


def _line(name: str, value: str) -> str:
    return fold(f"{name}:{value}")


def calendar(
    events: Iterable[CalendarEvent],
    *,
    name: str,
    now: datetime,
    prodid: str = "-//BreachDesk//Deadlines//EN",
) -> str:
    """The whole VCALENDAR text, CRLF line ends, ready to serve as text/calendar."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        _line("PRODID", prodid),
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        _line("X-WR-CALNAME", escape_text(name)),
    ]
    stamp = utc_stamp(now)
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            _line("UID", event.uid),
            f"DTSTAMP:{stamp}",
            f"DTSTART:{utc_stamp(event.start)}",
            f"DTEND:{utc_stamp(event.end)}",
            _line("SUMMARY", escape_text(event.summary)),
        ]
        if event.description:
            lines.append(_line("DESCRIPTION", escape_text(event.description)))
        if event.url:
            lines.append(_line("URL", event.url))
        if event.last_modified:
            lines.append(f"LAST-MODIFIED:{utc_stamp(event.last_modified)}")
        lines += ["STATUS:CONFIRMED", "TRANSP:TRANSPARENT"]
        for before in event.alarms_before:
            lines += [
                "BEGIN:VALARM",
                "ACTION:DISPLAY",
                _line("DESCRIPTION", escape_text(f"Due in {_human(before)}: {event.summary}")),
                f"TRIGGER;RELATED=START:{duration_before(before)}",
                "END:VALARM",
            ]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return CRLF.join(lines) + CRLF


def _human(value: timedelta) -> str:
    hours = value.total_seconds() / 3600
    return f"{hours:g} h"
