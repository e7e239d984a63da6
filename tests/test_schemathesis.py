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
from datetime import timedelta

import pytest
import schemathesis
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from incidents.intake.services import integration_create
from incidents.models import Authority, Obligation
from incidents.roles import ROLES
from incidents.services.assessments import assessment_compute
from incidents.services.incidents import incident_create
from incidents.services.lifecycle import incident_transition
from incidents.services.parties import party_create
from notifications.campaigns.services import campaign_create, campaign_import_rows
from notifications.filings.services import filing_create
from notifications.notices.services import notice_draft
from notifications.services import calendar_token_rotate
from tests.conftest import make_user

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "30"))
CHECKS = [not_a_server_error, response_schema_conformance]
# What ran, printed at the end of the session by tests/conftest.py: the operations, examples
# per operation, and requests per caller and status class.
OPERATIONS: Counter = Counter()
REQUESTS: Counter = Counter()
REAL_IDS_EVERY = 3  # examples 1 and 2 of every 3 address real objects, example 3 generated ids


def _facts(now) -> dict:
    """A high-risk breach known for a day: authority and individuals' duties, notices."""
    return {
        "title": "Fuzz target: shop customer database copied",
        "aware_at": now - timedelta(hours=24),
        "detected_at": now - timedelta(hours=26),
        "countries": ["DE", "NO"],
        "residents": {"DE": 4000, "NO": 1200},
        "breach_types": ["confidentiality"],
        "cause": "malicious_external",
        "data_categories": ["contact", "credentials", "payment_card"],
        "credentials_protection": "weak_hash",
        "subject_categories": ["customers"],
        "identifiability": "direct",
        "exposure": "exfiltrated",
        "data_protection": "none",
    }


class World:
    """The objects the operation's path names, built on first use."""

    def __init__(self, dpo, integration_token: str):
        self.dpo = dpo
        self.integration_token = integration_token
        self._ids: dict[str, object] = {}

    def _once(self, name: str, build):
        if name not in self._ids:
            self._ids[name] = build()
        return self._ids[name]

    def incident(self) -> int:
        def build() -> int:
            now = timezone.now()
            incident = incident_create(actor=self.dpo, data=_facts(now))
            incident_transition(incident_id=incident.pk, actor=self.dpo, to="assessing")
            assessment_compute(incident_id=incident.pk, actor=self.dpo)
            return incident.pk

        return self._once("incident", build)

    def obligation(self) -> int:
        """The authority duty (GDPR Art. 33)."""
        return self._once(
            "obligation",
            lambda: (
                Obligation.objects.filter(
                    incident_id=self.incident(), audience="supervisory_authority"
                )
                .order_by("pk")
                .values_list("pk", flat=True)[0]
            ),
        )

    def filing(self) -> int:
        return self._once(
            "filing",
            lambda: (
                filing_create(
                    incident_id=self.incident(),
                    obligation_id=self.obligation(),
                    phase="initial",
                    actor=self.dpo,
                ).pk
            ),
        )

    def notice(self) -> int:
        return self._once(
            "notice", lambda: notice_draft(incident_id=self.incident(), actor=self.dpo)[0].pk
        )

    def _campaign(self) -> tuple[int, int]:
        def build() -> tuple[int, int]:
            campaign = campaign_create(
                incident_id=self.incident(),
                actor=self.dpo,
                name="Fuzz notice",
                channels=["email"],
                content={"en": {"subject": "Notice", "text": "Dear {{ name }}, ..."}},
            )
            run = campaign_import_rows(
                campaign_id=campaign.pk,
                rows=[{"email": "r@example.com", "name": "R"}],
                actor=self.dpo,
            )
            return campaign.pk, run.pk

        return self._once("campaign", build)

    def alert(self) -> int:
        def build() -> int:
            response = Client().post(
                "/api/v1/alerts/generic/",
                data={"title": "Disk full", "dedup_key": "disk/1", "status": "firing"},
                content_type="application/json",
                headers={"Authorization": f"Bearer {self.integration_token}"},
            )
            assert response.status_code == 202, response.content
            return response.json()["alert"]

        return self._once("alert", build)

    def party(self) -> int:
        return self._once(
            "party",
            lambda: (
                party_create(
                    actor=self.dpo,
                    data={"kind": "customer", "name": "Kunde AG", "notice_hours": 36},
                ).pk
            ),
        )

    def path_parameters(self, path: str, generated: dict) -> dict:
        """Real values for the path's parameters (those it has; the rest stay generated)."""
        values = dict(generated)
        owner = path.split("/")[3]  # /api/v1/<owner>/...
        by_owner = {
            "incidents": self.incident,
            "alerts": self.alert,
            "filings": self.filing,
            "notices": self.notice,
            "obligations": self.obligation,
            "parties": self.party,
            "campaigns": lambda: self._campaign()[0],
        }
        if "id" in values and owner in by_owner:
            values["id"] = by_owner[owner]()
        if "seq" in values:
            values["seq"] = 1
        if "import_id" in values:
            values["import_id"] = self._campaign()[1]
        if "source" in values:
            values["source"] = "generic"
        if "code" in values and owner == "authorities":
            values["code"] = Authority.objects.order_by("code").values_list("code", flat=True)[0]
        if "token" in values and owner == "calendar":
            values["token"] = self._once(
                "calendar", lambda: calendar_token_rotate(user=self.dpo)[1]
            )
        return values


@pytest.fixture
def callers(db, org) -> tuple[dict[str, dict[str, str]], World]:
    cache.clear()  # throttling and lockout counters start afresh for each operation
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    users = {}
    for role in ROLES:  # every role of incidents/roles.py, the machine role included
        users[role] = make_user(role, username=f"fuzz-{role}")
        headers[role] = {"Authorization": f"Token {Token.objects.create(user=users[role]).key}"}
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
