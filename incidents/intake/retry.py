"""Running a write transaction again when a concurrent writer made it fail.

PostgreSQL rolls back a deadlock victim or a serialisation failure whole, and SQLite answers
"locked" when another transaction holds the file: the transaction can simply run again. After
a bounded time the caller gets a 503 (every sender retries a 5xx later)."""

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.db import OperationalError, connection

from breachdesk.errors import DomainError

RETRY_SECONDS = 10.0


def transient(exc: OperationalError) -> bool:
    """Errors after which the whole transaction can simply run again."""
    if getattr(exc.__cause__, "sqlstate", None) in ("40P01", "40001"):
        return True  # PostgreSQL: deadlock victim / serialisation failure
    # SQLite: a shared-cache database (the in-memory test database) answers SQLITE_LOCKED at
    # once instead of waiting out the busy timeout, as a WAL file database does.
    return "locked" in str(exc)


def busy(what: str) -> DomainError:
    """503: the transaction kept losing to concurrent writers; the caller retries later."""
    return DomainError(
        f"The database is too busy to record {what} now; retry shortly.", code="busy", status=503
    )


class Retry(Exception):
    """Roll the whole transaction back and run it again (a concurrent twin won a race)."""


T = TypeVar("T")


def retried_when_deadlocked(command: Callable[..., T]) -> Callable[..., T]:
    """Run a person's command again when the database picked it as a deadlock victim (or
    SQLite stayed locked), up to 3 times: the transaction was rolled back whole. Inside a
    caller's transaction (the admin's) it cannot be, and the error goes up."""

    @wraps(command)
    def run(**kwargs: Any) -> T:
        for _ in range(3):
            try:
                return command(**kwargs)
            except OperationalError as exc:
                if connection.in_atomic_block or not transient(exc):
                    raise
                time.sleep(0.01)
        raise busy("this change")

    return run
