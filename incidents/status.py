"""The incident lifecycle: the statuses, one action per status move, and the table they form.

    triage -> assessing -> notifiable | not_notifiable -> notifying -> closed
    (dismissed from triage or assessing; new facts send a case back to assessing)

Each move is one `StatusAction` with its permission and whether the register needs a
reason; the transition table is derived from the actions, so the API, the admin and the
web pages offer exactly the same moves. Preconditions that read the database (awareness,
assessment, open obligations) live with the service in `incidents/services/lifecycle.py`.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from django.db import models

from breachdesk.errors import DomainError, ErrorCode


class IncidentStatus(models.TextChoices):
    TRIAGE = "triage", "Triage"
    ASSESSING = "assessing", "Assessing"
    NOT_NOTIFIABLE = "not_notifiable", "Not notifiable (documented only)"
    NOTIFIABLE = "notifiable", "Notifiable"
    NOTIFYING = "notifying", "Notifying (duties being met)"
    CLOSED = "closed", "Closed"
    DISMISSED = "dismissed", "Dismissed (not a personal-data breach)"


S = IncidentStatus
TRIAGE_PERMISSION = "incidents.triage_incident"
DECIDE_PERMISSION = "incidents.decide_incident"


@dataclass(frozen=True)
class StatusAction:
    """One status move: from which statuses, to which, who may do it, what it needs."""

    name: str
    label: str
    sources: frozenset[str]
    target: str
    permission: str
    reason_required: bool = False  # the reason is part of the Art. 33(5) register


ACTIONS: tuple[StatusAction, ...] = (
    StatusAction(
        "start_assessment", "Start assessing", frozenset({S.TRIAGE}), S.ASSESSING, TRIAGE_PERMISSION
    ),
    StatusAction(
        "return_to_triage",
        "Return to triage",
        frozenset({S.ASSESSING}),
        S.TRIAGE,
        TRIAGE_PERMISSION,
    ),
    StatusAction(
        "dismiss",
        "Dismiss (not a personal-data breach)",
        frozenset({S.TRIAGE, S.ASSESSING}),
        S.DISMISSED,
        TRIAGE_PERMISSION,
        reason_required=True,
    ),
    StatusAction(
        "restore", "Restore to triage", frozenset({S.DISMISSED}), S.TRIAGE, TRIAGE_PERMISSION
    ),
    StatusAction(
        "decide_notifiable",
        "Decide: notifiable",
        frozenset({S.ASSESSING}),
        S.NOTIFIABLE,
        DECIDE_PERMISSION,
    ),
    StatusAction(
        "decide_not_notifiable",
        "Decide: not notifiable",
        frozenset({S.ASSESSING}),
        S.NOT_NOTIFIABLE,
        DECIDE_PERMISSION,
        reason_required=True,
    ),
    StatusAction(
        "start_notifying",
        "Start notifying",
        frozenset({S.NOTIFIABLE}),
        S.NOTIFYING,
        DECIDE_PERMISSION,
    ),
    # New facts can reopen the assessment of a decided case (EDPB 9/2022 II.D).
    StatusAction(
        "reassess",
        "Reassess (new facts)",
        frozenset({S.NOT_NOTIFIABLE, S.NOTIFIABLE, S.NOTIFYING}),
        S.ASSESSING,
        TRIAGE_PERMISSION,
    ),
    StatusAction(
        "close",
        "Close",
        frozenset({S.NOT_NOTIFIABLE, S.NOTIFIABLE, S.NOTIFYING}),
        S.CLOSED,
        DECIDE_PERMISSION,
    ),
    StatusAction("reopen", "Reopen", frozenset({S.CLOSED}), S.ASSESSING, DECIDE_PERMISSION),
)

TRANSITIONS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        status: frozenset(a.target for a in ACTIONS if status in a.sources)
        for status in IncidentStatus.values
    }
)

# Statuses whose clocks run: they appear in /upcoming, the calendar feed and reminders.
# Dismissed and closed cases leave them (archived ones too); reopening brings them back.
OPEN_STATUSES = frozenset(set(IncidentStatus.values) - {S.CLOSED, S.DISMISSED})
# Closed cases are read-only until reopened.
READ_ONLY_STATUSES = frozenset({S.CLOSED})


class IllegalTransition(DomainError):
    status = 409
    code = ErrorCode.ILLEGAL_TRANSITION


def allowed_targets(current: str) -> list[str]:
    return sorted(TRANSITIONS[S(current)])


def action_for(current: str, target: str) -> StatusAction:
    """The action that moves `current` to `target`; an illegal move is a 409 with the options."""
    if target not in S.values:
        raise IllegalTransition(
            f"Unknown status {target!r}.", field="to", status=400, allowed=allowed_targets(current)
        )
    for action in ACTIONS:
        if action.target == target and current in action.sources:
            return action
    raise IllegalTransition(
        f"An incident in {current!r} cannot move to {target!r}.",
        current=current,
        allowed=allowed_targets(current),
    )


def actions_to(target: str) -> list[StatusAction]:
    return [a for a in ACTIONS if a.target == target]
