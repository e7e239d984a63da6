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
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from django.db import InterfaceError, OperationalError, connection
from django.db.models import Model

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


def rows_update(
    model: type[Model],
    *,
    fields: Sequence[str],
    match: Sequence[str],
    rows: Sequence[tuple[Mapping[str, object], Mapping[str, object]]],
    chunk: int = 500,
) -> None:
    """Update many rows with one parameterised statement run for each (`executemany`):
    `UPDATE t SET f1 = %s, ... WHERE m1 = %s AND ...`; `rows` are (values of `fields`,
    values of `match`) pairs, e.g. match on `id` and a state or fence token, so a row another
    worker moved on is left alone. Cheaper than `bulk_update`'s CASE WHEN over every row and
    field. Values are prepared by the model's fields (aware datetimes, JSON) for the current
    database."""
    if not rows:
        return
    ops = connection.ops
    meta = model._meta
    sets = [meta.get_field(name) for name in fields]
    wheres = [meta.get_field(name) for name in match]
    assign = ", ".join(f"{ops.quote_name(f.column)} = %s" for f in sets)
    condition = " AND ".join(f"{ops.quote_name(f.column)} = %s" for f in wheres)
    table = ops.quote_name(meta.db_table)
    sql = f"UPDATE {table} SET {assign} WHERE {condition}"  # noqa: S608  # nosec B608  # names
    params = [
        [f.get_db_prep_save(values[f.name], connection) for f in sets]
        + [f.get_db_prep_value(where[f.name], connection, prepared=False) for f in wheres]
        for values, where in rows
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(params), chunk):
            cursor.executemany(sql, params[start : start + chunk])
