"""Campaign services: create, import, start, work, retry, purge (completing: completion.py)."""

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q
from django_q.tasks import async_task

from breachdesk.errors import DomainError, InvalidInput
from breachdesk.timeutils import aware_utc, iso, now_utc
from incidents.models import Incident
from incidents.models.incident import EventKind
from incidents.services.audit import audit_append
from incidents.services.events import Actor, actor_label, actor_user, event_record
from incidents.services.incidents import incident_update
from incidents.validation import residents_total
from notifications import delivery as states
from notifications.campaigns import importing, selectors
from notifications.campaigns.completion import campaign_complete_if_done
from notifications.campaigns.content import rendition_for
from notifications.campaigns.rows import language_code
from notifications.campaigns.sending import ChunkOutcome, chunk_lease, chunk_send, leasable
from notifications.channels.base import CHANNEL_KINDS
from notifications.models import Campaign, Delivery, ImportRun, Recipient, SendChunk
from notifications.models import CampaignStatus as Status
from notifications.notices.models import Notice, NoticeVersion
from notifications.redact import redact_contacts

logger = logging.getLogger(__name__)
WORK_TASK = "notifications.tasks.campaign_work"
MEET_PERMISSION = "incidents.manage_obligations"  # who may meet a duty late, with a reason
MAX_DELAY_REASON = 20_000


def _campaign(campaign_id: int, *, lock: bool = False) -> Campaign:
    qs = Campaign.objects.select_for_update() if lock else Campaign.objects
    try:
        return qs.get(pk=campaign_id)
    except Campaign.DoesNotExist:
        raise DomainError("Campaign not found.", code="not_found", status=404) from None


def _check_channels(channels: object) -> list[str]:
    if not isinstance(channels, list) or not channels:
        raise InvalidInput("channels: choose email, sms or both.", field="channels")
    unknown = [c for c in channels if c not in CHANNEL_KINDS]
    if unknown or len(set(channels)) != len(channels):
        raise InvalidInput(
            f"channels must be distinct values of {', '.join(CHANNEL_KINDS)}.", field="channels"
        )
    return channels


@transaction.atomic(durable=True)
def campaign_create(
    *,
    incident_id: int,
    actor: Actor,
    name: str,
    channels: list[str],
    default_language: str = "en",
    content: Mapping[str, Any] | None = None,
    notice_version_id: int | None = None,
    notice_id: int | None = None,
    now: datetime | None = None,
) -> Campaign:
    """A draft campaign for an incident's affected people (recipients are imported next).

    What it sends is an APPROVED notice version of the same incident (else 409), or, with no
    version, the campaign's own `content` (tests, tools, notices drafted elsewhere).
    """
    now = aware_utc(now or now_utc())
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        raise DomainError("Incident not found.", code="not_found", status=404)
    language = language_code(default_language or "")
    if language is None:
        raise InvalidInput("default_language must be an ISO 639-1 code.", field="default_language")
    if not name.strip():
        raise InvalidInput("name is required.", field="name")
    channels = _check_channels(channels)
    version = None
    if notice_id is not None and notice_version_id is None:
        notice = Notice.objects.filter(pk=notice_id, incident_id=incident.pk).first()
        if notice is None:
            raise DomainError(
                "Notice not found for this incident.", code="not_found", status=404, field="notice"
            )
        if notice.approved_version_id is None:
            raise DomainError(
                "The notice has no approved version: a DPO approves a notice before it is sent.",
                code="precondition_failed",
                field="notice",
            )
        notice_version_id = notice.approved_version_id  # pinned: later edits do not change it
    if notice_version_id is not None:
        version = _approved_version(notice_version_id, incident_id=incident.pk)
    elif not content:
        raise InvalidInput("Give notice (an approved notice) or content.", field="notice")
    campaign = Campaign.objects.create(
        incident=incident,
        notice_version=version,
        name=name.strip()[:200],
        channels=channels,
        default_language=language,
        content=dict(content or {}),
        created_by=actor_label(actor),
        created_at=now,
    )
    audit_append(
        actor=actor_label(actor),
        action="campaign.created",
        object_type="campaign",
        object_id=campaign.pk,
        data={
            "incident": incident.reference,
            "channels": campaign.channels,
            "notice_version": version.pk if version else None,
            "notice_content_hash": version.content_hash if version else None,
        },
        now=now,
    )
    return campaign


def _approved_version(version_id: int, *, incident_id: int) -> NoticeVersion:
    """The notice version if it belongs to the incident and is approved (else 404/409)."""
    version = NoticeVersion.objects.select_related("notice").filter(pk=version_id).first()
    if version is None or version.notice.incident_id != incident_id:
        raise DomainError(
            "Notice version not found for this incident.",
            code="not_found",
            status=404,
            field="notice_version",
        )
    if not version.is_approved:
        raise DomainError(
            f"Notice version {version.number} is not approved: a DPO approves a notice before "
            "it is sent.",
            code="precondition_failed",
            field="notice_version",
        )
    return version


def _importable(campaign_id: int) -> Campaign:
    campaign = _campaign(campaign_id)
    if campaign.status != Status.DRAFT:
        raise DomainError(
            f"Recipients can only be imported into a draft campaign; this one is "
            f"{campaign.status}.",
            field="status",
        )
    return campaign


def campaign_import_csv(
    *,
    campaign_id: int,
    stream: IO[bytes],
    actor: Actor,
    filename: str = "",
    progress: Callable[[int], None] | None = None,
) -> ImportRun:
    """Stream a CSV file into the campaign; bad rows are reported, never fatal."""
    campaign = _importable(campaign_id)
    run = importing.import_start(campaign=campaign, source="csv", filename=filename)
    report = importing.ImportReport()
    try:
        importing.rows_import(
            campaign=campaign, rows=importing.csv_rows(stream), report=report, progress=progress
        )
    except importing.CsvProblem as exc:
        importing.import_finish(run=run, report=report, error=str(exc))
        raise InvalidInput(str(exc), field="file") from None
    return _import_done(campaign, run, report, actor)


def campaign_import_rows(
    *, campaign_id: int, rows: Iterable[Mapping[str, str]], actor: Actor
) -> ImportRun:
    """The bulk API: a list of row objects; `line` in the report is the 1-based index."""
    campaign = _importable(campaign_id)
    run = importing.import_start(campaign=campaign, source="api")
    report = importing.ImportReport()
    numbered = (
        (n, {k: "" if v is None else str(v) for k, v in row.items()})
        if isinstance(row, Mapping)
        else (n, {"__error__": "not an object"})
        for n, row in enumerate(rows, start=1)
    )
    importing.rows_import(campaign=campaign, rows=numbered, report=report)
    return _import_done(campaign, run, report, actor)


def _import_done(
    campaign: Campaign, run: ImportRun, report: importing.ImportReport, actor: Actor
) -> ImportRun:
    importing.import_finish(run=run, report=report)
    campaign_population_sync(campaign_id=campaign.pk, actor=actor, import_run=run)
    run.refresh_from_db()
    return run


@transaction.atomic(durable=True)
def campaign_population_sync(
    *, campaign_id: int, actor: Actor, import_run: ImportRun | None = None
) -> Campaign:
    """Counts per region of the real list become the incident's affected population."""
    now = now_utc()
    campaign = _campaign(campaign_id, lock=True)
    recipients = Recipient.objects.filter(campaign=campaign)
    regions = dict(
        recipients.exclude(region="").values_list("region").annotate(n=Count("pk")).order_by()
    )
    totals = ImportRun.objects.filter(campaign=campaign).values_list("duplicates", "rejected")
    campaign.recipients_count = recipients.count()
    campaign.duplicates_count = sum(d for d, _ in totals)
    campaign.rejected_count = sum(r for _, r in totals)
    campaign.region_counts = regions
    campaign.save(
        update_fields=["recipients_count", "duplicates_count", "rejected_count", "region_counts"]
    )
    incident = campaign.incident
    # The list only ever raises what is known: a first batch, a pilot or a second campaign of
    # a few people must not shrink the population the team stated (nor drop the duties it
    # brings); more people than believed raise it, and their thresholds follow.
    known = incident.residents or {}
    residents = {**known, **{r: max(n, known.get(r, 0)) for r, n in regions.items()}}
    changes: dict[str, Any] = {"residents": residents}
    people = max(campaign.recipients_count, residents_total(residents))
    if (incident.subjects_count or 0) < people:
        changes["subjects_count"] = people
    population_error = ""
    try:
        incident_update(incident_id=incident.pk, actor=actor, changes=changes, now=now)
    except DomainError as exc:  # e.g. an archived incident is read-only: the import stands
        population_error = exc.message
    except ValidationError as exc:  # e.g. above the stated subjects_max: the import stands
        population_error = "; ".join(exc.messages)
    audit_append(
        actor=actor_label(actor),
        action="campaign.recipients_imported",
        object_type="campaign",
        object_id=campaign.pk,
        data={
            "import": import_run.pk if import_run else None,
            "recipients": campaign.recipients_count,
            "duplicates": campaign.duplicates_count,
            "rejected": campaign.rejected_count,
            "regions": regions,
            "population_not_updated": population_error,
        },
        now=now,
    )
    return campaign


# --- starting ---------------------------------------------------------------------------------


def _batch(channel: str) -> int:
    if channel == "email":
        return max(1, min(settings.NOTIFICATIONS_EMAIL_BATCH, 1000))  # SendGrid's limit
    return max(1, settings.NOTIFICATIONS_SMS_BATCH)


def deliveries_create(campaign: Campaign) -> int:
    """One delivery per recipient x channel, in chunks of one language each (set-based SQL)."""
    table = Delivery._meta.db_table
    recipients = Recipient._meta.db_table
    languages = list(
        Recipient.objects.filter(campaign=campaign)
        .values_list("language", flat=True)
        .distinct()
        .order_by("language")
    )
    seq, total = 0, 0
    chunks: list[SendChunk] = []
    for channel in campaign.channels:
        flag = "has_email" if channel == "email" else "has_phone"
        size = _batch(channel)
        for language in languages:
            rendition = rendition_for(campaign=campaign, channel=channel, language=language)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (campaign_id, recipient_id, channel, state, seq, "  # noqa: S608  # nosec B608  # model tables, fixed flag
                    "provider, provider_message_id, tries, error) "
                    f"SELECT campaign_id, id, %s, %s, %s + (ROW_NUMBER() OVER (ORDER BY id) - 1) "
                    f"/ %s, '', '', 0, '' FROM {recipients} "
                    f"WHERE campaign_id = %s AND language = %s AND {flag} = %s",
                    [channel, states.QUEUED, seq, size, campaign.pk, language, True],
                )
                count = cursor.rowcount
            n_chunks = -(-count // size)
            chunks.extend(
                SendChunk(
                    campaign=campaign,
                    rendition=rendition,
                    channel=channel,
                    seq=seq + i,
                    size=min(size, count - i * size),
                )
                for i in range(n_chunks)
            )
            seq += n_chunks
            total += count
    SendChunk.objects.bulk_create(chunks, batch_size=2000)
    return total


@transaction.atomic(durable=True)
def campaign_start(
    *, campaign_id: int, actor: Actor, delay_reason: str = "", now: datetime | None = None
) -> Campaign:
    """Create the deliveries and fan the work out to the background workers.

    `delay_reason` (a DPO's): why the notice goes out after a duty's deadline. A duty it
    serves that the campaign completes after its deadline is then met late with it; without
    one such a duty stays open for a DPO (the law asks for the reason; BreachDesk does not
    invent it). Starting past a deadline without a reason is allowed: the API warns."""
    now = aware_utc(now or now_utc())
    delay_reason = _delay_reason(delay_reason, actor)
    campaign = _campaign(campaign_id, lock=True)
    if campaign.status != Status.DRAFT:
        raise DomainError(f"The campaign is already {campaign.status}.", field="status")
    if not Recipient.objects.filter(campaign=campaign).exists():
        raise DomainError("Import recipients before starting.", field="recipients")
    if campaign.notice_version_id:  # the approval may have been withdrawn since
        _approved_version(campaign.notice_version_id, incident_id=campaign.incident_id)
    elif delay_reason:
        raise InvalidInput(
            "delay_reason: this campaign sends its own content, not an approved notice, so it "
            "meets no duty and has no delay to explain.",
            field="delay_reason",
        )
    created = deliveries_create(campaign)
    # Only a notice a DPO approved can meet a duty, and only the duties it serves.
    duties = selectors.campaign_duties(campaign)
    overdue = list(duties.filter(due_at__lt=now).order_by("due_at", "pk"))
    campaign.obligation_ids = list(duties.values_list("pk", flat=True))
    campaign.status, campaign.started_at = Status.SENDING, now
    campaign.delay_reason = delay_reason
    campaign.save(update_fields=["status", "started_at", "obligation_ids", "delay_reason"])
    event_record(
        incident=campaign.incident,
        kind=EventKind.NOTICE_CAMPAIGN_STARTED,
        actor=actor,
        now=now,
        payload={
            "campaign": campaign.pk,
            "name": campaign.name,
            "recipients": campaign.recipients_count,
            "deliveries": created,
            "channels": campaign.channels,
            "overdue": [
                {"obligation": o.pk, "rule": o.rule_code, "due_at": iso(o.due_at)} for o in overdue
            ],
            "delay_reason": delay_reason,
        },
    )
    transaction.on_commit(partial(campaign_fan_out, campaign_id=campaign.pk))
    return campaign


def _delay_reason(reason: str, actor: Actor) -> str:
    reason = (reason or "").strip()
    if len(reason) > MAX_DELAY_REASON:
        raise InvalidInput(
            f"delay_reason is longer than {MAX_DELAY_REASON} characters.", field="delay_reason"
        )
    user = actor_user(actor)
    if reason and user is not None and not user.has_perm(MEET_PERMISSION):
        raise DomainError(
            "Only a DPO gives the reason for a delay (it meets a duty late).",
            code="forbidden",
            status=403,
            field="delay_reason",
        )
    return reason


def campaign_fan_out(*, campaign_id: int) -> None:
    """One background task per worker; each leases chunks until none is left."""
    workers = max(1, int(settings.Q_CLUSTER.get("workers", 1)))
    chunks = SendChunk.objects.filter(campaign_id=campaign_id).exclude(state="done").count()
    for _ in range(min(workers, chunks) or 1):
        async_task(WORK_TASK, campaign_id, task_name=f"campaign-{campaign_id}-work")


def campaign_has_leasable(*, campaign_id: int) -> bool:
    return SendChunk.objects.filter(leasable(now_utc()), campaign_id=campaign_id).exists()


def campaign_work(
    *,
    campaign_id: int,
    budget_seconds: float | None = None,
    progress: Callable[[ChunkOutcome], None] | None = None,
) -> dict[str, int]:
    """Lease and send chunks until none is left (or the time budget is spent)."""
    deadline = time.monotonic() + budget_seconds if budget_seconds else None
    totals = {"chunks": 0, "sent": 0, "failed": 0, "unknown": 0, "requeued": 0}
    while deadline is None or time.monotonic() < deadline:
        lease = chunk_lease(campaign_id=campaign_id)
        if lease is None:
            break
        outcome = chunk_send(lease)
        totals["chunks"] += 1
        for key in ("sent", "failed", "unknown", "requeued"):
            totals[key] += getattr(outcome, key)
        if progress:
            progress(outcome)
    campaign_complete_if_done(campaign_id=campaign_id)
    return totals


# --- retry, sweep, purge -------------------------------------------------------------------------


@transaction.atomic(durable=True)
def campaign_retry(
    *, campaign_id: int, actor: Actor, states_to_retry: Iterable[str] = states.RETRYABLE
) -> int:
    """Queue failed/bounced/unknown deliveries again (a person's decision, audited)."""
    now = now_utc()
    wanted = set(states_to_retry)
    if not wanted or wanted - states.RETRYABLE:
        raise InvalidInput(
            f"states must be among {', '.join(sorted(states.RETRYABLE))}.", field="states"
        )
    campaign = _campaign(campaign_id, lock=True)
    if campaign.purged_at:
        raise DomainError("The campaign's contact data has been purged.", field="purged_at")
    rows = Delivery.objects.filter(campaign=campaign, state__in=wanted)
    seqs = list(rows.values_list("seq", flat=True).distinct().order_by())
    count = rows.update(state=states.QUEUED, final_at=None)
    SendChunk.objects.filter(campaign=campaign, seq__in=seqs, state="done").update(
        state="pending", tries=0, not_before=None
    )
    if count and campaign.status == Status.COMPLETED:
        campaign.status = Status.SENDING
        campaign.save(update_fields=["status"])
    audit_append(
        actor=actor_label(actor),
        action="campaign.retried",
        object_type="campaign",
        object_id=campaign.pk,
        data={"states": sorted(wanted), "deliveries": count},
        now=now,
    )
    transaction.on_commit(partial(campaign_fan_out, campaign_id=campaign.pk))
    return count


@transaction.atomic(durable=True)
def letters_export_record(*, campaign_id: int, actor: Actor) -> None:
    """Reading people's addresses in clear is recorded on the audit chain."""
    audit_append(
        actor=actor_label(actor),
        action="campaign.letters_exported",
        object_type="campaign",
        object_id=campaign_id,
        data={},
        now=now_utc(),
    )


def unknown_requeue(*, now: datetime) -> int:
    """`unknown` with no receipt after the wait: the provider never took it; queue it again."""
    cutoff = now - timedelta(minutes=settings.NOTIFICATIONS_UNKNOWN_WAIT_MINUTES)
    stale = Delivery.objects.filter(state=states.UNKNOWN, attempted_at__lt=cutoff)
    pairs = set(stale.values_list("campaign_id", "seq").distinct().order_by())
    with transaction.atomic(durable=True):
        count = stale.update(
            state=states.QUEUED,
            error="No receipt arrived for an unknown outcome: queued again.",
        )
        for campaign_id, seq in pairs:
            SendChunk.objects.filter(campaign_id=campaign_id, seq=seq, state="done").update(
                state="pending", tries=0, not_before=None
            )
    return count


@transaction.atomic(durable=True)
def campaign_purge(*, campaign_id: int, now: datetime | None = None) -> int:
    """Delete the contact data; counts, statistics and delivery states stay (audited)."""
    now = aware_utc(now or now_utc())
    campaign = _campaign(campaign_id, lock=True)
    if campaign.purged_at:
        return 0
    purged = Recipient.objects.filter(campaign=campaign).update(contact=None, dedup_key=None)
    redacted = _delivery_errors_redact(campaign)
    campaign.purged_at = now
    campaign.save(update_fields=["purged_at"])
    audit_append(
        actor="system",
        action="campaign.contacts_purged",
        object_type="campaign",
        object_id=campaign.pk,
        data={
            "recipients": purged,
            "delivery_errors_redacted": redacted,
            "completed_at": iso(campaign.completed_at),
            "retention_days": settings.NOTIFICATIONS_CAMPAIGN_PURGE_DAYS,
            "stats_kept": campaign.stats,
        },
        now=now,
    )
    return purged


def _delivery_errors_redact(campaign: Campaign) -> int:
    """Provider error texts kept on the deliveries, without any address they quote (a
    campaign's errors are a handful of distinct texts: one UPDATE each)."""
    errors = (
        Delivery.objects.filter(campaign=campaign)
        .filter(Q(error__contains="@") | Q(error__contains="+"))
        .values_list("error", flat=True)
        .distinct()
        .order_by()
    )
    changed = 0
    for error in list(errors):
        if (clean := redact_contacts(error)) != error:
            changed += Delivery.objects.filter(campaign=campaign, error=error).update(error=clean)
    return changed


def campaigns_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Every minute: settle unknowns, restart abandoned work, complete, purge on schedule."""
    now = aware_utc(now or now_utc())
    report = {"requeued": unknown_requeue(now=now), "restarted": 0, "completed": 0, "purged": 0}
    for campaign_id in Campaign.objects.filter(status=Status.SENDING).values_list("pk", flat=True):
        if campaign_complete_if_done(campaign_id=campaign_id):
            report["completed"] += 1
        elif (
            SendChunk.objects.filter(leasable(now), campaign_id=campaign_id).exists()
            # A worker holding a live lease keeps going by itself: no extra tasks.
            and not SendChunk.objects.filter(
                campaign_id=campaign_id, state="leased", lease_until__gte=now
            ).exists()
        ):
            campaign_fan_out(campaign_id=campaign_id)
            report["restarted"] += 1
    cutoff = now - timedelta(days=settings.NOTIFICATIONS_CAMPAIGN_PURGE_DAYS)
    due = Campaign.objects.filter(
        status=Status.COMPLETED, completed_at__lt=cutoff, purged_at__isnull=True
    )
    for campaign_id in due.values_list("pk", flat=True):
        campaign_purge(campaign_id=campaign_id, now=now)
        report["purged"] += 1
    return report
