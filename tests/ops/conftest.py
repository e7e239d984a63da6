"""Fixtures for the operations tests: the notifications fixtures (a German breach with a
running 72 h clock, fake providers) and scratch PostgreSQL databases."""

import os
from collections.abc import Iterator

import dj_database_url
import pytest

from tests.filings.conftest import assessed  # noqa: F401 (fixture)
from tests.notifications.conftest import (  # noqa: F401 (fixtures)
    assignee,
    breach,
    duty,
    organization,
    sendgrid,
    twilio,
)
from tests.procs import ON_POSTGRESQL, scratch_postgres


@pytest.fixture
def postgres_scratch(request) -> Iterator[str]:
    """DATABASE_URL of an empty scratch database on the PostgreSQL server under test, for
    processes of their own; dropped afterwards. Skips unless the suite runs on PostgreSQL."""
    if not ON_POSTGRESQL:
        pytest.skip("runs in the PostgreSQL pass of CI (DATABASE_URL=postgres://...)")
    server = dj_database_url.parse(os.environ["DATABASE_URL"])
    scratch = f"{server['NAME']}_{request.node.name[:30]}".lower().replace("[", "_").strip("]")
    with scratch_postgres(scratch) as url:
        yield url


@pytest.fixture
def worker_database(request, tmp_path) -> Iterator[str]:
    """DATABASE_URL for worker processes on the backend of this pass: a SQLite file (WAL), or
    a scratch database on the PostgreSQL server under test."""
    if not ON_POSTGRESQL:
        yield f"sqlite:///{tmp_path / 'workers.sqlite3'}"
        return
    server = dj_database_url.parse(os.environ["DATABASE_URL"])
    with scratch_postgres(f"{server['NAME']}_{request.node.name[:30]}".lower()) as url:
        yield url
