"""Calendar feed secrets: issue, rotate and revoke (audited)."""

import secrets
from datetime import datetime

from django.db import transaction

from breachdesk.timeutils import aware_utc, now_utc
from incidents.services.audit import audit_append
from notifications import selectors
from notifications.models import CalendarFeedToken


@transaction.atomic(durable=True)
def calendar_token_rotate(*, user, now: datetime | None = None) -> tuple[CalendarFeedToken, str]:
    """Issue a new feed secret for `user` (the old one stops working); returns (row, raw)."""
    now = aware_utc(now or now_utc())
    raw = secrets.token_urlsafe(32)
    token, created = CalendarFeedToken.objects.update_or_create(
        user=user, defaults={"token_hash": selectors.token_digest(raw), "created_at": now}
    )
    audit_append(
        actor=f"user:{user.get_username()}",
        action="calendar.token_created" if created else "calendar.token_rotated",
        object_type="user",
        object_id=user.pk,
        data={},
        now=now,
    )
    return token, raw


@transaction.atomic(durable=True)
def calendar_token_revoke(*, user, now: datetime | None = None) -> bool:
    """Delete the user's feed secret; False when there was none."""
    now = aware_utc(now or now_utc())
    deleted, _ = CalendarFeedToken.objects.filter(user=user).delete()
    if deleted:
        audit_append(
            actor=f"user:{user.get_username()}",
            action="calendar.token_revoked",
            object_type="user",
            object_id=user.pk,
            data={},
            now=now,
        )
    return bool(deleted)
