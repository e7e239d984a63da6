"""Surviving a database connection that drops for a moment (failover, restart, a proxy).

Django does not reconnect in the middle of a unit of work: after the server closes the
connection every query fails until the connection is closed and opened again. For a write
that must not be lost once the outside world has been told (a provider accepted a message,
so its outcome must be recorded), `retry_on_lost_connection` closes the broken connection and
runs the write again, a few times, a moment apart. Only outside any transaction: inside one,
the work before the drop is gone and the caller's transaction must fail as a whole.
"""

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import InterfaceError, OperationalError, connection

logger = logging.getLogger(__name__)
T = TypeVar("T")

ATTEMPTS = 5
PAUSE_SECONDS = 0.5


def retry_on_lost_connection(write: Callable[[], T], *, what: str) -> T:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return write()
        except (OperationalError, InterfaceError) as exc:
            if connection.in_atomic_block or attempt == ATTEMPTS or _connection_alive():
                raise  # not a lost connection (or out of patience): the caller handles it
            logger.warning(
                "database connection lost while %s (%s); reconnecting, try %d of %d",
                what,
                type(exc).__name__,
                attempt + 1,
                ATTEMPTS,
            )
            connection.close()
            time.sleep(PAUSE_SECONDS * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _connection_alive() -> bool:
    """True when the error was something else than the connection itself going away."""
    if connection.connection is None:
        return False
    try:
        return connection.is_usable()
    except Exception:  # a broken connection may fail even to say so
        return False


def database_optimize() -> str:
    """Refresh the query planner's statistics (daily schedule).

    SQLite keeps none unless asked: without them it reads "status IN (...)" through the status
    index and sorts every match, instead of walking the register's newest-first index and
    stopping after one page. PostgreSQL's autovacuum keeps its own statistics: nothing to do.
    """
    if connection.vendor != "sqlite":
        return f"{connection.vendor}: statistics are kept by the server"
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return "sqlite: ANALYZE done"
