"""One writer at a time for SQLite file databases, handed over by the kernel, not by polling.

SQLite allows one writer. A second connection that finds the database locked does not queue:
its busy handler sleeps 1, 2, 5, 10, 15, 20, 25... ms and tries again, so under a burst of
alerts from several gunicorn workers the write lock often sits idle while waiters sleep,
which shows up as throughput loss and long tails. Ingest transactions therefore take an
exclusive `flock` on a file next to the database first (and a thread lock, since flock does
not exclude threads sharing one file description): the next writer wakes the moment the
previous one commits. Other databases and in-memory SQLite need no gate.
"""

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

_thread_lock = threading.Lock()
_files: dict[str, int] = {}


def _gate_path() -> str | None:
    if connection.vendor != "sqlite":
        return None
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        return None
    return f"{Path(name)}.intake-write.lock"


@contextmanager
def write_gate(path: str | None = None) -> Iterator[None]:
    """Hold the ingest write gate of the default database (or of the lock file `path`)."""
    path = path or _gate_path()
    if path is None:
        yield
        return
    with _thread_lock:
        fd = _files.get(path)
        if fd is None:
            fd = _files[path] = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
