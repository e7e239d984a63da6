"""How a deadline reads on screen: the same words and states as static/web/countdown.js."""

from dataclasses import dataclass
from datetime import datetime

URGENT_SECONDS = 12 * 3600  # display thresholds only: the legal deadline is the obligation's
SOON_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Countdown:
    due: datetime
    seconds_left: int
    state: str  # overdue | urgent | soon | ok
    text: str


def duration_text(seconds: int) -> str:
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h {minutes} min {secs:02d} s"
    if hours:
        return f"{hours} h {minutes} min {secs:02d} s"
    return f"{minutes} min {secs:02d} s"


def countdown(due: datetime, now: datetime) -> Countdown:
    left = int((due - now).total_seconds())
    if left < 0:
        return Countdown(due, left, "overdue", f"Overdue by {duration_text(left)}")
    state = "urgent" if left < URGENT_SECONDS else "soon" if left < SOON_SECONDS else "ok"
    return Countdown(due, left, state, f"{duration_text(left)} left")
