"""Integrations (register a monitoring tool, rotate its token or signing secret, change its
settings) and intake housekeeping (idempotency replies, raw payloads). The alerts themselves
are written by `ingest` (deliveries) and `links` (people's attach/detach)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from breachdesk.errors import DomainError, InvalidInput
from breachdesk.timeutils import aware_utc, now_utc
from incidents.intake.models import (
    AlertPayload,
    AlertSource,
    AwarenessProposal,
    IdempotencyRecord,
    Integration,
)
from incidents.intake.signatures import secret_generate, token_generate, token_hash, token_prefix
from incidents.services.audit import audit_append
from incidents.services.events import Actor, actor_label


@dataclass(frozen=True)
class IssuedIntegration:
    integration: Integration
    token: str  # shown once, never stored
    signing_secret: str = ""


def _check_group_by(group_by: Sequence[str]) -> list[str]:
    if not isinstance(group_by, list | tuple) or not all(
        isinstance(name, str) and name.strip() for name in group_by
    ):
        raise InvalidInput("group_by must be a list of label names.", field="group_by")
    return [name.strip() for name in group_by]


@transaction.atomic
def integration_create(
    *,
    name: str,
    source: str,
    actor: Actor = None,
    rate_limit_per_minute: int = 600,
    group_by: Sequence[str] = (),
    group_window_minutes: int = 60,
    propose_awareness: str = AwarenessProposal.NONE,
    with_signing_secret: bool = False,
    now: datetime | None = None,
) -> IssuedIntegration:
    """Register a monitoring tool; returns its token (and signing secret) exactly once."""
    now = aware_utc(now or now_utc())
    if source not in AlertSource.values:
        raise InvalidInput(
            f"source must be one of {', '.join(AlertSource.values)}.", field="source"
        )
    if propose_awareness not in AwarenessProposal.values:
        raise InvalidInput(
            f"propose_awareness must be one of {', '.join(AwarenessProposal.values)}.",
            field="propose_awareness",
        )
    if Integration.objects.filter(name=name).exists():
        raise DomainError(f"An integration named {name!r} already exists.", field="name")
    token = token_generate()
    secret = secret_generate() if with_signing_secret else ""
    integration = Integration(
        name=name,
        source=source,
        token_prefix=token_prefix(token),
        token_hash=token_hash(token),
        signing_secret=secret,
        rate_limit_per_minute=rate_limit_per_minute,
        group_by=_check_group_by(group_by),
        group_window_minutes=group_window_minutes,
        propose_awareness=propose_awareness,
        created_at=now,
        token_rotated_at=now,
    )
    integration.full_clean()
    integration.save()
    audit_append(
        actor=actor_label(actor),
        action="integration.created",
        object_type="integration",
        object_id=integration.pk,
        data={
            "name": name,
            "source": source,
            "token_prefix": integration.token_prefix,
            "signed": bool(secret),
        },
        now=now,
    )
    return IssuedIntegration(integration=integration, token=token, signing_secret=secret)


@transaction.atomic
def integration_rotate_token(
    *, integration_id: int, actor: Actor = None, now: datetime | None = None
) -> IssuedIntegration:
    """Issue a new token; the old one stops working at once."""
    now = aware_utc(now or now_utc())
    integration = Integration.objects.select_for_update().get(pk=integration_id)
    token = token_generate()
    old_prefix = integration.token_prefix
    integration.token_prefix, integration.token_hash = token_prefix(token), token_hash(token)
    integration.token_rotated_at = now
    integration.save(update_fields=["token_prefix", "token_hash", "token_rotated_at"])
    audit_append(
        actor=actor_label(actor),
        action="integration.token_rotated",
        object_type="integration",
        object_id=integration.pk,
        data={"old_prefix": old_prefix, "new_prefix": integration.token_prefix},
        now=now,
    )
    return IssuedIntegration(integration=integration, token=token)


@transaction.atomic
def integration_set_signing_secret(
    *,
    integration_id: int,
    generate: bool = False,
    secret: str = "",
    actor: Actor = None,
    now: datetime | None = None,
) -> IssuedIntegration:
    """Set the signing secret: generate one (returned once), take a tool's own (Sentry's
    Client Secret), or remove it (signatures no longer required)."""
    now = aware_utc(now or now_utc())
    secret = secret.strip()
    if generate and secret:
        raise InvalidInput("Either generate a secret or give one, not both.", field="secret")
    if secret and len(secret) < 16:
        raise InvalidInput("A signing secret needs at least 16 characters.", field="secret")
    if len(secret) > 200:
        raise InvalidInput("A signing secret has at most 200 characters.", field="secret")
    integration = Integration.objects.select_for_update().get(pk=integration_id)
    integration.signing_secret = secret_generate() if generate else secret
    integration.save(update_fields=["signing_secret"])
    action = "rotated" if integration.signing_secret else "removed"
    audit_append(
        actor=actor_label(actor),
        action=f"integration.signing_secret_{action}",
        object_type="integration",
        object_id=integration.pk,
        data={"name": integration.name},
        now=now,
    )
    return IssuedIntegration(
        integration=integration,
        token="",  # nosec B106  # empty: an existing token is never shown again
        signing_secret=integration.signing_secret if generate else "",
    )


@transaction.atomic
def integration_update(
    *,
    integration_id: int,
    changes: dict[str, Any],
    actor: Actor = None,
    now: datetime | None = None,
) -> Integration:
    """Change an integration's settings (never its token or secret: those have commands)."""
    now = aware_utc(now or now_utc())
    allowed = {
        "source",
        "rate_limit_per_minute",
        "group_by",
        "group_window_minutes",
        "propose_awareness",
        "is_active",
    }
    if unknown := sorted(set(changes) - allowed):
        raise InvalidInput(f"{unknown[0]} cannot be changed here.", field=unknown[0])
    integration = Integration.objects.select_for_update().get(pk=integration_id)
    diff = {}
    for name, value in changes.items():
        if name == "group_by":
            value = _check_group_by(value)
        if getattr(integration, name) != value:
            diff[name] = {"old": getattr(integration, name), "new": value}
            setattr(integration, name, value)
    if diff:
        integration.full_clean()
        integration.save(update_fields=list(diff))
        audit_append(
            actor=actor_label(actor),
            action="integration.updated",
            object_type="integration",
            object_id=integration.pk,
            data={"name": integration.name, "changes": diff},
            now=now,
        )
    return integration


def idempotency_prune(
    *, older_than: timedelta = timedelta(days=7), now: datetime | None = None
) -> int:
    """Forget replies older than `older_than` (senders retry within minutes, not weeks)."""
    now = aware_utc(now or now_utc())
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=now - older_than).delete()
    return deleted


def alert_payloads_purge(*, now: datetime | None = None) -> int:
    """Delete raw payloads older than BREACHDESK_INTAKE_UNLINKED_PAYLOAD_DAYS of alerts that
    are on no incident. An alert keeps its counts and times; the API then counts the deleted
    payloads in `payloads_pruned`. Runs daily (schedule `intake-payload-purge`)."""
    days = int(getattr(settings, "BREACHDESK_INTAKE_UNLINKED_PAYLOAD_DAYS", 90))
    if days <= 0:
        return 0
    now = aware_utc(now or now_utc())
    deleted, _ = AlertPayload.objects.filter(
        alert__incident__isnull=True, received_at__lt=now - timedelta(days=days)
    ).delete()
    return deleted
