"""Status moves: one service runs every `StatusAction` (API, admin, web pages and tasks alike).

It locks the incident, finds the action for the move, checks the actor's permission and the
action's preconditions, stamps the status and writes the timeline event with its audit
entry, all in one transaction.
"""

from collections.abc import Callable
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from breachdesk.errors import DomainError, ErrorCode, InvalidInput
from breachdesk.timeutils import aware_utc, now_utc
from incidents import selectors
from incidents.models import Incident
from incidents.models.incident import EventKind
from incidents.models.obligation import MET_STATUSES
from incidents.services.events import Actor, event_record
from incidents.services.locks import incident_lock
from incidents.status import ACTIONS, IncidentStatus, StatusAction, action_for

S = IncidentStatus


def _needs_awareness(incident: Incident, action: StatusAction) -> None:
    if incident.aware_at is None:
        raise DomainError(
            "Set aware_at (the moment of awareness, with its basis) before assessing: "
            "it starts the legal clocks.",
            field="aware_at",
            status=409,
            code=ErrorCode.PRECONDITION_FAILED,
        )


def _rests_on_assessment(incident: Incident, action: StatusAction) -> None:
    """A notifiability decision must rest on the current assessment (or a DPO's override)."""
    to = action.target
    current = selectors.incident_current_assessment(incident)
    if current is None:
        raise DomainError(
            f"Moving to {to!r} is a decision that must rest on a risk assessment: "
            "POST /assessments/ first.",
            field="assessment",
            code=ErrorCode.PRECONDITION_FAILED,
        )
    says_notify = current.notify_authority
    if (to == S.NOTIFIABLE) != says_notify:
        raise DomainError(
            f"The current assessment (v{current.version}, {current.risk_level}) says the "
            f"authority {'must' if says_notify else 'need not'} be notified; record a DPO "
            "override with a justification before deciding otherwise.",
            field="assessment",
            code=ErrorCode.PRECONDITION_FAILED,
            risk_level=current.risk_level,
        )


def _no_open_obligation(incident: Incident, action: StatusAction) -> None:
    """Closing needs every duty met, waived by a DPO with a justification, or not required."""
    open_ones = list(selectors.obligations_open_of(incident))
    if open_ones:
        raise DomainError(
            f"{len(open_ones)} obligation(s) are still open: meet them, or have a DPO waive "
            "them with a justification, before closing.",
            field="obligations",
            code=ErrorCode.PRECONDITION_FAILED,
            open_obligations=[
                {
                    "id": o.pk,
                    "rule_code": o.rule_code,
                    "audience": o.audience,
                    "recipient": o.recipient,
                    "status": o.status,
                    "due_at": o.due_at.isoformat() if o.due_at else None,
                }
                for o in open_ones
            ],
        )


def _nobody_told_yet(incident: Incident, action: StatusAction) -> None:
    """ "Not a personal-data breach" cannot follow a breach notification that went out: once a
    duty is met (the authority, a customer or the people were told), the case is closed, with
    its remaining duties met or waived by a DPO, never dismissed."""
    told = list(incident.obligations.filter(status__in=MET_STATUSES).order_by("met_at", "id"))
    if told:
        raise DomainError(
            f"{len(told)} notification(s) about this breach already went out: it cannot be "
            "dismissed as no breach. Close it instead (a DPO meets or waives the open duties).",
            field="status",
            code=ErrorCode.PRECONDITION_FAILED,
            met_obligations=[
                {"id": o.pk, "rule_code": o.rule_code, "recipient": o.recipient} for o in told
            ],
        )


PRECONDITIONS: dict[str, tuple[Callable[[Incident, StatusAction], None], ...]] = {
    "start_assessment": (_needs_awareness,),
    "decide_notifiable": (_rests_on_assessment,),
    "decide_not_notifiable": (_rests_on_assessment,),
    "close": (_no_open_obligation,),
    "dismiss": (_nobody_told_yet,),
}


def action_permitted(actor: Actor, action: StatusAction) -> bool:
    """People need the action's permission; machine principals (tasks, services) are trusted."""
    if isinstance(actor, AbstractBaseUser):
        return actor.has_perm(action.permission)
    return True


def actions_available(status: str, actor: Actor) -> list[StatusAction]:
    """The moves from `status` this actor may make (preconditions are checked when run)."""
    return [a for a in ACTIONS if status in a.sources and action_permitted(actor, a)]


def status_apply(
    *,
    incident: Incident,
    action: StatusAction,
    actor: Actor,
    now: datetime,
    comment: str = "",
) -> Incident:
    """Stamp the move and write its event; the caller holds the incident lock."""
    current = incident.status
    incident.status = action.target
    incident.status_changed_at = now
    fields = ["status", "status_changed_at", "updated_at"]
    if current == S.TRIAGE and incident.triaged_at is None:
        incident.triaged_at = now
        fields.append("triaged_at")
    if action.reason_required:
        incident.decision_reason = comment
        fields.append("decision_reason")
    incident.updated_at = now
    incident.save(update_fields=fields)
    event_record(
        incident=incident,
        kind=EventKind.TRANSITIONED,
        actor=actor,
        now=now,
        payload={"from": current, "to": action.target, "action": action.name, "comment": comment},
    )
    return incident


@transaction.atomic
def incident_transition(
    *, incident_id: int, actor: Actor, to: str, comment: str = "", now: datetime | None = None
) -> Incident:
    """Move an incident by one action; illegal moves raise 409 with the options."""
    now = aware_utc(now or now_utc())
    incident = incident_lock(incident_id)
    action = action_for(incident.status, to)
    if not action_permitted(actor, action):
        raise DomainError(
            f"Your role cannot {action.label.lower()} ({incident.status!r} -> {to!r}).",
            code=ErrorCode.FORBIDDEN,
            status=403,
        )
    comment = comment.strip()
    if action.reason_required and not comment:
        raise InvalidInput(
            f"Moving to {to!r} requires a reason in comment (Art. 33(5) register).", field="comment"
        )
    for check in PRECONDITIONS.get(action.name, ()):
        check(incident, action)
    return status_apply(incident=incident, action=action, actor=actor, now=now, comment=comment)


def incident_check_writable(incident: Incident) -> None:
    """Closed cases are read-only until a DPO reopens them; archived ones until unarchived."""
    if incident.status == S.CLOSED:
        raise DomainError(
            "Closed incidents are read-only; reopen it first.",
            field="status",
            code=ErrorCode.CONFLICT,
        )
