"""Surviving a database connection that drops for a moment (failover, restart, a proxy).

Django does not reconnect in the middle of a unit of work: after the server closes the
connection every query fails until the connection is closed and opened again. For a write
that must not be lost once the outside world has been told (a provider accepted a message,
so its outcome must be recorded), `retry_on_lost_connection` closes the broken connection and
runs the write again, a few times, a moment apart. A transient error on a live connection
(SQLite busy past its timeout, an interrupted statement) is tried again the same way: giving
up there would leave the message sent but unrecorded, and sent again later. Only outside
any transaction: inside one, the work before the drop is gone and the caller's transaction
must fail as a whole.
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
    """Run `write`; on a lost connection (or a database busy for a moment: SQLite's "database
    is locked", an interrupted statement) reconnect if needed and run it again."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return write()
        except (OperationalError, InterfaceError) as exc:
            if connection.in_atomic_block or attempt == ATTEMPTS:
                raise  # the caller's transaction is gone (or out of patience)
            lost = not _connection_alive()
            logger.warning(
                "database %s while %s (%s); %s, try %d of %d",
                "connection lost" if lost else "error",
                what,
                exc,
                "reconnecting" if lost else "trying again",
                attempt + 1,
                ATTEMPTS,
            )
            if lost:
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
