"""Campaign reads: progress (counts per state, rate, ETA), the letters export, the list,
the duties a campaign's notice serves (and those already past their deadline)."""

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime

from django.db.models import Count, Min, QuerySet

from breachdesk.errors import DomainError
from breachdesk.timeutils import iso, now_utc
from incidents.models import Obligation
from incidents.models.obligation import ObligationStatus
from notifications import delivery as states
from notifications.models import (
    Campaign,
    ChunkState,
    Delivery,
    ImportRun,
    Recipient,
    SendChunk,
)


def campaign_list(*, incident_id: int | None = None) -> QuerySet[Campaign]:
    qs = Campaign.objects.select_related("incident")
    return qs.filter(incident_id=incident_id) if incident_id else qs


def campaign_get(campaign_id: int) -> Campaign:
    campaign = Campaign.objects.select_related("incident").filter(pk=campaign_id).first()
    if campaign is None:
        raise DomainError("Campaign not found.", code="not_found", status=404)
    return campaign


def import_get(*, campaign_id: int, import_id: int) -> ImportRun:
    run = ImportRun.objects.filter(pk=import_id, campaign_id=campaign_id).first()
    if run is None:
        raise DomainError("Import not found.", code="not_found", status=404)
    return run


def campaign_duties(campaign: Campaign) -> QuerySet[Obligation]:
    """The open duties to the people that the campaign's approved notice serves (none for a
    campaign with its own content): the California text does not meet Massachusetts' duty,
    whose notice may not say what California's must. Once started: those fixed at the start."""
    if campaign.started_at is not None:
        return Obligation.objects.filter(pk__in=campaign.obligation_ids)
    if not campaign.notice_version_id:
        return Obligation.objects.none()
    return Obligation.objects.filter(
        incident_id=campaign.incident_id,
        audience="individuals",
        status=ObligationStatus.PENDING,
        notices__versions=campaign.notice_version_id,
    ).distinct()


def campaign_duties_overdue(campaign: Campaign, *, now: datetime | None = None) -> list[Obligation]:
    """The duties it serves whose deadline had passed when it started (a draft: by now)."""
    at = campaign.started_at or now or now_utc()
    return list(campaign_duties(campaign).filter(due_at__lt=at).order_by("due_at", "pk"))


@dataclass(frozen=True)
class Progress:
    status: str
    total: int
    by_state: dict[str, int]
    done: int
    remaining: int
    rate_per_second: float | None
    eta_seconds: float | None
    started_at: str | None
    completed_at: str | None

    def as_dict(self) -> dict:
        return asdict(self)


def campaign_progress(campaign: Campaign, *, now: datetime | None = None) -> Progress:
    """Deliveries per state; rate = handed over per second since the start; ETA from it."""
    now = now or now_utc()
    counts = dict(
        Delivery.objects.filter(campaign=campaign)
        .values_list("state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_state = {state: counts.get(state, 0) for state in states.STATES}
    total = sum(by_state.values())
    remaining = by_state[states.QUEUED] + by_state[states.SENDING]
    done = total - remaining
    rate = eta = None
    if campaign.started_at and done:
        end = campaign.completed_at or now
        elapsed = max((end - campaign.started_at).total_seconds(), 0.001)
        rate = round(done / elapsed, 1)
        eta = round(remaining / rate, 1) if remaining and rate else 0.0
    return Progress(
        status=campaign.status,
        total=total,
        by_state=by_state,
        done=done,
        remaining=remaining,
        rate_per_second=rate,
        eta_seconds=eta,
        started_at=iso(campaign.started_at),
        completed_at=iso(campaign.completed_at),
    )


def campaign_next_work_at(campaign_id: int) -> datetime | None:
    """When a chunk not yet done becomes leasable (a lease expires, a back-off ends)."""
    chunks = SendChunk.objects.filter(campaign_id=campaign_id).exclude(state=ChunkState.DONE)
    if not chunks.exists():
        return None
    times = chunks.aggregate(lease=Min("lease_until"), backoff=Min("not_before"))
    candidates = [t for t in (times["lease"], times["backoff"]) if t is not None]
    return min(candidates) if candidates else now_utc()


LETTER_COLUMNS = ("recipient", "reason", "name", "address", "email", "phone", "language", "region")


def letters_rows(campaign: Campaign) -> Iterator[dict[str, str]]:
    """People to write to: no e-mail/phone, or every delivery to them failed or bounced."""
    if campaign.purged_at:
        raise DomainError("The campaign's contact data has been purged.", field="purged_at")
    bad = (states.FAILED, states.BOUNCED)
    failed = Delivery.objects.filter(campaign=campaign, state__in=bad).values("recipient_id")
    other = Delivery.objects.filter(campaign=campaign).exclude(state__in=bad)
    unreached = Recipient.objects.filter(campaign=campaign, pk__in=failed).exclude(
        pk__in=other.values("recipient_id")
    )
    letters = Recipient.objects.filter(campaign=campaign, has_email=False, has_phone=False)
    for reason, qs in (
        ("no email or phone", letters),
        ("every delivery failed or bounced", unreached),
    ):
        for pk, contact, language, region in qs.values_list(
            "pk", "contact", "language", "region"
        ).iterator(chunk_size=2000):
            contact = contact or {}
            yield {
                "recipient": str(pk),
                "reason": reason,
                "name": contact.get("name", ""),
                "address": contact.get("address", ""),
                "email": contact.get("email", ""),
                "phone": contact.get("phone", ""),
                "language": language,
                "region": region,
            }
