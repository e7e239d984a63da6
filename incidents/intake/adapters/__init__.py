"""Pure adapters: a tool's native payload in, a list of `NormalizedAlert` out. No Django."""

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from .base import (
    FIRING,
    RESOLVED,
    SEVERITIES,
    STATUSES,
    NormalizedAlert,
    PayloadError,
)
from .cloudevents import parse_cloudevents
from .generic import parse_generic
from .pagerduty import parse_pagerduty
from .prometheus import parse_alertmanager, parse_grafana
from .sentry import parse_sentry

Adapter = Callable[..., list[NormalizedAlert]]

ADAPTERS: Mapping[str, Adapter] = {
    "generic": parse_generic,
    "alertmanager": parse_alertmanager,
    "grafana": parse_grafana,
    "pagerduty": parse_pagerduty,
    "sentry": parse_sentry,
    "cloudevents": parse_cloudevents,
}
SOURCES = tuple(ADAPTERS)
# Sources whose payload is a batch: the response lists every alert under "alerts".
BATCH_SOURCES = frozenset({"alertmanager", "grafana", "cloudevents"})


def normalize(
    source: str, payload: Any, *, received_at: datetime, headers: Mapping[str, str] | None = None
) -> list[NormalizedAlert]:
    """Map one parsed JSON body from `source` to alerts; raises PayloadError on a bad shape."""
    try:
        adapter = ADAPTERS[source]
    except KeyError:
        raise PayloadError("source", f"unknown source {source!r}") from None
    return adapter(payload, received_at=received_at, headers=dict(headers or {}))


__all__ = [
    "ADAPTERS",
    "BATCH_SOURCES",
    "FIRING",
    "RESOLVED",
    "SEVERITIES",
    "SOURCES",
    "STATUSES",
    "NormalizedAlert",
    "PayloadError",
    "normalize",
]
