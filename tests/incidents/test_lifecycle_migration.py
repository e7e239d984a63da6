"""Migration 0007 moves existing incidents and duties to the obligations-driven lifecycle."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("incidents", "0006_event_kind_filings")]
AFTER = [("incidents", "0007_lifecycle_parties_recipients")]
AT = datetime(2026, 1, 5, 10, tzinfo=UTC)


# serialized_rollback: the rows other tests rely on (targets, ladders, authorities) come back.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_old_statuses_become_notifying_and_open_ended_duties_get_a_working_date():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Incident = old.get_model("incidents", "Incident")
    RuleVersion = old.get_model("incidents", "RuleVersion")
    Obligation = old.get_model("incidents", "Obligation")
    old.get_model("incidents", "Organization").objects.create(
        legal_name="Old Org", role="processor", country="DE"
    )
    common = {"status_changed_at": AT, "created_at": AT, "updated_at": AT, "aware_at": AT}
    filed = Incident.objects.create(reference="BD-2026-9001", status="authority_notified", **common)
    told = Incident.objects.create(reference="BD-2026-9002", status="subjects_notified", **common)
    closed = Incident.objects.create(reference="BD-2026-9003", status="closed", **common)
    rule = RuleVersion.objects.create(
        code="eu-gdpr-33-2-processor", version=1, content={}, content_hash="x", loaded_at=AT
    )
    duty = Obligation.objects.create(
        incident=filed,
        rule=rule,
        rule_code="eu-gdpr-33-2-processor",
        regime="GDPR",
        jurisdiction="EU/EEA",
        audience="controller",
        recipient="Controller",
        citation="GDPR Art. 33(2)",
        confidence="high",
        status="pending",
        deadline_kind="standard",
        clock_started_at=AT,
        created_at=AT,
        updated_at=AT,
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Incident = new.get_model("incidents", "Incident")
    statuses = dict(Incident.objects.values_list("reference", "status"))
    assert statuses == {
        filed.reference: "notifying",
        told.reference: "notifying",
        closed.reference: "closed",
    }
    assert set(Incident.objects.values_list("role", flat=True)) == {"processor"}
    migrated = new.get_model("incidents", "Obligation").objects.get(pk=duty.pk)
    assert migrated.due_basis == "internal_target"
    assert migrated.soft_due_at == AT + timedelta(hours=24)  # the default target to a controller
    targets = dict(
        new.get_model("incidents", "InternalTarget").objects.values_list("audience", "hours")
    )
    assert targets["controller"] == 24
    assert targets["supervisory_authority"] == 72
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # leave the database as the suite expects
