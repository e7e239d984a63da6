"""Ladder arithmetic (pure): which steps are due, keys, and the duration wording."""

from datetime import UTC, datetime, timedelta

import pytest

from notifications.ladder import LadderPolicy, describe_delta, due_steps, step_from_key

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
DUE = START + timedelta(hours=72)
GDPR = LadderPolicy(offsets_hours=(48, 24, 12, 6, 1), overdue_every_hours=6)
H = timedelta(hours=1)


def keys(now, policy=GDPR, start=START, due=DUE):
    return [s.key for s in due_steps(policy, clock_started_at=start, due_at=due, now=now)]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (START, []),
        (DUE - 48 * H - timedelta(seconds=1), []),
        (DUE - 48 * H, ["remaining-48h"]),
        (DUE - 24 * H, ["remaining-48h", "remaining-24h"]),
        (
            DUE - 1 * H,
            ["remaining-48h", "remaining-24h", "remaining-12h", "remaining-6h", "remaining-1h"],
        ),
        (
            DUE - timedelta(seconds=1),
            ["remaining-48h", "remaining-24h", "remaining-12h", "remaining-6h", "remaining-1h"],
        ),
        (
            DUE,
            [
                "remaining-48h",
                "remaining-24h",
                "remaining-12h",
                "remaining-6h",
                "remaining-1h",
                "overdue-0h",
            ],
        ),
        (
            DUE + 13 * H,
            [
                "remaining-48h",
                "remaining-24h",
                "remaining-12h",
                "remaining-6h",
                "remaining-1h",
                "overdue-12h",  # only the latest overdue step: catch-up sends one
            ],
        ),
    ],
)
def test_steps_fire_at_due_minus_offset_then_every_six_hours_overdue(now, expected):
    assert keys(now) == expected


def test_steps_before_the_clock_started_never_exist():
    # A 24-hour deadline (NIS2 early warning) has no 48-hours-left reminder; 24 h fires at start.
    due = START + 24 * H
    assert keys(START, due=due) == ["remaining-24h"]
    assert keys(due - H, due=due) == [
        "remaining-24h",
        "remaining-12h",
        "remaining-6h",
        "remaining-1h",
    ]


def test_no_overdue_steps_when_disabled_and_fractional_offsets():
    policy = LadderPolicy(offsets_hours=(0.5,), overdue_every_hours=0)
    assert keys(DUE + 100 * H, policy=policy) == ["remaining-0.5h"]
    [step] = due_steps(policy, clock_started_at=START, due_at=DUE, now=DUE)
    assert step.label == "30 min before the deadline"


def test_step_moments_and_labels():
    steps = due_steps(GDPR, clock_started_at=START, due_at=DUE, now=DUE + 6 * H)
    by_key = {s.key: s for s in steps}
    assert by_key["remaining-12h"].at == DUE - 12 * H
    assert by_key["remaining-12h"].label == "12 h before the deadline"
    assert "overdue-0h" not in by_key  # only the latest overdue step
    at_deadline = due_steps(GDPR, clock_started_at=START, due_at=DUE, now=DUE)
    assert at_deadline[-1].label == "at the deadline"
    assert by_key["overdue-6h"].at == DUE + 6 * H
    assert by_key["overdue-6h"].label == "6 h after the deadline"


@pytest.mark.parametrize("key", ["remaining-48h", "remaining-0.5h", "overdue-0h", "overdue-18h"])
def test_step_keys_round_trip(key):
    at = DUE
    assert step_from_key(key, at).key == key


@pytest.mark.parametrize("key", ["48h", "late-6h", "remaining-6"])
def test_bad_step_keys_are_refused(key):
    with pytest.raises(ValueError, match="step key"):
        step_from_key(key, DUE)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(0), "0 min"),
        (timedelta(seconds=59), "0 min"),
        (timedelta(minutes=61), "1 h 1 min"),
        (timedelta(hours=47, minutes=59), "1 d 23 h 59 min"),
        (timedelta(days=2), "2 d 0 h 0 min"),
        (timedelta(seconds=-5), "0 min"),
    ],
)
def test_describe_delta(delta, text):
    assert describe_delta(delta) == text
