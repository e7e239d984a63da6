"""Escalation ladder arithmetic: which reminder steps of one deadline are due. No Django here."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal


@dataclass(frozen=True)
class LadderPolicy:
    """Hours before the deadline to remind at, and the repeat interval once it has passed."""

    offsets_hours: tuple[float, ...]
    overdue_every_hours: float = 0


@dataclass(frozen=True)
class Step:
    key: str
    at: datetime
    kind: Literal["remaining", "overdue"]
    hours: float

    @property
    def label(self) -> str:
        if self.kind == "remaining":
            return f"{_span(self.hours)} before the deadline"
        if self.hours == 0:
            return "at the deadline"
        return f"{_span(self.hours)} after the deadline"


def _hours(value: float) -> str:
    return f"{value:g}"


def _span(hours: float) -> str:
    """'24 h', '1.5 h', or '10 min' below an hour."""
    if hours < 1:
        return f"{round(hours * 60):g} min"
    return f"{_hours(hours)} h"


def step_key(kind: str, hours: float) -> str:
    return f"{kind}-{_hours(hours)}h"


def step_from_key(key: str, at: datetime) -> Step:
    """Rebuild a Step from its stored key (e.g. "remaining-24h", "overdue-6h")."""
    kind, _, hours = key.partition("-")
    if kind not in ("remaining", "overdue") or not hours.endswith("h"):
        raise ValueError(f"not a ladder step key: {key!r}")
    return Step(key=key, at=at, kind=kind, hours=float(hours[:-1]))


def due_steps(
    policy: LadderPolicy, *, clock_started_at: datetime, due_at: datetime, now: datetime
) -> list[Step]:
    """Every step whose moment has come (`at <= now`), oldest first; at most one per offset
    and ONE overdue step, whatever the dates (a deadline of year 1 gives one step, not
    millions).

    A "remaining" step fires at `due_at - offset`; one that would fall before the clock
    started never existed (a 24-hour deadline has no 48-hours-left reminder). Overdue steps
    fire at the deadline and then every `overdue_every_hours` while it stays unmet; only the
    latest one whose moment has come is listed: catching up after an outage sends one
    "overdue" reminder, not one per missed interval.
    """
    steps: list[Step] = []
    for offset in sorted(set(policy.offsets_hours), reverse=True):
        at = due_at - timedelta(hours=offset)
        if at < clock_started_at or at > now:
            continue
        steps.append(Step(key=step_key("remaining", offset), at=at, kind="remaining", hours=offset))
    every = policy.overdue_every_hours
    if every > 0 and now >= due_at:
        hours = int((now - due_at) / timedelta(hours=every)) * every
        steps.append(
            Step(
                key=step_key("overdue", hours),
                at=due_at + timedelta(hours=hours),
                kind="overdue",
                hours=hours,
            )
        )
    return steps


def describe_delta(delta: timedelta) -> str:
    """'1 d 2 h 5 min' for a non-negative duration (rounded down to the minute)."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if days:
        parts.append(f"{days} d")
    if hours or days:
        parts.append(f"{hours} h")
    parts.append(f"{minutes} min")
    return " ".join(parts)
