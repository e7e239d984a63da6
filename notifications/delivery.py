"""Delivery states shared by single messages and campaign deliveries (pure, no Django models).

    queued -> sending -> sent -> delivered | bounced | failed
                      -> failed            (permanent provider error, with its reason)
                      -> unknown           (the provider's answer was lost: decided by receipts)
                      -> queued            (429/5xx: retried after a back-off)

`sending` is committed BEFORE the provider is called and `sent`/`failed`/`unknown` right
after it answers, so a worker killed in between leaves `sending` behind: the next worker
turns it into `unknown` and never sends it blindly again.
"""

from types import MappingProxyType

QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
DELIVERED = "delivered"
BOUNCED = "bounced"
FAILED = "failed"
UNKNOWN = "unknown"

STATES: tuple[str, ...] = (QUEUED, SENDING, SENT, DELIVERED, BOUNCED, FAILED, UNKNOWN)
FINAL = frozenset({DELIVERED, BOUNCED, FAILED})
# States that count as "went out" for evidence (a receipt or the provider's acceptance).
ACCEPTED = frozenset({SENT, DELIVERED, BOUNCED})
# A message that reached (or may have reached) its recipient: SENDING is a worker that died
# during the provider call, UNKNOWN a lost answer. A retry must not send it again.
REACHED_OR_IN_FLIGHT = ACCEPTED | {SENDING, UNKNOWN}

# What a provider receipt may move a delivery to, from which states. A final state is never
# changed by a receipt (a late "processed" after "delivered" changes nothing).
RECEIPT_MOVES = MappingProxyType(
    {
        SENT: frozenset({SENDING, UNKNOWN}),
        DELIVERED: frozenset({SENDING, UNKNOWN, SENT}),
        BOUNCED: frozenset({SENDING, UNKNOWN, SENT}),
        FAILED: frozenset({SENDING, UNKNOWN, SENT}),
    }
)
# States a person may send again (retry action): never a delivered or in-flight one.
RETRYABLE = frozenset({FAILED, BOUNCED, UNKNOWN})
