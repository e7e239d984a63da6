"""Concurrent deliveries: real threads, real transactions (SQLite here, PostgreSQL in CI)."""

import threading
from collections import Counter

import pytest
from django.db import connection

from incidents.intake.models import Alert, IdempotencyRecord
from incidents.intake.selectors import alert_get
from incidents.models import Incident
from tests.intake.conftest import Poster, fixture_bytes

THREADS = 50


def run_concurrently(count: int, send) -> list:
    """Start `count` senders together (a barrier), each with its own DB connection."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = send(index)
        except Exception as exc:  # recorded, then asserted on: a thread must not die silently
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_identical_alerts_at_once_make_one_alert_and_one_incident(make_integration):
    issued = make_integration("generic", rate_limit_per_minute=0)
    body = fixture_bytes("generic")
    responses = run_concurrently(THREADS, lambda _: Poster()("generic", body, token=issued.token))
    assert Counter(getattr(r, "status_code", repr(r)) for r in responses) == {202: THREADS}
    alert = Alert.objects.get()
    assert alert.occurrences == THREADS
    assert Incident.objects.count() == 1
    bodies = [r.json() for r in responses]
    assert sorted(b["occurrences"] for b in bodies) == list(range(1, THREADS + 1))
    assert sum(not b["deduplicated"] for b in bodies) == 1
    assert {b["incident"] for b in bodies} == {alert.incident_id}
    shown = alert_get(alert.pk)
    assert [p["seq"] for p in shown.payloads] == list(range(THREADS - 19, THREADS + 1))
    assert shown.payloads_pruned == THREADS - 20


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_alertmanager_batches_at_once(make_integration):
    issued = make_integration("alertmanager", rate_limit_per_minute=0)
    body = fixture_bytes("alertmanager_firing")
    responses = run_concurrently(
        THREADS, lambda _: Poster()("alertmanager", body, token=issued.token)
    )
    assert Counter(getattr(r, "status_code", repr(r)) for r in responses) == {202: THREADS}
    assert sorted(Alert.objects.values_list("occurrences", flat=True)) == [THREADS, THREADS]
    assert Incident.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_related_alerts_share_one_incident(make_integration):
    issued = make_integration("generic", rate_limit_per_minute=0)

    def send(index: int):
        return Poster()(
            "generic",
            {
                "title": f"Host {index} exfiltrating",
                "dedup_key": f"host-{index}",
                "group_key": "exfil",
            },
            token=issued.token,
        )

    responses = run_concurrently(20, send)
    assert Counter(getattr(r, "status_code", repr(r)) for r in responses) == {202: 20}
    assert Alert.objects.count() == 20
    assert Incident.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_retries_with_one_idempotency_key_count_once(make_integration):
    issued = make_integration("generic", rate_limit_per_minute=0)
    body = fixture_bytes("generic")
    responses = run_concurrently(
        20,
        lambda _: Poster()(
            "generic", body, token=issued.token, **{"Idempotency-Key": "am-retry-1"}
        ),
    )
    assert Counter(getattr(r, "status_code", repr(r)) for r in responses) == {202: 20}
    assert len({r.content for r in responses}) == 1  # every caller got the original reply
    assert sum(r.get("Idempotent-Replayed") == "true" for r in responses) == 19
    assert Alert.objects.get().occurrences == 1
    assert IdempotencyRecord.objects.count() == 1
