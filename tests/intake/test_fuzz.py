"""Throw malformed and random bodies at every source: never a 5xx, always {code, detail}."""

import copy
import json
import random
from collections import Counter

import pytest

from incidents.intake.adapters import SOURCES
from tests.intake.conftest import fixture_json

pytestmark = pytest.mark.django_db

SEEDS = {
    "generic": ["generic"],
    "alertmanager": ["alertmanager_firing", "alertmanager_resolved"],
    "grafana": ["grafana_firing", "grafana_resolved"],
    "pagerduty": ["pagerduty_trigger", "pagerduty_resolve"],
    "sentry": ["sentry_event_alert", "sentry_issue_resolved", "sentry_metric_alert"],
    "cloudevents": ["cloudevents_triggered", "cloudevents_resolved", "cloudevents_batch"],
}
ODD_VALUES = [
    None,
    0,
    -1,
    1.5,
    True,
    False,
    "",
    " ",
    "x" * 5000,
    [],
    {},
    [None],
    {"": ""},
    "2026-13-45T99:99:99Z",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+14:00",
    "2026-11-20",
    "2026-11-20T09:14:05",
    10**40,
    -(10**40),
    1e308,
    "firing",
    "resolved",
    "trigger",
    "resolve",
    "1.0",
    "4",
    "\u202e\u0301emoji🙂",
    {"a": {"b": {"c": [1, 2, {"d": None}]}}},
    ["firing", "resolved"],
]


def all_paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from all_paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from all_paths(child, (*prefix, index))


def mutate(document, rng: random.Random):
    document = copy.deepcopy(document)
    for _ in range(rng.randint(1, 3)):
        paths = [p for p in all_paths(document) if p]
        if not paths:
            return rng.choice(ODD_VALUES)
        path = rng.choice(paths)
        parent = document
        try:
            for step in path[:-1]:
                parent = parent[step]
            if isinstance(parent, dict) and rng.random() < 0.3:
                del parent[path[-1]]
            else:
                parent[path[-1]] = copy.deepcopy(rng.choice(ODD_VALUES))
        except (KeyError, IndexError, TypeError):
            continue
    return document


def random_json(rng: random.Random, depth: int = 0):
    kind = rng.randrange(7 if depth < 4 else 4)
    if kind == 0:
        return rng.choice(ODD_VALUES[:12])
    if kind == 1:
        return rng.randint(-(2**70), 2**70)
    if kind == 2:
        return "".join(chr(rng.randrange(32, 0x2FFF)) for _ in range(rng.randrange(12)))
    if kind == 3:
        return rng.random()
    if kind in (4, 5):
        keys = [
            "alerts",
            "labels",
            "status",
            "data",
            "event",
            "payload",
            "specversion",
            "id",
            "title",
            "version",
            "event_action",
            "action",
            "source",
            "type",
            "startsAt",
        ]
        return {rng.choice(keys): random_json(rng, depth + 1) for _ in range(rng.randrange(5))}
    return [random_json(rng, depth + 1) for _ in range(rng.randrange(4))]


def bodies(source: str, rng: random.Random):
    for _ in range(60):
        yield json.dumps(mutate(fixture_json(rng.choice(SEEDS[source])), rng)).encode()
    for _ in range(25):
        yield json.dumps(random_json(rng)).encode()
    for _ in range(10):
        yield bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
    raw = json.dumps(fixture_json(SEEDS[source][0])).encode()
    for _ in range(10):
        cut = rng.randrange(len(raw))
        yield raw[:cut]
    yield from (
        b"null",
        b"[]",
        b"{}",
        b'"text"',
        b"42",
        b"true",
        b"[{}]",
        b'{"alerts": [null]}',
        b'{"a": 1e999}',
        b'{"a": "\\u0000"}',
        b'{"a": "\\udfff"}',
        b"\xef\xbb\xbf{}",
        b"[" * 5000 + b"]" * 5000,
    )


@pytest.mark.parametrize("source", SOURCES)
def test_no_input_makes_a_server_error(source, make_integration, post, frozen):
    issued = make_integration(source, rate_limit_per_minute=0)
    rng = random.Random(f"breachdesk-{source}")  # deterministic: failures reproduce
    statuses: Counter = Counter()
    for body in bodies(source, rng):
        response = post(source, body, token=issued.token)
        statuses[response.status_code] += 1
        assert response.status_code in (202, 400), (
            response.status_code,
            body[:300],
            response.content[:300],
        )
        if response.status_code == 400:
            error = response.json()
            assert error["code"] == "invalid"
            assert error["detail"]
    assert set(statuses) == {202, 400}
