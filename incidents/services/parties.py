"""Parties: the customers we serve as processor and the (sub-)processors we use."""

import re
from datetime import datetime
from typing import Any

import phonenumbers
from django.db import transaction

from breachdesk.errors import DomainError, ErrorCode, InvalidInput
from breachdesk.timeutils import aware_utc, now_utc
from incidents.models import Party
from incidents.models.party import PartyKind
from incidents.services.audit import audit_append
from incidents.services.events import Actor, actor_label

PARTY_FIELDS = (
    "kind",
    "name",
    "contact_name",
    "email",
    "phone",
    "language",
    "notice_hours",
    "contract_reference",
    "active",
)
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Z]{2})?$")


def _validate(party: Party) -> None:
    party.name = party.name.strip()
    if not party.name:
        raise InvalidInput("name is required.", field="name")
    if party.kind not in PartyKind.values:
        raise InvalidInput(f"kind must be one of {', '.join(PartyKind.values)}.", field="kind")
    if party.notice_hours is not None and party.kind != PartyKind.CUSTOMER:
        raise InvalidInput(
            "notice_hours (the contract's notice period) applies to customers only.",
            field="notice_hours",
        )
    if party.notice_hours is not None and not 1 <= party.notice_hours <= 24 * 366:
        raise InvalidInput("notice_hours must be between 1 and 8784.", field="notice_hours")
    if party.language and not LANGUAGE.match(party.language):
        raise InvalidInput(
            "language must be an ISO 639 code such as de, en or pt-BR.", field="language"
        )
    if party.phone:
        try:
            parsed = phonenumbers.parse(party.phone, None)
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is None or not phonenumbers.is_valid_number(parsed):
            raise InvalidInput(
                "phone must be an international number in E.164 form, e.g. +4930123456.",
                field="phone",
            )
        party.phone = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    duplicate = Party.objects.filter(kind=party.kind, name__iexact=party.name).exclude(pk=party.pk)
    if duplicate.exists():
        raise DomainError(
            f"A {party.kind} named {party.name!r} already exists.",
            field="name",
            code=ErrorCode.CONFLICT,
        )


def _audit(party: Party, action: str, actor: Actor, data: dict[str, Any], now: datetime) -> None:
    audit_append(
        actor=actor_label(actor),
        action=f"party.{action}",
        object_type="party",
        object_id=party.pk,
        data=data,
        now=now,
    )


@transaction.atomic
def party_create(*, actor: Actor, data: dict[str, Any], now: datetime | None = None) -> Party:
    """Record a customer, processor or sub-processor."""
    now = aware_utc(now or now_utc())
    party = Party(created_at=now, updated_at=now, **{k: data[k] for k in PARTY_FIELDS if k in data})
    _validate(party)
    party.full_clean(exclude=["created_at", "updated_at"])
    party.save()
    _audit(party, "created", actor, {k: getattr(party, k) for k in PARTY_FIELDS}, now)
    return party


@transaction.atomic
def party_update(
    *, party_id: int, actor: Actor, changes: dict[str, Any], now: datetime | None = None
) -> Party:
    """Edit a party; the duties already planned for it keep their recipient text."""
    now = aware_utc(now or now_utc())
    party = Party.objects.select_for_update().get(pk=party_id)
    if "kind" in changes and changes["kind"] != party.kind and party.obligations.exists():
        raise DomainError(
            "This party already has obligations: its kind cannot change.", field="kind"
        )
    diff = {}
    for field in PARTY_FIELDS:
        if field in changes and getattr(party, field) != changes[field]:
            diff[field] = {"old": getattr(party, field), "new": changes[field]}
            setattr(party, field, changes[field])
    if not diff:
        return party
    _validate(party)
    party.full_clean(exclude=["created_at", "updated_at"])
    party.updated_at = now
    party.save()
    _audit(party, "updated", actor, {"changes": diff}, now)
    return party


@transaction.atomic
def party_delete(*, party_id: int, actor: Actor, now: datetime | None = None) -> None:
    """Delete a party no incident refers to; otherwise deactivate it instead."""
    now = aware_utc(now or now_utc())
    party = Party.objects.select_for_update().get(pk=party_id)
    used = (
        party.obligations.exists()
        or party.incidents_as_controller.exists()
        or party.incidents_reported.exists()
    )
    if used:
        raise DomainError(
            "Incidents refer to this party: set active = false instead of deleting it.",
            field="party",
        )
    _audit(party, "deleted", actor, {"name": party.name, "kind": party.kind}, now)
    party.delete()
