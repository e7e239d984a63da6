"""Completing a campaign: its evidence, and the duties its approved notice meets.

Only a campaign built on a notice a DPO approved meets duties, only those its notice serves,
and only when the people it reached cover the population the incident states for the duty's
scope; otherwise the duty stays open and the evidence says why (docs/campaigns.md). A duty
reached after its deadline is met late only with the reason for the delay a DPO gave when
starting the campaign; without one it stays open for a DPO to meet by hand with the reason.
"""

from collections.abc import Mapping
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Max, Min

from breachdesk.errors import DomainError
from breachdesk.timeutils import aware_utc, iso, now_utc
from incidents.models import Incident
from incidents.models.incident import EventKind
from incidents.models.obligation import ObligationStatus
from incidents.services.events import event_record
from incidents.services.obligations import obligation_meet
from incidents.validation import residents_total
from notifications import delivery as states
from notifications.models import Campaign, Delivery
from notifications.models import CampaignStatus as Status

OPEN_STATES = (states.QUEUED, states.SENDING, states.UNKNOWN)


def campaign_stats(campaign_id: int) -> dict[str, dict[str, int]]:
    rows = (
        Delivery.objects.filter(campaign_id=campaign_id)
        .values_list("channel", "state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    stats: dict[str, dict[str, int]] = {}
    for channel, state, n in rows:
        stats.setdefault(channel, {})[state] = n
    return stats


def campaign_complete_if_done(*, campaign_id: int) -> bool:
    """Complete the campaign when no delivery is queued, in flight or unknown."""
    if Delivery.objects.filter(campaign_id=campaign_id, state__in=OPEN_STATES).exists():
        return False
    if not Campaign.objects.filter(pk=campaign_id, status=Status.SENDING).exists():
        return False
    return campaign_complete(campaign_id=campaign_id)


NO_NOTICE = (
    "This campaign sent its own content, not a notice a DPO approved: it meets no duty. A DPO "
    "who judges it a valid notice of a duty meets that duty by hand (POST "
    "/api/v1/obligations/{id}/meet/) with this evidence."
)
NOT_COVERED = (
    "reached {reached} of {stated} stated: the duty stays open until the rest are told (letters, "
    "substitute notice); a DPO then meets it by hand (POST /api/v1/obligations/{id}/meet/) with "
    "this evidence"
)
LATE = (
    "sent after the deadline: the duty stays open; a DPO meets it by hand with the reason for "
    "the delay (or gives delay_reason when starting a campaign)"
)
LATE_WITH_REASON = "sent after the deadline: met late with the reason the DPO gave at the start"


def _coverage(
    incident: Incident, jurisdiction: str, reached: int, by_region: Mapping[str, int]
) -> tuple[int, int | None]:
    """(people reached, people stated) for a duty's scope.

    The incident's residents of the duty's region (a country's count holds its subdivisions')
    when it counts them and its residents account for everyone it states affected; else
    everyone affected (subjects_count) against everyone reached: a list that wrote its own
    regional count (population feedback) must not cover an incident stating 40,000 people.
    Stated is None when the incident states no count (then the people reached cover it)."""
    residents = incident.residents or {}
    stated = incident.subjects_count
    if jurisdiction in residents and (stated is None or residents_total(residents) >= stated):
        inside = sum(
            n for r, n in by_region.items() if r == jurisdiction or r.startswith(f"{jurisdiction}-")
        )
        return inside, residents[jurisdiction]
    return reached, stated


@transaction.atomic(durable=True)
def campaign_complete(*, campaign_id: int, now: datetime | None = None) -> bool:
    """Record the evidence, meet the duties its approved notice serves for the people it
    covers, and land on the timeline (what it met, and why not the rest)."""
    now = aware_utc(now or now_utc())
    campaign = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
    if campaign is None:
        raise DomainError("Campaign not found.", code="not_found", status=404)
    if campaign.status != Status.SENDING:
        return False
    deliveries = Delivery.objects.filter(campaign=campaign)
    times = deliveries.aggregate(first=Min("sent_at"), last=Max("sent_at"))
    stats = campaign_stats(campaign.pk)
    accepted = deliveries.filter(state__in=states.ACCEPTED)
    reached = accepted.values("recipient").distinct().count()
    by_region = dict(
        accepted.values_list("recipient__region")
        .annotate(n=Count("recipient", distinct=True))
        .order_by()
    )
    failures = {
        state: sum(s.get(state, 0) for s in stats.values())
        for state in (states.FAILED, states.BOUNCED)
    }
    evidence = {
        "campaign": campaign.pk,
        "notice_version": campaign.notice_version_id,
        "recipients": campaign.recipients_count,
        "recipients_reached": reached,
        "deliveries": stats,
        "failures": failures,
        "first_sent_at": iso(times["first"]),
        "last_sent_at": iso(times["last"]),
        "duplicates_dropped": campaign.duplicates_count,
        "rows_rejected": campaign.rejected_count,
        "regions": campaign.region_counts,
    }
    met_at = min(times["last"] or now, now)
    duties, to_meet = [], []
    for obligation in campaign.incident.obligations.filter(
        pk__in=campaign.obligation_ids if campaign.notice_version_id else [],
        status=ObligationStatus.PENDING,
    ).order_by("pk"):
        inside, stated = _coverage(campaign.incident, obligation.jurisdiction, reached, by_region)
        late = bool(obligation.due_at and met_at > obligation.due_at)
        row = {
            "obligation": obligation.pk,
            "rule": obligation.rule_code,
            "reached": inside,
            "stated": stated,
            "met": False,
            "late": late,
            "reason": f"reached {inside} of {stated} stated",
        }
        if stated is not None and inside < stated:
            row["reason"] = NOT_COVERED.format(reached=inside, stated=stated, id=obligation.pk)
        elif late and not campaign.delay_reason:
            row["reason"] = LATE  # the law asks for the reason; BreachDesk does not invent it
        else:
            row["met"] = True
            if late:
                row["reason"] = LATE_WITH_REASON
            to_meet.append((obligation, inside, stated, late))
        duties.append(row)
    evidence["duties"] = duties
    if not campaign.notice_version_id:
        evidence["duties_note"] = NO_NOTICE
    campaign.status, campaign.completed_at = Status.COMPLETED, now
    campaign.first_sent_at, campaign.last_sent_at = times["first"], times["last"]
    campaign.stats, campaign.evidence = stats, evidence
    campaign.save(
        update_fields=[
            "status",
            "completed_at",
            "first_sent_at",
            "last_sent_at",
            "stats",
            "evidence",
        ]
    )
    event_record(
        incident=campaign.incident,
        kind=EventKind.NOTICE_CAMPAIGN_COMPLETED,
        actor="system",
        now=now,
        payload=evidence,
    )
    for obligation, inside, stated, late in to_meet:
        obligation_meet(
            obligation_id=obligation.pk,
            actor="system",
            met_at=met_at,
            # Late: the reason the DPO gave when starting the campaign (audited there).
            delay_reason=campaign.delay_reason if late else "",
            evidence={
                # How the duty was met (channel, recipient, reference): the campaign itself;
                # its full evidence is on the campaign and the timeline event.
                "channel": "email" if "email" in (campaign.channels or []) else "sms",
                "recipient": f"{inside} of {inside if stated is None else stated} affected "
                "people reached",
                "reference": f"notice campaign {campaign.pk}",
                "campaign": campaign.pk,
            },
            now=now,
        )
    return True
