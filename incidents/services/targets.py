"""The organisation's internal targets: working deadlines for duties with no fixed period."""

from datetime import datetime

from django.db import transaction

from breachdesk.errors import InvalidInput
from breachdesk.timeutils import aware_utc, now_utc
from incidents.models import InternalTarget
from incidents.services.audit import audit_append
from incidents.services.events import Actor, actor_label


@transaction.atomic
def internal_target_set(
    *, audience: str, hours: int, actor: Actor, note: str = "", now: datetime | None = None
) -> InternalTarget:
    """Change one audience's target; duties planned from now on use it (audited)."""
    now = aware_utc(now or now_utc())
    if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= 24 * 366:
        raise InvalidInput("hours must be a whole number between 1 and 8784.", field="hours")
    target = InternalTarget.objects.select_for_update().get(audience=audience)
    old = target.hours
    target.hours, target.note = hours, note
    target.save(update_fields=["hours", "note"])
    audit_append(
        actor=actor_label(actor),
        action="internal_target.changed",
        object_type="internal_target",
        object_id=audience,
        data={"old_hours": old, "hours": hours, "note": note},
        now=now,
    )
    return target
