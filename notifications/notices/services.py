"""Writes for notices: draft, edit (a new version), approve (DPO only), publish.

Every service locks the incident first, then the notice (the incidents app's lock order), and
writes its audit entry in the same transaction. An approved version is never changed: an edit
makes version n+1 and withdraws the approval, so nothing unapproved can be sent or published.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime
from typing import Any

from django.db import transaction

from breachdesk.errors import DomainError, InvalidInput, Unprocessable
from breachdesk.timeutils import aware_utc, iso, now_utc
from incidents.models import Obligation, Organization
from incidents.models.incident import EventKind
from incidents.models.obligation import ObligationStatus
from incidents.selectors import incident_current_assessment
from incidents.services.events import Actor, event_record
from incidents.services.locks import incident_lock

from . import plain
from .completeness import completeness
from .document import AUTHOR_BLOCKS, compose, language_warnings, plain_blocks
from .drafting import draft_content, notice_facts, variant_key
from .models import CHANNELS, LANGUAGES, Notice, NoticeVersion
from .selectors import notice_current_version

APPROVE_PERMISSION = "notices.approve_notice"
MAX_TEXT = 5000
CONTACT_KEYS = ("name", "email", "phone", "toll_free", "website", "postal_address")


def content_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def version_checks(content: dict[str, Any], obligations: list[Obligation]) -> dict[str, Any]:
    """Completeness per obligation, plain-language results per language, language gaps."""
    per_obligation = completeness(content, obligations)
    return {
        "complete": all(entry["complete"] for entry in per_obligation),
        "completeness": per_obligation,
        "plain_language": {
            lang: plain.check(plain_blocks(content, lang), lang) for lang in content["languages"]
        },
        "language_warnings": language_warnings(content),
    }


def _record(*, notice: Notice, kind: str, actor: Actor, data: dict[str, Any], now: datetime):
    """The incident's timeline event and audit-chain entry for a notice step (in the caller's
    transaction); `incident.notice_approved` on the chain carries the approved content."""
    event_record(
        incident=notice.incident,
        kind=kind,
        actor=actor,
        now=now,
        payload={"notice_id": notice.pk, **data},
    )


def _user(actor: Actor):
    return None if actor is None or isinstance(actor, str) else actor


def _new_version(
    *, notice: Notice, content: dict[str, Any], actor: Actor, now: datetime
) -> NoticeVersion:
    last = notice.versions.order_by("-number").values_list("number", flat=True).first() or 0
    obligations = list(notice.obligations.select_related("rule").order_by("id"))
    return NoticeVersion.objects.create(
        notice=notice,
        number=last + 1,
        content=content,
        content_hash=content_hash(content),
        languages=list(content["languages"]),
        checks=version_checks(content, obligations),
        created_by=_user(actor),
        created_at=now,
    )


def _exemptions(incident) -> list[str]:
    assessment = incident_current_assessment(incident)
    if assessment is None:
        return []
    return list(assessment.computed.get("exemptions", []))


@transaction.atomic
def notice_draft(
    *,
    incident_id: int,
    actor: Actor,
    languages: list[str] | None = None,
    now: datetime | None = None,
) -> list[Notice]:
    """Draft the notices for the incident's obligations to individuals: one per variant."""
    now = aware_utc(now or now_utc())
    if languages is not None:
        _check_languages(languages)
    incident = incident_lock(incident_id)
    obligations = list(
        incident.obligations.filter(audience="individuals")
        .exclude(status=ObligationStatus.WAIVED)
        .select_related("rule")
        .order_by("id")
    )
    if not obligations:
        raise Unprocessable(
            "This incident has no obligation to notify individuals yet: record the awareness "
            "time, the countries and an assessment first.",
            field="obligations",
        )
    covered = set(
        Obligation.objects.filter(notices__incident=incident).values_list("pk", flat=True)
    )
    todo = [o for o in obligations if o.pk not in covered]
    if not todo:
        existing = sorted(incident.notices.values_list("pk", flat=True))
        raise DomainError(
            "Notices for every obligation to individuals are already drafted; edit them.",
            field="incident",
            notices=existing,
        )
    groups: dict[tuple[str, ...], list[Obligation]] = {}
    for obligation in todo:
        groups.setdefault(variant_key(obligation), []).append(obligation)
    org = Organization.objects.first()
    exemptions = _exemptions(incident)
    created = []
    for key, group in groups.items():
        notice = Notice.objects.create(
            incident=incident,
            variant=("without: " + ", ".join(key)) if key else "",
            public_token=secrets.token_urlsafe(32),
            created_by=_user(actor),
            created_at=now,
            updated_at=now,
        )
        notice.obligations.set(group)
        content = draft_content(
            incident=incident,
            org=org,
            obligations=group,
            languages=languages,
            exemptions=exemptions,
        )
        version = _new_version(notice=notice, content=content, actor=actor, now=now)
        _record(
            notice=notice,
            kind=EventKind.NOTICE_DRAFTED,
            actor=actor,
            data={
                "incident": incident.reference,
                "obligations": [o.rule_code for o in group],
                "version": version.number,
                "content_hash": version.content_hash,
            },
            now=now,
        )
        created.append(notice)
    return created


def _lock_notice(notice_id: int) -> Notice:
    incident_id = Notice.objects.filter(pk=notice_id).values_list("incident_id", flat=True).first()
    if incident_id is None:
        raise DomainError("Notice not found.", code="not_found", status=404)
    incident_lock(incident_id)  # lock order: incident, then notice
    return Notice.objects.select_for_update().get(pk=notice_id)


def _check_languages(languages: Any, field: str = "languages") -> None:
    if not isinstance(languages, list) or not languages:
        raise InvalidInput("Give at least one language.", field=field)
    unknown = [lang for lang in languages if lang not in LANGUAGES]
    if unknown:
        raise InvalidInput(
            f"Unsupported language(s) {unknown}; supported: {', '.join(LANGUAGES)}.", field=field
        )
    if len(set(languages)) != len(languages):
        raise InvalidInput("Languages must not repeat.", field=field)


def _check_text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be a string.", field=field)
    if len(value) > MAX_TEXT:
        raise InvalidInput(f"{field} is longer than {MAX_TEXT} characters.", field=field)
    return value.strip()


def _texts(value: Any, field: str, languages: list[str]) -> dict[str, str]:
    if not isinstance(value, dict):
        raise InvalidInput(f"{field} must map language codes to text.", field=field)
    out = {}
    for lang, text in value.items():
        if lang not in languages:
            raise InvalidInput(
                f"{field}: {lang!r} is not a language of this notice ({', '.join(languages)}).",
                field=field,
            )
        out[lang] = _check_text(text, f"{field}.{lang}")
    return out


def apply_changes(content: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The content after an edit (validated); `content` itself is not modified."""
    new = json.loads(json.dumps(content))
    unknown = set(changes) - {
        "blocks",
        "advice",
        "contact",
        "languages",
        "not_determined",
        "channels",
    }
    if unknown:
        raise InvalidInput(
            f"Unknown field(s): {', '.join(sorted(unknown))}.", field=sorted(unknown)[0]
        )
    if "languages" in changes:
        _check_languages(changes["languages"])
        if new["default_language"] not in changes["languages"]:
            raise InvalidInput(
                f"The default language {new['default_language']!r} must stay.", field="languages"
            )
        new["languages"] = changes["languages"]
        new["audiences"] = {
            lang: new.get("audiences", {}).get(lang, []) for lang in new["languages"]
        }
    languages = new["languages"]
    for code, texts in (changes.get("blocks") or {}).items():
        field = f"blocks.{code}"
        if code not in AUTHOR_BLOCKS:
            raise InvalidInput(f"{code!r} is not a block the author writes.", field=field)
        if texts is None:
            new["blocks"].pop(code, None)
            continue
        merged = {**new["blocks"].get(code, {}), **_texts(texts, field, languages)}
        new["blocks"][code] = merged
        if code not in new["elements"]:
            new["elements"].append(code)
    if "advice" in changes:
        steps = changes["advice"]
        if not isinstance(steps, list):
            raise InvalidInput("advice must be a list of steps.", field="advice")
        known = {step["id"]: step for step in new["advice"]}
        out = []
        for index, step in enumerate(steps):
            field = f"advice[{index}]"
            if not isinstance(step, dict) or "text" not in step:
                raise InvalidInput("Each advice step needs text per language.", field=field)
            texts = {k: v for k, v in _texts(step["text"], f"{field}.text", languages).items() if v}
            if not texts:
                raise InvalidInput(
                    "An advice step needs text in at least one language.", field=field
                )
            base = known.get(step.get("id"), {})
            countries = step.get("countries", base.get("countries", ["ALL"]))
            if not isinstance(countries, list) or not all(isinstance(c, str) for c in countries):
                raise InvalidInput(
                    "countries must be a list of country codes.", field=f"{field}.countries"
                )
            out.append(
                {
                    "id": step.get("id") or f"custom:{index + 1}",
                    "text": texts,
                    "countries": countries,
                    "sources": base.get("sources", []),
                    "confidence": base.get("confidence", "author"),
                    "edited": texts != base.get("text"),
                }
            )
        new["advice"] = out
    if "contact" in changes:
        contact = changes["contact"]
        if not isinstance(contact, dict):
            raise InvalidInput("contact must be an object.", field="contact")
        for key, value in contact.items():
            if key not in CONTACT_KEYS:
                raise InvalidInput(
                    f"Unknown contact field {key!r}; use {', '.join(CONTACT_KEYS)}.",
                    field=f"contact.{key}",
                )
            new["contact"][key] = _check_text(value, f"contact.{key}")
    if "not_determined" in changes:
        values = changes["not_determined"]
        if not isinstance(values, list) or any(v not in new["elements"] for v in values):
            raise InvalidInput(
                "not_determined lists elements of this notice only "
                f"({', '.join(new['elements'])}).",
                field="not_determined",
            )
        new["not_determined"] = list(dict.fromkeys(values))
    if "channels" in changes:
        channels = changes["channels"]
        if (
            not isinstance(channels, list)
            or not channels
            or any(c not in CHANNELS for c in channels)
        ):
            raise InvalidInput(f"channels: choose from {', '.join(CHANNELS)}.", field="channels")
        new["channels"] = list(dict.fromkeys(channels))
    return new


@transaction.atomic
def notice_edit(
    *,
    notice_id: int,
    actor: Actor,
    changes: dict[str, Any],
    based_on: int | None = None,
    now: datetime | None = None,
) -> NoticeVersion:
    """Save an edit as a new version; an approval of the previous version is withdrawn."""
    now = aware_utc(now or now_utc())
    notice = _lock_notice(notice_id)
    current = notice_current_version(notice)
    if based_on is not None and based_on != current.number:
        raise DomainError(
            f"The notice changed: you edited version {based_on}, the current one is "
            f"{current.number}. Reload and edit again.",
            field="based_on",
            current_version=current.number,
        )
    content = apply_changes(current.content, changes)
    # Every new version shows the incident's facts as they are now (a breach window learnt
    # after drafting reaches the notice with the next edit, or with an edit of nothing).
    content["facts"] = notice_facts(notice.incident)
    if content == current.content:
        raise InvalidInput("The edit changes nothing.", field="changes")
    version = _new_version(notice=notice, content=content, actor=actor, now=now)
    withdrawn = None
    if notice.approved_version_id is not None:
        withdrawn = notice.approved_version
        withdrawn.approval_withdrawn_at = now
        withdrawn.save(update_fields=["approval_withdrawn_at"])
        notice.approved_version = None
    notice.updated_at = now
    notice.save(update_fields=["approved_version", "updated_at"])
    _record(
        notice=notice,
        kind=EventKind.NOTICE_EDITED,
        actor=actor,
        data={
            "version": version.number,
            "content_hash": version.content_hash,
            "changed": sorted(changes),
            "approval_withdrawn_from_version": withdrawn.number if withdrawn else None,
        },
        now=now,
    )
    return version


def _require_dpo(actor: Actor, what: str) -> None:
    user = _user(actor)
    if user is None or not user.has_perm(APPROVE_PERMISSION):
        raise DomainError(f"Only a DPO can {what} a notice.", code="forbidden", status=403)


@transaction.atomic
def notice_approve(
    *, notice_id: int, actor: Actor, version: int, now: datetime | None = None
) -> NoticeVersion:
    """A DPO approves the current version: it is frozen and its hash goes on the audit chain."""
    now = aware_utc(now or now_utc())
    _require_dpo(actor, "approve")
    notice = _lock_notice(notice_id)
    current = notice_current_version(notice)
    if version != current.number:
        raise DomainError(
            f"Version {version} is not the current version ({current.number}); approve what "
            "you have read.",
            field="version",
            current_version=current.number,
        )
    if current.is_approved:
        raise DomainError(f"Version {version} is already approved.", field="version")
    if not current.checks.get("complete"):
        gaps = [
            {
                "rule": entry["rule"],
                "missing": [e["code"] for e in entry["elements"] if not e["ok"]],
            }
            for entry in current.checks.get("completeness", [])
            if not entry["complete"]
        ]
        raise Unprocessable(
            "The notice lacks elements the law requires: "
            + "; ".join(f"{g['rule']}: {', '.join(g['missing'])}" for g in gaps),
            field="content",
            incomplete=gaps,
        )
    current.approved_at = now
    current.approved_by = _user(actor)
    current.frozen = {
        lang: compose(current.content, lang, date_of_notice=now).to_dict()
        for lang in current.languages
    }
    current.save(update_fields=["approved_at", "approved_by", "frozen"])
    notice.approved_version = current
    notice.updated_at = now
    notice.save(update_fields=["approved_version", "updated_at"])
    _record(
        notice=notice,
        kind=EventKind.NOTICE_APPROVED,
        actor=actor,
        data={
            "incident": notice.incident.reference,
            "version": current.number,
            "content_hash": current.content_hash,
            "languages": current.languages,
            "content": current.content,
            "rendered_hash": content_hash(current.frozen),
            "approved_at": iso(now),
        },
        now=now,
    )
    return current


@transaction.atomic
def notice_publish(*, notice_id: int, actor: Actor, now: datetime | None = None) -> Notice:
    """A DPO publishes the public page of the approved version (search engines may index it)."""
    now = aware_utc(now or now_utc())
    _require_dpo(actor, "publish")
    notice = _lock_notice(notice_id)
    if notice.approved_version_id is None:
        raise DomainError(
            "Approve a version first: nothing is published without an approved version.",
            field="approved_version",
        )
    if notice.published_at is None:
        notice.published_at = now
        notice.published_by = _user(actor)
        notice.updated_at = now
        notice.save(update_fields=["published_at", "published_by", "updated_at"])
        _record(
            notice=notice,
            kind=EventKind.NOTICE_PUBLISHED,
            actor=actor,
            data={
                "version": notice.approved_version.number,
                "content_hash": notice.approved_version.content_hash,
            },
            now=now,
        )
    return notice
