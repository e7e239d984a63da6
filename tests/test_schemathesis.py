"""Issue 10's done-when: the live OpenAPI schema fuzzed as every caller, in `make test`.

Every operation of /api/schema/ gets SCHEMATHESIS_EXAMPLES generated requests (default 30:
explicit examples plus fuzzing, positive and negative; the coverage phase is off because it
ignores the bound). Each request is sent as every role of incidents/roles.py (viewer, analyst,
dpo, admin, integration), anonymously and with an alert-intake integration token, in-process
through the WSGI application (no server, no network). Two of every three requests of an
operation with path parameters address real objects built for it (an assessed high-risk
incident, its obligation, filing, notice, campaign and import, an alert and its payload, a
party, an authority, a calendar feed token), so bodies and queries reach the code behind the
lookup; the third keeps the generated ids. Checks: no 5xx, and every documented response
matches its schema. Hypothesis runs derandomized: the same requests on every run.

    .venv/bin/python -m pytest tests/test_schemathesis.py -q        # the CI budget
    SCHEMATHESIS_EXAMPLES=100 .venv/bin/python -m pytest tests/test_schemathesis.py -q
    SCHEMATHESIS_EXAMPLES=0 ...                                      # skip it
    SCHEMATHESIS_PATH_REGEX='^/api/v1/incidents/$' ...               # one operation, quickly
"""

import os
from collections import Counter

import pytest
import schemathesis
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from incidents.intake.services import integration_create
from incidents.roles import ROLES
from tests.conftest import make_user, token_for
from tests.world import World

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "30"))
CHECKS = [not_a_server_error, response_schema_conformance]
# What ran, printed at the end of the session by tests/conftest.py: the operations, examples
# per operation, and requests per caller and status class.
OPERATIONS: Counter = Counter()
REQUESTS: Counter = Counter()
REAL_IDS_EVERY = 3  # examples 1 and 2 of every 3 address real objects, example 3 generated ids


@pytest.fixture
def callers(db, org) -> tuple[dict[str, dict[str, str]], World]:
    cache.clear()  # throttling and lockout counters start afresh for each operation
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    users = {}
    for role in ROLES:  # every role of incidents/roles.py, the machine role included
        users[role] = make_user(role, username=f"fuzz-{role}")
        headers[role] = {"Authorization": f"Token {token_for(users[role])}"}
    issued = integration_create(name="fuzz-generic", source="generic")
    headers["integration-token"] = {"Authorization": f"Bearer {issued.token}"}
    return headers, World(users["dpo"], issued.token)


def _real_ids_for(operation: str) -> bool:
    """Deterministic under derandomize: 2 of every 3 examples of an operation."""
    _real_ids_for.seen[operation] += 1
    return _real_ids_for.seen[operation] % REAL_IDS_EVERY != 0


_real_ids_for.seen = Counter()


if EXAMPLES:

    def _config() -> SchemathesisConfig:
        config = SchemathesisConfig()
        # The coverage phase ignores max_examples (it enumerates every boundary of every field:
        # hours on this API); explicit examples and SCHEMATHESIS_EXAMPLES fuzzed cases, positive
        # and negative, keep the run bounded.
        config.projects.default.phases.update(phases=["examples", "fuzzing"])
        return config

    # Loaded once at collection, through the application itself (the schema view needs no database).
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/", get_wsgi_application(), config=_config()
    )
    if only := os.environ.get("SCHEMATHESIS_PATH_REGEX"):  # to reproduce one operation quickly
        schema = schema.include(path_regex=only)

    @schema.parametrize()
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,  # the same requests on every run: a failure is reproducible
        phases=[Phase.explicit, Phase.generate],  # no shrinking: report, do not minimise
        suppress_health_check=list(HealthCheck),
    )
    def test_every_operation_as_every_caller(case, callers):
        headers_of, world = callers
        operation = f"{case.method} {case.path}"
        if case.path_parameters and _real_ids_for(operation):
            case.path_parameters = world.path_parameters(case.path, case.path_parameters)
        OPERATIONS[operation] += 1
        for caller, headers in headers_of.items():
            response = case.call(headers=headers)
            REQUESTS[(caller, f"{response.status_code // 100}xx")] += 1
            case.validate_response(response, checks=CHECKS, headers=headers)
