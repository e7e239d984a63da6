"""Writes of the notifications app, one module per topic:

- `reminders`: the deadline reminder sweep (claims in `reminder_claims`, outcomes in
  `reminder_outcomes`); exactly once because a claim is committed before any provider call;
- `paging`: paging the DPO and on-call list about a new incident;
- `deliver`: messages to reminder/page recipients through the outbound layer
  (`notifications.outbound.send_many`); `reminder_messages`: which messages carry a sweep
  batch's reminders (one per duty, or one digest per recipient);
- `schedules`: the periodic jobs;
- `calendar_tokens`: calendar feed secrets.

Notice campaigns live in `notifications.campaigns`, single messages in
`notifications.outbound`, provider receipts in `notifications.receipts`.
The public names are importable from here.
"""

from notifications.services.calendar_tokens import calendar_token_revoke, calendar_token_rotate
from notifications.services.deliver import deliver
from notifications.services.paging import incident_page_on_call
from notifications.services.reminder_claims import (
    LEASE,
    MAX_TRIES,
    Claim,
    ClaimRequest,
    reminder_claim,
    reminder_claim_many,
    reminder_reclaim,
)
from notifications.services.reminder_outcomes import (
    Outcome,
    reminder_finish,
    reminder_finish_many,
)
from notifications.services.reminders import SWEEP_BATCH, SweepReport, reminders_sweep
from notifications.services.schedules import (
    SCHEDULES,
    SWEEP_SCHEDULE_NAME,
    SWEEP_TASK,
    schedules_ensure,
)

__all__ = [
    "LEASE",
    "MAX_TRIES",
    "SCHEDULES",
    "SWEEP_BATCH",
    "SWEEP_SCHEDULE_NAME",
    "SWEEP_TASK",
    "Claim",
    "ClaimRequest",
    "Outcome",
    "SweepReport",
    "calendar_token_revoke",
    "calendar_token_rotate",
    "deliver",
    "incident_page_on_call",
    "reminder_claim",
    "reminder_claim_many",
    "reminder_finish",
    "reminder_finish_many",
    "reminder_reclaim",
    "reminders_sweep",
    "schedules_ensure",
]
