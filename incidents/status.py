"""The incident lifecycle: one transition table and one checking function."""

from collections.abc import Mapping
from types import MappingProxyType

from django.db import models

from breachdesk.errors import DomainError, ErrorCode


class IncidentStatus(models.TextChoices):
    TRIAGE = "triage", "Triage"
    ASSESSING = "assessing", "Assessing"
    NOT_NOTIFIABLE = "not_notifiable", "Not notifiable (documented only)"
    NOTIFIABLE = "notifiable", "Notifiable"
    AUTHORITY_NOTIFIED = "authority_notified", "Authority notified"
    SUBJECTS_NOTIFIED = "subjects_notified", "Data subjects notified"
    CLOSED = "closed", "Closed"
    DISMISSED = "dismissed", "Dismissed (not a personal-data breach)"


S = IncidentStatus
TRANSITIONS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        S.TRIAGE: frozenset({S.ASSESSING, S.DISMISSED}),
        S.ASSESSING: frozenset({S.NOT_NOTIFIABLE, S.NOTIFIABLE, S.DISMISSED, S.TRIAGE}),
        # New facts can reopen the assessment of a breach judged not notifiable (EDPB 9/2022 II.D).
        S.NOT_NOTIFIABLE: frozenset({S.ASSESSING, S.CLOSED}),
        S.NOTIFIABLE: frozenset({S.AUTHORITY_NOTIFIED, S.ASSESSING}),
        S.AUTHORITY_NOTIFIED: frozenset({S.SUBJECTS_NOTIFIED, S.CLOSED}),
        S.SUBJECTS_NOTIFIED: frozenset({S.CLOSED}),
        S.CLOSED: frozenset({S.ASSESSING}),
        S.DISMISSED: frozenset({S.TRIAGE}),
    }
)

# Targets that record a DPO decision (approve, file, close) rather than triage work.
DECISION_TARGETS = frozenset(
    {S.NOT_NOTIFIABLE, S.NOTIFIABLE, S.AUTHORITY_NOTIFIED, S.SUBJECTS_NOTIFIED, S.CLOSED}
)


def transition_permission(target: str) -> str:
    """The permission a person needs to move an incident to `target`."""
    return (
        "incidents.decide_incident" if target in DECISION_TARGETS else "incidents.triage_incident"
    )


# Targets whose reason is part of the Art. 33(5) register and therefore mandatory.
REASON_REQUIRED = frozenset({S.DISMISSED, S.NOT_NOTIFIABLE})
# Statuses in which legal clocks keep running and reminders are sent.
OPEN_STATUSES = frozenset(
    {
        S.TRIAGE,
        S.ASSESSING,
        S.NOTIFIABLE,
        S.AUTHORITY_NOTIFIED,
        S.SUBJECTS_NOTIFIED,
        S.NOT_NOTIFIABLE,
    }
)


class IllegalTransition(DomainError):
    status = 409
    code = ErrorCode.ILLEGAL_TRANSITION


def allowed_targets(current: str) -> list[str]:
    return sorted(TRANSITIONS[S(current)])


def check_transition(current: str, target: str) -> None:
    if target not in S.values:
        raise IllegalTransition(
            f"Unknown status {target!r}.", field="to", status=400, allowed=allowed_targets(current)
        )
    if target not in TRANSITIONS[S(current)]:
        raise IllegalTransition(
            f"An incident in {current!r} cannot move to {target!r}.",
            current=current,
            allowed=allowed_targets(current),
        )
