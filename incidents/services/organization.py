"""The organisation profile: validate a change, save it, audit it, re-plan the open incidents.

The profile decides which rules reach an incident (role, country, sectors) and which
authority is competent (lead authority, EU/EEA establishment), so a change re-plans the
obligations of every open incident in the same transaction and says what moved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pycountry
from django.core.exceptions import ValidationError
from django.db import transaction

from breachdesk.errors import InvalidInput
from breachdesk.timeutils import aware_utc, iso, now_utc
from incidents.models import Authority, Incident, Obligation, Organization
from incidents.models.obligation import ObligationStatus
from incidents.models.organization import OrgRole
from incidents.rules import regions, vocab
from incidents.services.audit import audit_append
from incidents.services.events import Actor, actor_label
from incidents.services.locks import incident_lock
from incidents.services.planning import obligations_refresh
from incidents.status import OPEN_STATUSES

EDITABLE_FIELDS: tuple[str, ...] = (
    "legal_name",
    "role",
    "country",
    "lead_authority",
    "has_eu_establishment",
    "eu_representative_country",
    "dpo_name",
    "dpo_email",
    "dpo_phone",
    "sectors",
    "languages",
)
#: Fields the planner reads: changing one re-plans every open incident.
PLANNING_FIELDS: frozenset[str] = frozenset(
    {
        "role",
        "country",
        "lead_authority",
        "has_eu_establishment",
        "eu_representative_country",
        "sectors",
    }
)
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


def _country(value: Any) -> str:
    code = str(value or "").strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise InvalidInput(
            f"country must be an ISO 3166-1 alpha-2 code such as DE or NO, got {value!r}.",
            field="country",
        )
    return code


def _lead_authority(value: Any) -> str:
    code = str(value or "").strip().upper()
    if not code:
        return ""
    authority = Authority.objects.active().filter(code=code).first()
    if authority is None:
        raise InvalidInput(
            f"lead_authority {value!r} is not in the authority registry "
            "(GET /api/v1/authorities/?kind=dpa lists the codes).",
            field="lead_authority",
        )
    if authority.kind != "dpa":
        raise InvalidInput(
            f"lead_authority must be a data-protection authority; {code} is a {authority.kind}.",
            field="lead_authority",
        )
    return code


def _string_list(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"{name} must be a list of strings.", field=name)
    return list(dict.fromkeys(v.strip() for v in value))


def _sectors(value: Any) -> list[str]:
    sectors = _string_list(value, "sectors")
    unknown = [s for s in sectors if s not in vocab.ENTITY_TYPE_VALUES]
    if unknown:
        raise InvalidInput(
            f"Unknown sector(s) {unknown}; choose from {sorted(vocab.ENTITY_TYPE_VALUES)}.",
            field="sectors",
        )
    return sectors


def _languages(value: Any) -> list[str]:
    languages = [v.lower() for v in _string_list(value, "languages")]
    unknown = [v for v in languages if len(v) != 2 or pycountry.languages.get(alpha_2=v) is None]
    if unknown:
        raise InvalidInput(
            f"languages must be ISO 639-1 codes such as en, de, nb; not {unknown}.",
            field="languages",
        )
    return languages


def _text(name: str, limit: int, *, required: bool = False):
    def clean(value: Any) -> str:
        text = str(value if value is not None else "").strip()
        if required and not text:
            raise InvalidInput(f"{name} may not be empty.", field=name)
        if len(text) > limit:
            raise InvalidInput(f"{name} is longer than {limit} characters.", field=name)
        return text

    return clean


def _role(value: Any) -> str:
    if value not in OrgRole.values:
        raise InvalidInput(f"role must be one of {OrgRole.values}, got {value!r}.", field="role")
    return value


def _phone(value: Any) -> str:
    phone = str(value or "").strip().replace(" ", "")
    if phone and not _E164.match(phone):
        raise InvalidInput("dpo_phone must be in E.164 form, e.g. +4930123456.", field="dpo_phone")
    return phone


def _establishment(value: Any) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise InvalidInput(
            "has_eu_establishment must be true, false or null (derive from country).",
            field="has_eu_establishment",
        )
    return value


def _representative_country(value: Any) -> str:
    code = str(value or "").strip().upper()
    if code and code not in regions.EEA_MEMBER_STATES:
        raise InvalidInput(
            "eu_representative_country must be an EU/EEA member state (ISO 3166-1 alpha-2, "
            f"e.g. IE or FR), or empty; got {value!r}.",
            field="eu_representative_country",
        )
    return code


_CLEANERS = {
    "legal_name": _text("legal_name", 200, required=True),
    "role": _role,
    "country": _country,
    "lead_authority": _lead_authority,
    "has_eu_establishment": _establishment,
    "eu_representative_country": _representative_country,
    "dpo_name": _text("dpo_name", 200),
    "dpo_email": _text("dpo_email", 254),
    "dpo_phone": _phone,
    "sectors": _sectors,
    "languages": _languages,
}


def organization_clean(values: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise profile values; InvalidInput names the first bad field."""
    unknown = sorted(set(values) - set(EDITABLE_FIELDS))
    if unknown:
        raise InvalidInput(f"Unknown field {unknown[0]!r}.", field=unknown[0])
    return {name: _CLEANERS[name](value) for name, value in values.items()}


@dataclass
class ProfileChange:
    """What a profile update did: the field changes and, per re-planned incident, the
    obligations added, removed and re-timed."""

    organization: Organization
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    replanned: list[dict[str, Any]] = field(default_factory=list)


def _snapshot(incident: Incident) -> dict[int, tuple]:
    return {
        o.pk: (
            f"{o.rule_code} [{o.recipient_key}]" if o.recipient_key else o.rule_code,
            o.status,
            o.due_at,
            o.soft_due_at,
            (o.recipient_authority or {}).get("code"),
        )
        for o in Obligation.objects.filter(incident=incident)
    }


def _is_live(status: str) -> bool:
    return status != ObligationStatus.NOT_REQUIRED


def _obligation_diff(before: dict[int, tuple], after: dict[int, tuple]) -> dict[str, list]:
    """Obligations that now apply (added), no longer apply (removed), whose due time moved
    (retimed, with old -> new) or whose authority changed (readdressed, old -> new code)."""
    added, removed, retimed, readdressed = [], [], [], []
    for pk, (code, status, due, soft, authority) in sorted(after.items()):
        old = before.get(pk)
        if old is None or (not _is_live(old[1]) and _is_live(status)):
            if _is_live(status):
                added.append({"rule": code, "status": status, "due_at": iso(due)})
            continue
        if _is_live(old[1]) and not _is_live(status):
            removed.append({"rule": code, "was": old[1]})
            continue
        if old[4] != authority:
            readdressed.append({"rule": code, "authority": {"old": old[4], "new": authority}})
        if (old[2], old[3]) != (due, soft):
            retimed.append(
                {
                    "rule": code,
                    "due_at": {"old": iso(old[2]), "new": iso(due)},
                    "soft_due_at": {"old": iso(old[3]), "new": iso(soft)},
                }
            )
    return {"added": added, "removed": removed, "retimed": retimed, "readdressed": readdressed}


def _replan_open_incidents(*, actor: Actor, now: datetime) -> list[dict[str, Any]]:
    """Refresh every open incident's obligations, in id order (the lock order)."""
    ids = list(
        Incident.objects.filter(status__in=OPEN_STATUSES, archived_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    out = []
    for incident_id in ids:
        incident = incident_lock(incident_id)
        before = _snapshot(incident)
        obligations_refresh(incident=incident, actor=actor, now=now)
        diff = _obligation_diff(before, _snapshot(incident))
        out.append({"incident": incident.pk, "reference": incident.reference, **diff})
    return out


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, list | tuple) else value


@transaction.atomic  # not durable: the admin saves inside its own transaction
def organization_update(
    *, actor: Actor, changes: dict[str, Any], now: datetime | None = None
) -> ProfileChange:
    """Change the organisation profile (creating it if there is none yet), audit old -> new
    and, when a field the planner reads changed, re-plan every open incident."""
    now = aware_utc(now or now_utc())
    values = organization_clean(changes)
    org = Organization.objects.select_for_update().order_by("pk").first()
    created = org is None
    if created:
        missing = [name for name in ("legal_name", "country") if not values.get(name)]
        if missing:
            raise InvalidInput(
                f"There is no organisation profile yet: {missing[0]} is required to create it.",
                field=missing[0],
            )
        org = Organization()
    diff = {
        name: {"old": None if created else _jsonable(getattr(org, name)), "new": value}
        for name, value in values.items()
        if created or getattr(org, name) != value
    }
    result = ProfileChange(organization=org, changes=diff)
    if not diff:
        return result
    for name in diff:
        setattr(org, name, values[name])
    try:
        org.full_clean()
    except ValidationError as exc:  # one-row rules of the model (e-mail shape, lengths)
        name, errors = next(iter(exc.message_dict.items()))
        raise InvalidInput(f"{name}: {errors[0]}", field=name) from exc
    org.save()
    if created or PLANNING_FIELDS & set(diff):
        result.replanned = _replan_open_incidents(actor=actor, now=now)
    audit_append(
        actor=actor_label(actor),
        action="organization.created" if created else "organization.changed",
        object_type="organization",
        object_id=org.pk,
        data={"changes": diff, "replanned": result.replanned},
        now=now,
    )
    return result
