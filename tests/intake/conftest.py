"""Alert-intake fixtures: integrations with real tokens, a raw-bytes poster, native payloads."""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from incidents.intake.services import IssuedIntegration, integration_create

FIXTURES = Path(__file__).parent / "fixtures"
# The fixtures describe alerts of 2026-11-20 around 09:00-11:00 UTC.
NOW = datetime(2026, 11, 20, 11, 30, tzinfo=UTC)


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def fixture_json(name: str) -> Any:
    return json.loads(fixture_bytes(name))


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def make_integration(db) -> Callable[..., IssuedIntegration]:
    def make(source: str = "generic", name: str | None = None, **options) -> IssuedIntegration:
        return integration_create(name=name or f"{source}-test", source=source, **options)

    return make


class Poster:
    """Posts raw bytes, as a monitoring tool would: no test-client JSON re-encoding."""

    def __init__(self) -> None:
        self.client = Client()

    def __call__(
        self,
        source: str,
        body: bytes | str | dict | list,
        *,
        token: str | None = None,
        content_type: str = "application/json",
        query: str = "",
        **headers: str,
    ):
        if isinstance(body, dict | list):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        if token is not None:
            headers.setdefault("Authorization", f"Bearer {token}")
        return self.client.generic(
            "POST",
            f"/api/v1/alerts/{source}/{query}",
            data=body,
            content_type=content_type,
            headers=headers,
        )


@pytest.fixture
def post() -> Poster:
    return Poster()
