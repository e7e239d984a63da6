"""Alert intake: a delivery's alerts deduplicated, grouped onto incidents, new incidents opened.

Concurrency (PostgreSQL, READ COMMITTED): a partial unique index allows one open alert per
(integration, dedup key). A firing alert is one upsert (`sql.alert_upsert`): a twin racing
to create the same alert waits on the index and then counts as a repeat, so neither fails.
Opening an incident is serialised per integration by a row lock on the integration, so
related alerts arriving together share one incident. Lock order: every alert of the
delivery (dedup-key order) -> the integration, only to open an incident -> what
`incident_create` and `event_record` take (reference counter, audit head); people's
attach/detach take an alert row, then the audit head, the same order. A deadlock victim or
an idempotency twin runs the whole transaction again. SQLite serialises whole transactions
instead (BEGIN IMMEDIATE), behind `writegate.write_gate`.
"""

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import IntegrityError, OperationalError, connection, transaction
from django_q.tasks import async_task

from breachdesk.errors import DomainError, ErrorCode, InvalidInput
from breachdesk.timeutils import aware_utc, now_utc
from incidents.intake import sql
from incidents.intake.adapters import BATCH_SOURCES, FIRING, RESOLVED, NormalizedAlert
from incidents.intake.adapters.base import bounded_key, clip
from incidents.intake.facts import facts_from_labels
from incidents.intake.models import (
    Alert,
    AlertSource,
    AwarenessProposal,
    IdempotencyRecord,
    Integration,
)
from incidents.intake.retry import RETRY_SECONDS, Retry, busy, transient
from incidents.intake.selectors import keep_payloads
from incidents.intake.writegate import write_gate
from incidents.models import Incident
from incidents.models.incident import EventKind, IncidentSource
from incidents.services.incidents import incident_create
from incidents.status import OPEN_STATUSES

PAGE_TASK = "notifications.tasks.page_on_call"


class IdempotencyKeyReused(DomainError):
    status = 409
    code = ErrorCode.IDEMPOTENCY_KEY_REUSED


@dataclass(frozen=True)
class AlertOutcome:
    alert: sql.AlertRow
    deduplicated: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "alert": self.alert.id,
            "incident": self.alert.incident_id,
            "incident_reference": self.alert.incident_reference,
            "deduplicated": self.deduplicated,
            "occurrences": self.alert.occurrences,
            "alert_status": self.alert.status,
            "dedup_key": self.alert.dedup_key,
        }


@dataclass(frozen=True)
class IngestResult:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False


def enqueue_after_commit(func: str, **kwargs: Any) -> None:
    """Queue a django-q2 task once the transaction commits (ids only, never instances).

    robust: the alert and incident are committed by then; a broker hiccup must not turn that
    into a 5xx (the sender would retry and we would count a false duplicate). It is logged.
    """
    task = partial(async_task, func, **kwargs)
    task.__qualname__ = f"async_task({func!r})"  # Django logs robust failures by __qualname__
    transaction.on_commit(task, robust=True)


def reply_body(source: str, outcomes: Sequence[AlertOutcome]) -> dict[str, Any]:
    """Batch sources answer {"alerts": [...]}; single-alert sources answer one object."""
    items = [o.as_dict() for o in outcomes]
    if source in BATCH_SOURCES:
        return {"alerts": items, "count": len(items)}
    body = items[0]
    if source == AlertSource.PAGERDUTY:
        # PagerDuty clients read these back (Events API v2 reply shape).
        body = {"status": "success", "message": "Event processed", **body}
    return body


# -- ingest ---------------------------------------------------------------------------------


def alerts_ingest(
    *,
    integration: Integration,
    alerts: Sequence[NormalizedAlert],
    idempotency_key: str = "",
    fingerprint: str = "",
    raw_body: str = "",
    now: datetime | None = None,
) -> IngestResult:
    """Record a delivery's alerts: deduplicate, group onto incidents, open new ones.
    `raw_body`, the request body as received, is kept verbatim as the raw payload when the
    delivery holds one alert (a batch entry keeps its own part, re-encoded)."""
    now = aware_utc(now or now_utc())
    if not alerts:
        raise InvalidInput("The payload holds no alerts.", field="alerts")
    if idempotency_key and len(idempotency_key) > 255:
        raise InvalidInput(
            "Idempotency-Key must be at most 255 characters.", field="Idempotency-Key"
        )
    deadline = time.monotonic() + RETRY_SECONDS
    attempt = 0
    while True:
        attempt += 1
        try:
            with write_gate():
                return _ingest(
                    integration=integration,
                    alerts=alerts,
                    now=now,
                    idempotency_key=idempotency_key,
                    fingerprint=fingerprint,
                    raw_body=raw_body,
                )
        except Retry:
            pass
        except OperationalError as exc:
            if not transient(exc):
                raise
        # The transaction was rolled back whole, so running it again is safe.
        if time.monotonic() > deadline:
            break
        time.sleep(0.001 * (1 + attempt % 10))
    # 503, not 409: every sender retries a 5xx later, and none of them should drop the alert.
    raise busy("this alert")


@transaction.atomic(durable=True)
def _ingest(
    *,
    integration: Integration,
    alerts: Sequence[NormalizedAlert],
    now: datetime,
    idempotency_key: str,
    fingerprint: str,
    raw_body: str,
) -> IngestResult:
    record = None
    if idempotency_key:
        previous = IdempotencyRecord.objects.filter(
            integration=integration, key=idempotency_key
        ).first()
        if previous is not None:
            if previous.fingerprint != fingerprint:
                raise IdempotencyKeyReused(
                    "This Idempotency-Key was already used with a different body.",
                    field="Idempotency-Key",
                )
            return IngestResult(previous.status_code, json.loads(previous.response), replayed=True)
        try:
            with transaction.atomic():
                # Claimed first: a concurrent twin waits on the unique index, then replays.
                record = IdempotencyRecord.objects.create(
                    integration=integration,
                    key=idempotency_key,
                    fingerprint=fingerprint,
                    status_code=0,
                    response="",
                    created_at=now,
                )
        except IntegrityError:
            raise Retry from None

    outcomes = _alerts_record(integration=integration, alerts=alerts, now=now, raw_body=raw_body)
    body = reply_body(integration.source, outcomes)
    if record is not None:
        record.status_code, record.response = 202, json.dumps(body)
        record.save(update_fields=["status_code", "response"])
    return IngestResult(202, body)


def _alerts_record(
    *,
    integration: Integration,
    alerts: Sequence[NormalizedAlert],
    now: datetime,
    raw_body: str = "",
) -> list[AlertOutcome]:
    """Two passes, each in dedup-key order (batch order within a key):
    1. every alert is counted or stored: the only rows of others this transaction locks, and
       it locks them before the integration or the audit head, in the order every ingest and
       every person's attach/detach (alert row, then audit head) takes them;
    2. new firing alerts that found no open incident for their group open one (or join the
       one a concurrent delivery opened meanwhile)."""
    order = sorted(range(len(alerts)), key=lambda i: alerts[i].dedup_key)
    outcomes: dict[int, AlertOutcome] = {}
    for index in order:
        raw = raw_body if raw_body and len(alerts) == 1 else _encoded(alerts[index].raw)
        outcomes[index] = _alert_store(integration, alerts[index], now, raw)
    placed: dict[int, sql.AlertRow] = {}
    opening = _IncidentOpening(integration, alerts=len(alerts))
    for index in order:
        row = outcomes[index].alert
        if outcomes[index].deduplicated or row.incident_id or row.status != FIRING:
            continue
        if row.id not in placed:
            placed[row.id] = _incident_place(integration, alerts[index], row, now, opening)
    for index, outcome in outcomes.items():  # a new alert repeated in the same batch too
        if outcome.alert.id in placed:
            row = placed[outcome.alert.id]
            outcomes[index] = replace(
                outcome,
                alert=replace(
                    outcome.alert,
                    incident_id=row.incident_id,
                    incident_reference=row.incident_reference,
                ),
            )
    return [outcomes[i] for i in range(len(alerts))]


class _IncidentOpening:
    """Opening an incident is serialised per integration (PostgreSQL: a row lock on the
    integration, taken once per transaction), so related alerts that arrive together share
    one incident instead of racing to open two. Alerts that join an incident already open,
    and duplicates, never take this lock. SQLite needs none: BEGIN IMMEDIATE already
    serialises whole transactions, so when the delivery holds one alert nothing has changed
    its group since the alert's upsert looked for the group's open incident (none), and
    looking again is skipped (`recheck`)."""

    def __init__(self, integration: Integration, *, alerts: int) -> None:
        self.integration = integration
        serialised = not connection.features.has_select_for_update
        self.locked = serialised
        self.recheck = not (serialised and alerts == 1)

    def lock(self) -> None:
        # FOR NO KEY UPDATE: it excludes other openings but not the foreign-key checks
        # (FOR KEY SHARE) of alerts being stored for this integration meanwhile.
        if not self.locked:
            Integration.objects.select_for_update(no_key=True).filter(
                pk=self.integration.pk
            ).values_list("pk").get()
            self.locked = True


def _resolve_at(incoming: NormalizedAlert, now: datetime) -> datetime | None:
    return min(incoming.ended_at or now, now) if incoming.status == RESOLVED else None


def _encoded(raw: Any) -> str:
    return json.dumps(raw, ensure_ascii=False)


def _payload_keep(row: sql.AlertRow, raw: str, now: datetime) -> None:
    sql.payload_append(alert=row, raw=raw, received_at=now, keep=keep_payloads())


def _alert_store(
    integration: Integration, incoming: NormalizedAlert, now: datetime, raw: str
) -> AlertOutcome:
    """Count a repeat (resolving the alert if the status says so: never its incident, only
    people decide that) or store a new alert on its group's open incident. Every occurrence's
    raw payload is kept (bounded)."""
    resolve_at = _resolve_at(incoming, now)
    if resolve_at is not None:
        # A resolved status counts on the open alert or, as tools resend resolved alerts,
        # on the episode it resolved; a resolved alert never seen firing is stored as such.
        row = sql.alert_repeat(
            now=now,
            dedup_key=incoming.dedup_key,
            integration_id=integration.pk,
            resolve_at=resolve_at,
        )
        if row is None:
            episode = (
                Alert.objects.filter(integration=integration, dedup_key=incoming.dedup_key)
                .order_by("-resolved_at", "-id")
                .values_list("pk", flat=True)
                .first()
            )
            if episode is not None:
                row = sql.alert_repeat(
                    now=now, dedup_key=incoming.dedup_key, alert_id=episode, resolve_at=resolve_at
                )
        if row is not None:
            _payload_keep(row, raw, now)
            return AlertOutcome(alert=row, deduplicated=True)
    group_key = _group_key(integration, incoming)
    row = sql.alert_upsert(
        _alert_values(integration, incoming, group_key, now), _group(integration, group_key, now)
    )
    _payload_keep(row, raw, now)
    return AlertOutcome(alert=row, deduplicated=row.occurrences > 1)


def _incident_place(
    integration: Integration,
    incoming: NormalizedAlert,
    row: sql.AlertRow,
    now: datetime,
    opening: _IncidentOpening,
) -> sql.AlertRow:
    """Put a new alert whose group had no open incident on one: the incident a concurrent
    delivery of its group opened meanwhile (looked up again under the lock), or a new one."""
    group_key = _group_key(integration, incoming)
    group = _group(integration, group_key, now)
    opening.lock()
    if group is not None and opening.recheck and (incident := sql.group_incident(group)):
        return sql.alert_set_incident(row, incident)
    # The alert that opened the incident is on its timeline (recorded with the creation, in
    # one audit append). Alerts grouped onto it later are linked (alert.incident) without a
    # timeline entry each: a storm of a thousand alerts must not bury the timeline or
    # serialise on the audit chain.
    attached = {**alert_summary(row.id, incoming), "reason": "opened", "group_key": group_key}
    opened = _incident_open(integration, incoming, now, attached)
    return sql.alert_set_incident(row, (opened.pk, opened.reference))


def _group_key(integration: Integration, incoming: NormalizedAlert) -> str:
    names = [n for n in integration.group_by if isinstance(n, str)]
    if names and any(n in incoming.labels for n in names):
        return bounded_key("labels:" + ",".join(f"{n}={incoming.labels.get(n, '')}" for n in names))
    return bounded_key(incoming.group_key)


def _alert_values(
    integration: Integration, incoming: NormalizedAlert, group_key: str, now: datetime
) -> dict[str, Any]:
    return {
        "integration": integration.pk,
        "source": integration.source,
        "dedup_key": incoming.dedup_key,
        "external_id": clip(incoming.external_id, 255),
        "group_key": group_key,
        "title": clip(incoming.title, 300) or "(untitled alert)",
        "description": incoming.description,
        "severity": incoming.severity,
        "status": incoming.status,
        "labels": dict(incoming.labels),
        "link": incoming.link[:2000],
        "occurred_at": incoming.occurred_at,
        "first_seen_at": now,
        "last_seen_at": now,
        "resolved_at": _resolve_at(incoming, now),
        "occurrences": 1,
    }


def _group(integration: Integration, group_key: str, now: datetime) -> sql.Group | None:
    """Where a new alert looks for an open incident; None: every alert opens its own."""
    if not group_key or integration.group_window_minutes == 0:
        return None
    return sql.Group(
        integration_id=integration.pk,
        group_key=group_key,
        since=now - timedelta(minutes=integration.group_window_minutes),
        open_statuses=OPEN_STATUSES,
    )


def alert_summary(alert_id: int, alert: Alert | NormalizedAlert) -> dict[str, Any]:
    return {
        "alert": alert_id,
        "title": alert.title,
        "source": alert.source,
        "dedup_key": alert.dedup_key,
        "severity": alert.severity,
    }


def _incident_open(
    integration: Integration, incoming: NormalizedAlert, now: datetime, attached: dict[str, Any]
) -> Incident:
    label_facts = facts_from_labels(incoming.labels)
    detected = min(incoming.occurred_at, now)
    source_name = AlertSource(integration.source).label
    lines = [
        f"Opened from a {source_name} alert received through integration "
        f"{integration.name!r} (severity {incoming.severity})."
    ]
    if incoming.description:
        lines.append(incoming.description)
    if incoming.link:
        lines.append(f"Source: {incoming.link}")
    if label_facts.personal_data:
        lines.append("The alert states that personal data is involved.")
    if label_facts.problems:
        lines.append("Ignored alert labels: " + "; ".join(label_facts.problems) + ".")
    tags = ["alert", f"source:{integration.source}", f"severity:{incoming.severity}"]
    if label_facts.personal_data:
        tags.append("personal-data")
    data: dict[str, Any] = {
        "title": clip(incoming.title, 200) or "(untitled alert)",
        "summary": "\n\n".join(lines),
        "detected_at": detected,
        "tags": tags,
        **label_facts.facts,
    }
    # An alert is never awareness (EDPB 9/2022: reasonable certainty is a human judgement);
    # an integration may only *propose* a time that a DPO confirms by setting aware_at.
    if integration.propose_awareness == AwarenessProposal.RECEIVED:
        data["proposed_aware_at"] = now
    elif integration.propose_awareness == AwarenessProposal.OCCURRED:
        data["proposed_aware_at"] = detected
    incident = incident_create(
        actor=integration.actor,
        data=data,
        source=IncidentSource.ALERT,
        now=now,
        events=[(EventKind.ALERT_ATTACHED, attached)],
        savepoint=False,  # any error rolls the whole delivery back (alerts_ingest)
    )
    enqueue_after_commit(PAGE_TASK, incident_id=incident.pk)
    return incident
