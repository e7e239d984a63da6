"""Reads for reminders, the delivery log and the calendar feed."""

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from incidents.models import Incident, Obligation, Organization
from incidents.selectors import obligations_clock_running
from incidents.status import OPEN_STATUSES
from notifications.channels.base import ChannelKind
from notifications.delivery import QUEUED, REACHED_OR_IN_FLIGHT, UNKNOWN
from notifications.filings.models import Filing
from notifications.ical import CalendarEvent
from notifications.ladder import LadderPolicy, step_key
from notifications.messages import incident_admin_url
from notifications.models import (
    FALLBACK_AUDIENCE,
    CalendarFeedToken,
    EscalationLadder,
    OnCallContact,
    OutboundMessage,
    OutboxMessage,
    ReminderAttempt,
    ReminderDelivery,
)


@dataclass(frozen=True)
class Recipient:
    role: str  # assignee, dpo or on_call
    name: str
    channel: ChannelKind
    address: str

    def as_dict(self) -> dict[str, str]:
        return {"role": self.role, "name": self.name, "channel": self.channel, "to": self.address}


@dataclass(frozen=True)
class Ladders:
    by_audience: dict[str, EscalationLadder]

    def policy_for(self, audience: str) -> LadderPolicy | None:
        """The audience's own ladder; the fallback row only when it has none. Inactive = none."""
        row = self.by_audience.get(audience) or self.by_audience.get(FALLBACK_AUDIENCE)
        if row is None or not row.active:
            return None
        return LadderPolicy(
            offsets_hours=tuple(float(h) for h in row.offsets_hours),
            overdue_every_hours=row.overdue_every_hours,
        )

    @property
    def longest_overdue_every_hours(self) -> float:
        return max(
            (row.overdue_every_hours for row in self.by_audience.values() if row.active),
            default=0.0,
        )

    @property
    def widest_hours(self) -> float:
        offsets = [
            float(h) for row in self.by_audience.values() if row.active for h in row.offsets_hours
        ]
        return max(offsets, default=0.0)


def ladders_current() -> Ladders:
    return Ladders(by_audience={row.audience: row for row in EscalationLadder.objects.all()})


def organization_current() -> Organization | None:
    """The one organisation this installation serves."""
    return Organization.objects.order_by("pk").first()


def _step_undone(key: str | None = None, *, overdue_since: datetime | None = None) -> Exists:
    """An attempt of this obligation's current deadline for the step `key` (or, with
    `overdue_since`, for an overdue step at or after that moment) exists."""
    rows = ReminderAttempt.objects.filter(obligation=OuterRef("pk"), due_at=OuterRef("target_at"))
    if overdue_since is not None:
        rows = rows.filter(step_key__startswith="overdue-", step_at__gt=overdue_since)
    else:
        rows = rows.filter(step_key=key)
    return ~Exists(rows)


def _ladder_due(policy: LadderPolicy, now: datetime) -> Q:
    """SQL for "a step of this ladder has come and has no attempt" (mirrors ladder.due_steps)."""
    due = Q(pk__in=[])
    for offset in set(policy.offsets_hours):
        span = timedelta(hours=offset)
        due |= Q(
            Q(target_at__lte=now + span),
            Q(target_at__gte=F("clock_started_at") + span),
            _step_undone(step_key("remaining", offset)),
        )
    every = policy.overdue_every_hours
    if every > 0:
        # The latest overdue step lies in (now - every, now]; it is done iff an overdue
        # attempt of this deadline lies there too.
        due |= Q(
            Q(target_at__lte=now),
            _step_undone(overdue_since=now - timedelta(hours=every)),
        )
    return due


def obligations_for_reminders(*, now: datetime, ladders: Ladders) -> QuerySet[Obligation]:
    """Running duties of open incidents with a ladder step whose moment has come and that no
    attempt covers yet. The database decides, so an idle sweep loads nothing even with
    thousands of deadlines in the next 48 hours."""
    target = Coalesce("due_at", "soft_due_at")
    due = Q(pk__in=[])
    own = [a for a in ladders.by_audience if a != FALLBACK_AUDIENCE]
    for audience in ladders.by_audience:
        policy = ladders.policy_for(audience)
        if policy is None:
            continue
        who = ~Q(audience__in=own) if audience == FALLBACK_AUDIENCE else Q(audience=audience)
        due |= who & _ladder_due(policy, now)
    return (
        obligations_clock_running()
        .filter(clock_started_at__isnull=False)
        .filter(Q(due_at__isnull=False) | Q(soft_due_at__isnull=False))
        .annotate(target_at=target)
        .filter(target_at__lte=now + timedelta(hours=ladders.widest_hours))
        .filter(due)
        .select_related("incident", "incident__assignee")
        .order_by("target_at", "id")
    )


def obligations_missed_unrecorded(*, now: datetime) -> QuerySet[Obligation]:
    """Pending duties of live incidents past their hard deadline whose miss is not on the
    timeline yet (dismissed, closed and archived cases are left alone)."""
    return (
        obligations_clock_running()
        .filter(due_at__lt=now, missed_recorded_at__isnull=True)
        .order_by("due_at", "id")
    )


def reminder_steps_done(
    obligation_ids: list[int], *, since: datetime | None = None
) -> dict[tuple[int, datetime], set[str]]:
    """Step keys already claimed, per (obligation, deadline); with `since`, only the steps
    whose moment is at or after it (a sweep needs no older overdue steps)."""
    done: dict[tuple[int, datetime], set[str]] = defaultdict(set)
    rows = ReminderAttempt.objects.filter(obligation_id__in=obligation_ids)
    if since is not None:
        rows = rows.filter(Q(step_key__startswith="remaining-") | Q(step_at__gte=since))
    rows = rows.values_list("obligation_id", "due_at", "step_key")
    for obligation_id, due_at, key in rows:
        done[(obligation_id, due_at)].add(key)
    return done


def reminder_attempts_stale(*, now: datetime) -> QuerySet[ReminderAttempt]:
    """Claimed lead attempts whose lease ran out: a worker crashed or a retry is due."""
    return ReminderAttempt.objects.leads().lease_expired(now).order_by("lease_until", "id")


def recipient_key(recipient: Recipient) -> tuple[str, str]:
    """One recipient per channel and normalised address (how recipients are told apart)."""
    return (recipient.channel, recipient.address.strip().lower())


def reminder_messages_reached(
    attempt_ids: list[int],
) -> dict[int, dict[tuple[str, str], OutboundMessage]]:
    """Per reminder attempt, the messages earlier tries sent that reached (or may have
    reached) their recipient, by `recipient_key`: found through the ReminderDelivery links,
    so a digest that carried the attempt counts too. A `queued` one counts as well: its
    worker died before handing it over, and the outbound sweep sends it."""
    reached: dict[int, dict[tuple[str, str], OutboundMessage]] = defaultdict(dict)
    if not attempt_ids:
        return reached
    links = (
        ReminderDelivery.objects.filter(
            attempt_id__in=attempt_ids, message__state__in=REACHED_OR_IN_FLIGHT | {QUEUED}
        )
        .select_related("message")
        .order_by("message_id")
    )
    for link in links:
        message = link.message
        key = (message.channel, message.to.strip().lower())
        reached[link.attempt_id].setdefault(key, message)
    return reached


def reminder_recipients(
    incident: Incident, *, shared: list[Recipient] | None = None
) -> list[Recipient]:
    """Assignee (email), the DPO (email and SMS) and active on-call contacts, without repeats.
    `shared` (from `reminder_recipients_shared`) spares batch jobs re-reading the DPO and
    on-call list for every incident."""
    found: list[Recipient] = []
    assignee = incident.assignee
    if assignee is not None and assignee.is_active and assignee.email:
        name = assignee.get_full_name() or assignee.get_username()
        found.append(Recipient("assignee", name, "email", assignee.email))
    found.extend(reminder_recipients_shared() if shared is None else shared)
    unique: dict[tuple[str, str], Recipient] = {}
    for recipient in found:
        unique.setdefault(recipient_key(recipient), recipient)
    return list(unique.values())


def reminder_recipients_shared() -> list[Recipient]:
    """The recipients every incident shares: the DPO and the active on-call contacts."""
    found: list[Recipient] = []
    org = organization_current()
    if org is not None:
        name = org.dpo_name or "DPO"
        if org.dpo_email:
            found.append(Recipient("dpo", name, "email", org.dpo_email))
        if org.dpo_phone:
            found.append(Recipient("dpo", name, "sms", org.dpo_phone))
    for contact in OnCallContact.objects.active():
        for channel in contact.channels:
            address = contact.email if channel == "email" else contact.phone
            if address:
                found.append(Recipient("on_call", contact.name, channel, address))
    return found


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def calendar_feed_user(raw_token: str):
    """The active user owning this feed token, or None (unknown, rotated or deactivated)."""
    if not raw_token or len(raw_token) > 200:
        return None
    row = (
        CalendarFeedToken.objects.select_related("user")
        .filter(token_hash=token_digest(raw_token))
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    return row.user


def calendar_obligations(user) -> QuerySet[Obligation]:
    """Open duties with a date, for a user allowed to view incidents; nothing otherwise."""
    if user is None or not user.has_perm("incidents.view_incident"):
        return Obligation.objects.none()
    return (
        Obligation.objects.open()
        .filter(incident__status__in=OPEN_STATUSES, incident__archived_at__isnull=True)
        .filter(Q(due_at__isnull=False) | Q(soft_due_at__isnull=False))
        .select_related("incident")
        .order_by(Coalesce("due_at", "soft_due_at"), "id")
    )


# What the event's date is, by (due basis, has a hard limit).
CALENDAR_KIND = {
    ("law", True): "legal deadline",
    ("law", False): "target (guidance)",
    ("contract", True): "contract deadline",
    ("contract", False): "contract target",
    ("internal_target", True): "legal deadline",
    ("internal_target", False): "internal target",
}


def calendar_events(user) -> list[CalendarEvent]:
    """One event per open duty with a date, starting at the deadline, alarms 24 h and 1 h before."""
    base = settings.BREACHDESK_BASE_URL.rstrip("/")
    host = urlsplit(base).hostname or "breachdesk"
    events = []
    for obligation in calendar_obligations(user):
        target = obligation.due_at or obligation.soft_due_at
        incident = obligation.incident
        audience = obligation.audience.replace("_", " ")
        kind = CALENDAR_KIND[(obligation.due_basis, obligation.due_at is not None)]
        link = incident_admin_url(incident.pk)
        events.append(
            CalendarEvent(
                uid=f"obligation-{obligation.pk}@{host}",
                start=target,
                end=target + timedelta(minutes=15),
                summary=f"{incident.reference}: {audience} notice {kind} ({obligation.regime})",
                description=(
                    f"{incident.reference}: {incident.title}\n"
                    f"Notify: {obligation.recipient}\n"
                    f"Legal basis: {obligation.citation}\n"
                    f"Rule: {obligation.rule_code}\n"
                    f"{link}"
                ),
                url=link,
                last_modified=obligation.updated_at,
                alarms_before=(timedelta(hours=24), timedelta(hours=1)),
            )
        )
    return events


def reminder_lateness(*, since: datetime | None = None) -> dict[str, float | int]:
    """How late reminders went out (seconds after their step), over sent lead attempts."""
    rows = ReminderAttempt.objects.leads().filter(status="sent", lateness_seconds__isnull=False)
    if since is not None:
        rows = rows.filter(sent_at__gte=since)
    values = sorted(rows.values_list("lateness_seconds", flat=True))
    if not values:
        return {"count": 0}

    def pct(p: float) -> float:
        return round(values[min(len(values) - 1, int(p * len(values)))], 3)

    return {
        "count": len(values),
        "min": round(values[0], 3),
        "median": pct(0.5),
        "p95": pct(0.95),
        "max": round(values[-1], 3),
        "mean": round(sum(values) / len(values), 3),
    }


# --- operations metrics ---------------------------------------------------------------------


def delivery_counts() -> list[tuple[str, str, str, int]]:
    """(channel, provider, status, count) over the whole delivery log."""
    rows = (
        OutboxMessage.objects.order_by()
        .values_list("channel", "provider", "status")
        .annotate(n=Count("pk"))
    )
    return [(channel, provider, status, n) for channel, provider, status, n in rows]


def outbound_unknown() -> QuerySet[OutboundMessage]:
    """Single messages whose provider answer was lost, oldest first (no receipt yet)."""
    return OutboundMessage.objects.filter(state=UNKNOWN).order_by("created_at", "pk")


@dataclass(frozen=True)
class UnknownMessage:
    message: OutboundMessage
    obligations: list[Obligation]  # every duty it was sent for (a reminder digest: several)
    decidable: bool  # its receipt window has passed: a person may settle it now

    @property
    def obligation(self) -> Obligation | None:
        return self.obligations[0] if self.obligations else None


def outbound_unknown_duties(
    messages: list[OutboundMessage], *, now: datetime
) -> list[UnknownMessage]:
    """These messages, each with the duties it was sent for: the reminders it carried
    (ReminderDelivery) or the filing it sent (Filing.message); pages and other messages
    belong to their incident only. Three queries whatever the number of messages."""
    ids = [message.pk for message in messages]
    duties: dict[int, list[int]] = defaultdict(list)
    links = ReminderDelivery.objects.filter(message_id__in=ids).order_by("attempt_id")
    filings = Filing.objects.filter(message_id__in=ids).order_by("pk")
    for message_id, obligation_id in [
        *links.values_list("message_id", "attempt__obligation_id"),
        *filings.values_list("message_id", "obligation_id"),
    ]:
        if obligation_id not in duties[message_id]:
            duties[message_id].append(obligation_id)
    obligations = Obligation.objects.in_bulk([pk for found in duties.values() for pk in found])
    return [
        UnknownMessage(
            message=message,
            obligations=[obligations[pk] for pk in duties.get(message.pk, []) if pk in obligations],
            decidable=message.next_try_at is None or message.next_try_at <= now,
        )
        for message in messages
    ]


def outbound_unknown_with_duties(*, now: datetime) -> list[UnknownMessage]:
    """The unknown single messages, oldest first, each with the duties it was sent for."""
    return outbound_unknown_duties(list(outbound_unknown().select_related("incident")), now=now)
