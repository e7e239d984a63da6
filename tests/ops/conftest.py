"""Fixtures for the operations tests: the notifications fixtures (a German breach with a
running 72 h clock, fake providers) and scratch PostgreSQL databases."""

import os
from collections.abc import Iterator

import dj_database_url
import psycopg
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


@pytest.fixture
def postgres_scratch(request) -> Iterator[str]:
    """DATABASE_URL of an empty scratch database on the PostgreSQL server under test, for
    processes of their own; dropped afterwards. Skips unless the suite runs on PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("runs in the PostgreSQL pass of CI (DATABASE_URL=postgres://...)")
    server = dj_database_url.parse(url)
    scratch = f"{server['NAME']}_{request.node.name[:30]}".lower().replace("[", "_").strip("]")
    with psycopg.connect(
        host=server["HOST"],
        port=server["PORT"] or 5432,
        user=server["USER"],
        password=server["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{scratch}"')
        try:
            yield url.rsplit("/", 1)[0] + f"/{scratch}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
