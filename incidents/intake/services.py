"""Alert intake writes: ingest (dedup, grouping, incidents), attach/detach, integrations.

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial, wraps
from typing import Any

from django.conf import settings
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
    AlertPayload,
    AlertSource,
    AwarenessProposal,
    IdempotencyRecord,
    Integration,
)
from incidents.intake.selectors import keep_payloads
from incidents.intake.signatures import secret_generate, token_generate, token_hash, token_prefix
from incidents.intake.writegate import write_gate
from incidents.models import Incident
from incidents.models.incident import EventKind, IncidentSource
from incidents.services.audit import audit_append
from incidents.services.events import Actor, actor_label, event_record
from incidents.services.incidents import incident_create
from incidents.status import OPEN_STATUSES

PAGE_TASK = "notifications.tasks.page_on_call"


class IdempotencyKeyReused(DomainError):
    status = 409
    code = ErrorCode.IDEMPOTENCY_KEY_REUSED


RETRY_SECONDS = 10.0


def _transient(exc: OperationalError) -> bool:
    """Errors after which the whole transaction can simply run again."""
    if getattr(exc.__cause__, "sqlstate", None) in ("40P01", "40001"):
        return True  # PostgreSQL: deadlock victim / serialisation failure
    # SQLite: a shared-cache database (the in-memory test database) answers SQLITE_LOCKED at
    # once instead of waiting out the busy timeout, as a WAL file database does.
    return "locked" in str(exc)


def _busy(what: str) -> DomainError:
    """503: the transaction kept losing to concurrent writers; the caller retries later."""
    return DomainError(
        f"The database is too busy to record {what} now; retry shortly.", code="busy", status=503
    )


class _Retry(Exception):
    """Roll the whole transaction back and run it again (a concurrent twin won a race)."""


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
        except _Retry:
            pass
        except OperationalError as exc:
            if not _transient(exc):
                raise
        # The transaction was rolled back whole, so running it again is safe.
        if time.monotonic() > deadline:
            break
        time.sleep(0.001 * (1 + attempt % 10))
    # 503, not 409: every sender retries a 5xx later, and none of them should drop the alert.
    raise _busy("this alert")


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
            raise _Retry from None

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
    opening = _IncidentOpening(integration)
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
    serialises whole transactions."""

    def __init__(self, integration: Integration) -> None:
        self.integration = integration
        self.locked = not connection.features.has_select_for_update

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
    if group is not None and (incident := sql.group_incident(group)):
        return sql.alert_set_incident(row, incident)
    opened = _incident_open(integration, incoming, now)
    # The alert that opened the incident is on its timeline. Alerts grouped onto it later
    # are linked (alert.incident) without a timeline entry each: a storm of a thousand
    # alerts must not bury the timeline or serialise on the audit chain.
    event_record(
        incident=opened,
        kind=EventKind.ALERT_ATTACHED,
        actor=integration.actor,
        now=now,
        payload={**_alert_summary(row.id, incoming), "reason": "opened", "group_key": group_key},
    )
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


def _alert_summary(alert_id: int, alert: Alert | NormalizedAlert) -> dict[str, Any]:
    return {
        "alert": alert_id,
        "title": alert.title,
        "source": alert.source,
        "dedup_key": alert.dedup_key,
        "severity": alert.severity,
    }


def _incident_open(integration: Integration, incoming: NormalizedAlert, now: datetime) -> Incident:
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
        actor=integration.actor, data=data, source=IncidentSource.ALERT, now=now
    )
    enqueue_after_commit(PAGE_TASK, incident_id=incident.pk)
    return incident


# -- people: attach / detach -----------------------------------------------------------------


def _alert_lock(alert_id: int) -> Alert:
    try:
        return (
            Alert.objects.select_for_update(of=("self",))
            .select_related("incident")
            .get(pk=alert_id)
        )
    except Alert.DoesNotExist:
        raise DomainError("Alert not found.", code=ErrorCode.NOT_FOUND, status=404) from None


def _retried_when_deadlocked(command: Callable[..., Alert]) -> Callable[..., Alert]:
    """Run a person's command again when the database picked it as a deadlock victim (or
    SQLite stayed locked), up to 3 times: the transaction was rolled back whole. Inside a
    caller's transaction (the admin's) it cannot be, and the error goes up."""

    @wraps(command)
    def run(**kwargs: Any) -> Alert:
        for _ in range(3):
            try:
                return command(**kwargs)
            except OperationalError as exc:
                if connection.in_atomic_block or not _transient(exc):
                    raise
                time.sleep(0.01)
        raise _busy("this change")

    return run


# People's commands are plain atomic (not durable) so the admin, which wraps every save
# in its own transaction, can call them too.
@_retried_when_deadlocked
@transaction.atomic
def alert_attach(
    *, alert_id: int, incident_id: int, actor: Actor, now: datetime | None = None
) -> Alert:
    """Merge an alert into an incident (moving it off another one), on both timelines."""
    now = aware_utc(now or now_utc())
    alert = _alert_lock(alert_id)
    try:
        incident = Incident.objects.get(pk=incident_id)
    except Incident.DoesNotExist:
        raise InvalidInput(f"Incident {incident_id} does not exist.", field="incident") from None
    if incident.archived_at is not None:
        raise DomainError("The incident is archived; unarchive it first.", field="incident")
    if alert.incident_id == incident.pk:
        raise DomainError(
            f"The alert is already attached to {incident.reference}.", field="incident"
        )
    previous = alert.incident
    if previous is not None:
        event_record(
            incident=previous,
            kind=EventKind.ALERT_DETACHED,
            actor=actor,
            now=now,
            payload={**_alert_summary(alert.pk, alert), "moved_to": incident.reference},
        )
    alert.incident = incident
    alert.save(update_fields=["incident"])
    event_record(
        incident=incident,
        kind=EventKind.ALERT_ATTACHED,
        actor=actor,
        now=now,
        payload={
            **_alert_summary(alert.pk, alert),
            "reason": "manual",
            "moved_from": previous.reference if previous else None,
        },
    )
    return alert


@_retried_when_deadlocked
@transaction.atomic
def alert_detach(
    *, alert_id: int, actor: Actor, reason: str = "", now: datetime | None = None
) -> Alert:
    """Take an alert off its incident; later duplicates of it stay detached."""
    now = aware_utc(now or now_utc())
    alert = _alert_lock(alert_id)
    incident = alert.incident
    if incident is None:
        raise DomainError("The alert is not attached to an incident.", field="incident")
    alert.incident = None
    alert.save(update_fields=["incident"])
    event_record(
        incident=incident,
        kind=EventKind.ALERT_DETACHED,
        actor=actor,
        now=now,
        payload={**_alert_summary(alert.pk, alert), "reason": reason.strip()},
    )
    return alert


# -- integrations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedIntegration:
    integration: Integration
    token: str  # shown once, never stored
    signing_secret: str = ""


def _check_group_by(group_by: Sequence[str]) -> list[str]:
    if not isinstance(group_by, list | tuple) or not all(
        isinstance(name, str) and name.strip() for name in group_by
    ):
        raise InvalidInput("group_by must be a list of label names.", field="group_by")
    return [name.strip() for name in group_by]


@transaction.atomic
def integration_create(
    *,
    name: str,
    source: str,
    actor: Actor = None,
    rate_limit_per_minute: int = 600,
    group_by: Sequence[str] = (),
    group_window_minutes: int = 60,
    propose_awareness: str = AwarenessProposal.NONE,
    with_signing_secret: bool = False,
    now: datetime | None = None,
) -> IssuedIntegration:
    """Register a monitoring tool; returns its token (and signing secret) exactly once."""
    now = aware_utc(now or now_utc())
    if source not in AlertSource.values:
        raise InvalidInput(
            f"source must be one of {', '.join(AlertSource.values)}.", field="source"
        )
    if propose_awareness not in AwarenessProposal.values:
        raise InvalidInput(
            f"propose_awareness must be one of {', '.join(AwarenessProposal.values)}.",
            field="propose_awareness",
        )
    if Integration.objects.filter(name=name).exists():
        raise DomainError(f"An integration named {name!r} already exists.", field="name")
    token = token_generate()
    secret = secret_generate() if with_signing_secret else ""
    integration = Integration(
        name=name,
        source=source,
        token_prefix=token_prefix(token),
        token_hash=token_hash(token),
        signing_secret=secret,
        rate_limit_per_minute=rate_limit_per_minute,
        group_by=_check_group_by(group_by),
        group_window_minutes=group_window_minutes,
        propose_awareness=propose_awareness,
        created_at=now,
        token_rotated_at=now,
    )
    integration.full_clean()
    integration.save()
    audit_append(
        actor=actor_label(actor),
        action="integration.created",
        object_type="integration",
        object_id=integration.pk,
        data={
            "name": name,
            "source": source,
            "token_prefix": integration.token_prefix,
            "signed": bool(secret),
        },
        now=now,
    )
    return IssuedIntegration(integration=integration, token=token, signing_secret=secret)


@transaction.atomic
def integration_rotate_token(
    *, integration_id: int, actor: Actor = None, now: datetime | None = None
) -> IssuedIntegration:
    """Issue a new token; the old one stops working at once."""
    now = aware_utc(now or now_utc())
    integration = Integration.objects.select_for_update().get(pk=integration_id)
    token = token_generate()
    old_prefix = integration.token_prefix
    integration.token_prefix, integration.token_hash = token_prefix(token), token_hash(token)
    integration.token_rotated_at = now
    integration.save(update_fields=["token_prefix", "token_hash", "token_rotated_at"])
    audit_append(
        actor=actor_label(actor),
        action="integration.token_rotated",
        object_type="integration",
        object_id=integration.pk,
        data={"old_prefix": old_prefix, "new_prefix": integration.token_prefix},
        now=now,
    )
    return IssuedIntegration(integration=integration, token=token)


@transaction.atomic
def integration_set_signing_secret(
    *,
    integration_id: int,
    generate: bool = False,
    secret: str = "",
    actor: Actor = None,
    now: datetime | None = None,
) -> IssuedIntegration:
    """Set the signing secret: generate one (returned once), take a tool's own (Sentry's
    Client Secret), or remove it (signatures no longer required)."""
    now = aware_utc(now or now_utc())
    secret = secret.strip()
    if generate and secret:
        raise InvalidInput("Either generate a secret or give one, not both.", field="secret")
    if secret and len(secret) < 16:
        raise InvalidInput("A signing secret needs at least 16 characters.", field="secret")
    if len(secret) > 200:
        raise InvalidInput("A signing secret has at most 200 characters.", field="secret")
    integration = Integration.objects.select_for_update().get(pk=integration_id)
    integration.signing_secret = secret_generate() if generate else secret
    integration.save(update_fields=["signing_secret"])
    action = "rotated" if integration.signing_secret else "removed"
    audit_append(
        actor=actor_label(actor),
        action=f"integration.signing_secret_{action}",
        object_type="integration",
        object_id=integration.pk,
        data={"name": integration.name},
        now=now,
    )
    return IssuedIntegration(
        integration=integration,
        token="",  # nosec B106  # empty: an existing token is never shown again
        signing_secret=integration.signing_secret if generate else "",
    )


@transaction.atomic
def integration_update(
    *,
    integration_id: int,
    changes: dict[str, Any],
    actor: Actor = None,
    now: datetime | None = None,
) -> Integration:
    """Change an integration's settings (never its token or secret: those have commands)."""
    now = aware_utc(now or now_utc())
    allowed = {
        "source",
        "rate_limit_per_minute",
        "group_by",
        "group_window_minutes",
        "propose_awareness",
        "is_active",
    }
    if unknown := sorted(set(changes) - allowed):
        raise InvalidInput(f"{unknown[0]} cannot be changed here.", field=unknown[0])
    integration = Integration.objects.select_for_update().get(pk=integration_id)
    diff = {}
    for name, value in changes.items():
        if name == "group_by":
            value = _check_group_by(value)
        if getattr(integration, name) != value:
            diff[name] = {"old": getattr(integration, name), "new": value}
            setattr(integration, name, value)
    if diff:
        integration.full_clean()
        integration.save(update_fields=list(diff))
        audit_append(
            actor=actor_label(actor),
            action="integration.updated",
            object_type="integration",
            object_id=integration.pk,
            data={"name": integration.name, "changes": diff},
            now=now,
        )
    return integration


def idempotency_prune(
    *, older_than: timedelta = timedelta(days=7), now: datetime | None = None
) -> int:
    """Forget replies older than `older_than` (senders retry within minutes, not weeks)."""
    now = aware_utc(now or now_utc())
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=now - older_than).delete()
    return deleted


def alert_payloads_purge(*, now: datetime | None = None) -> int:
    """Delete raw payloads older than BREACHDESK_INTAKE_UNLINKED_PAYLOAD_DAYS of alerts that
    are on no incident. An alert keeps its counts and times; the API then counts the deleted
    payloads in `payloads_pruned`. Runs daily (schedule `intake-payload-purge`)."""
    days = int(getattr(settings, "BREACHDESK_INTAKE_UNLINKED_PAYLOAD_DAYS", 90))
    if days <= 0:
        return 0
    now = aware_utc(now or now_utc())
    deleted, _ = AlertPayload.objects.filter(
        alert__incident__isnull=True, received_at__lt=now - timedelta(days=days)
    ).delete()
    return deleted
