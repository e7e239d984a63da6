"""Filing services: draft from the facts, edit as versions, submit (freeze, audit, meet)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from breachdesk.errors import DomainError, InvalidInput, Unprocessable
from breachdesk.timeutils import aware_utc, iso, now_utc, parse_aware
from incidents.models import Obligation
from incidents.models.incident import EventKind
from incidents.models.obligation import ObligationStatus
from incidents.rules import phases as phase_rules
from incidents.services.audit import audit_append
from incidents.services.events import Actor, actor_label, event_record
from incidents.services.lifecycle import incident_check_writable
from incidents.services.locks import incident_lock
from incidents.services.obligations import obligation_meet
from notifications import delivery as delivery_states
from notifications import outbound
from notifications.filings import content as filing_content
from notifications.filings import labels, render
from notifications.filings.digest import content_hash
from notifications.filings.models import Filing, FilingChannel, FilingStatus, FilingVersion
from notifications.filings.selectors import filing_previous, filing_regime_phase

SUBMIT_PERMISSION = "filings.submit_filing"


def _user(actor: Actor):
    return actor if isinstance(actor, AbstractBaseUser) else None


def _check_elements(content: dict[str, Any]) -> None:
    if not isinstance(content, dict):
        raise InvalidInput("content must be an object of element code -> value.", field="content")
    unknown = sorted(set(content) - labels.ELEMENT_CODES)
    if unknown:
        raise InvalidInput(
            f"Unknown content element(s): {', '.join(unknown)}.",
            field=f"content.{unknown[0]}",
            known=sorted(labels.ELEMENT_CODES),
        )
    for code, value in content.items():
        if code in labels.TEXT_ELEMENTS and value is not None and not isinstance(value, str):
            field = f"content.{code}"
            raise InvalidInput(f"{field} must be text (a string) or null.", field=field)
        if isinstance(value, dict):
            _check_object(code, value)


#: Keys of element objects that the renditions read as timestamps or as counts of people/records.
TIMESTAMP_KEYS = frozenset({"from", "to", "aware_at"})
COUNT_KEYS = frozenset({"count", "min", "max"})


def _check_object(code: str, value: dict[str, Any]) -> None:
    """An element object's timestamps are aware ISO 8601 and its counts whole numbers >= 0."""
    for key, item in value.items():
        field = f"content.{code}.{key}"
        if item is None:
            continue
        if key in TIMESTAMP_KEYS:
            if not isinstance(item, str):
                raise InvalidInput(f"{field} must be an ISO 8601 timestamp or null.", field=field)
            parse_aware(item, field=field)
        elif key in COUNT_KEYS and (
            isinstance(item, bool) or not isinstance(item, int) or item < 0
        ):
            raise InvalidInput(f"{field} must be a whole number of 0 or more.", field=field)


def _new_version(
    filing: Filing, content: dict[str, Any], actor: Actor, now: datetime
) -> FilingVersion:
    latest = filing.versions.order_by("-version").values_list("version", flat=True).first()
    number = (latest or 0) + 1
    return FilingVersion.objects.create(
        filing=filing,
        version=number,
        content=content,
        content_hash=content_hash(content),
        created_by=_user(actor),
        created_at=now,
    )


def _recipient_details(obligation: Obligation) -> dict[str, Any]:
    """Who the filing goes to, as the obligation names it (authority or customer)."""
    party = obligation.party
    return {
        "rule": obligation.rule_code,
        "recipient_key": obligation.recipient_key,
        "jurisdiction": obligation.jurisdiction,
        "audience": obligation.audience,
        "authority": obligation.recipient_authority,
        "party": (
            {"id": party.pk, "name": party.name, "contact": party.contact_name} if party else None
        ),
    }


def _language(obligation: Obligation, requested: str | None) -> str:
    if requested:
        if requested not in labels.LANGUAGES:
            raise InvalidInput(
                f"language must be one of {', '.join(labels.LANGUAGES)}.", field="language"
            )
        return requested
    return labels.language_for(obligation)


@transaction.atomic
def filing_create(
    *,
    incident_id: int,
    obligation_id: int,
    phase: str,
    actor: Actor,
    language: str | None = None,
    now: datetime | None = None,
) -> Filing:
    """Draft a filing for one obligation and phase, pre-filled from the record."""
    now = aware_utc(now or now_utc())
    incident = incident_lock(incident_id)
    incident_check_writable(incident)
    obligation = Obligation.objects.filter(pk=obligation_id, incident=incident).first()
    if obligation is None:
        raise InvalidInput("No such obligation on this incident.", field="obligation")
    if obligation.audience not in filing_content.FILING_AUDIENCES:
        raise InvalidInput(
            f"Obligations towards '{obligation.audience}' are met with notices, not filings.",
            field="obligation",
        )
    if obligation.status == ObligationStatus.NOT_REQUIRED:
        raise DomainError("This obligation does not apply to the incident.", field="obligation")
    regime, spec = filing_regime_phase(obligation, phase)
    previous = filing_previous(obligation=obligation, regime=regime.key)
    if spec.requires_previous and previous is None:
        raise DomainError(
            f"A {spec.label.lower()} follows an earlier submitted filing; submit the "
            f"{regime.phases[0].label.lower()} first.",
            field="phase",
        )
    if Filing.objects.filter(
        obligation=obligation, phase=phase, status=FilingStatus.DRAFT
    ).exists():
        raise DomainError(
            "A draft for this obligation and phase already exists; edit it instead.",
            field="phase",
        )
    values = filing_content.prefill(
        incident=incident,
        obligation=obligation,
        phase=spec,
        previous_content=previous.snapshot["content"] if previous else None,
        previous_reference=previous.authority_reference if previous else "",
    )
    filing = Filing.objects.create(
        incident=incident,
        obligation=obligation,
        regime=regime.key,
        phase=phase,
        recipient=obligation.recipient,
        recipient_details=_recipient_details(obligation),
        language=_language(obligation, language),
        previous=previous,
        version=1,
        created_by=_user(actor),
        created_at=now,
        updated_at=now,
    )
    if previous is not None:
        changes = phase_rules.content_changes(previous.snapshot["content"], values)
        if "update_of_previous" in values and not values.get("update_of_previous") and changes:
            values["update_of_previous"] = "Changed: " + ", ".join(c["element"] for c in changes)
    _new_version(filing, values, actor, now)
    event_record(
        incident=incident,
        kind=EventKind.FILING_DRAFTED,
        actor=actor,
        now=now,
        payload={
            "filing_id": filing.pk,
            "rule": obligation.rule_code,
            "regime": regime.key,
            "phase": phase,
        },
    )
    return filing


def _lock(filing_id: int) -> Filing:
    row = Filing.objects.filter(pk=filing_id).values("incident_id").first()
    if row is None:
        raise DomainError("Filing not found.", code="not_found", status=404)
    incident_check_writable(incident_lock(row["incident_id"]))  # lock order: incident, filing
    return (
        Filing.objects.select_for_update()
        .select_related("obligation", "incident")
        .get(pk=filing_id)
    )


def _require_draft(filing: Filing) -> None:
    if filing.status != FilingStatus.DRAFT:
        raise DomainError(
            "This filing was submitted and is frozen; draft a follow-up filing instead.",
            field="status",
            current=filing.status,
        )


@transaction.atomic
def filing_update(
    *,
    filing_id: int,
    actor: Actor,
    content: dict[str, Any] | None = None,
    follow_up_by: datetime | None = None,
    clear_follow_up_by: bool = False,
    language: str | None = None,
    now: datetime | None = None,
) -> Filing:
    """Edit a draft: element values merge into a new content version (null clears one)."""
    now = aware_utc(now or now_utc())
    filing = _lock(filing_id)
    _require_draft(filing)
    fields = ["updated_at"]
    if content:
        _check_elements(content)
        merged = {**filing.versions.get(version=filing.version).content, **content}
        version = _new_version(filing, merged, actor, now)
        filing.version = version.version
        fields.append("version")
    if follow_up_by is not None or clear_follow_up_by:
        filing.follow_up_by = (
            None if clear_follow_up_by else aware_utc(follow_up_by, field="follow_up_by")
        )
        if filing.follow_up_by is not None and filing.follow_up_by <= now:
            raise InvalidInput("follow_up_by must be in the future.", field="follow_up_by")
        fields.append("follow_up_by")
    if language is not None:
        filing.language = _language(filing.obligation, language)
        fields.append("language")
    filing.updated_at = now
    filing.save(update_fields=fields)
    return filing


def _targets(filing: Filing) -> list[Obligation]:
    """The open obligations this submission fulfils.

    The phase's `meets` rules (to the same recipient), else the filing's own obligation; a
    notice to a customer also meets the other open duties towards that customer (the Art.
    33(2) duty and the contract's clock are met by the same notice).
    """
    _regime, spec = filing_regime_phase(filing.obligation, filing.phase)
    pending = Obligation.objects.filter(incident=filing.incident, status=ObligationStatus.PENDING)
    own = filing.obligation
    if own.party_id is not None:
        return list(pending.filter(party_id=own.party_id).order_by("due_at", "id"))
    if spec.meets:
        # Only the duties towards this filing's recipient (one per authority when each must
        # be told): a filing to the CNIL does not meet the Irish DPC's duty.
        same_recipient = pending.filter(rule_code__in=spec.meets, recipient_key=own.recipient_key)
        return list(same_recipient.order_by("due_at", "id"))
    return list(pending.filter(pk=own.pk))


def _lateness(targets: list[Obligation], at: datetime) -> tuple[bool, int | None, datetime | None]:
    dues = [o.due_at for o in targets if o.due_at is not None]
    if not dues:
        return False, None, None
    due = min(dues)
    return at > due, int((at - due).total_seconds()), due


def filing_check(filing: Filing, *, at: datetime | None = None) -> phase_rules.Completeness:
    """Completeness of the current version if it were submitted at `at` (default now)."""
    at = at or now_utc()
    regime, spec = filing_regime_phase(filing.obligation, filing.phase)
    late, _seconds, _due = _lateness(_targets(filing), at)
    current = filing.versions.get(version=filing.version).content
    return phase_rules.completeness(
        spec,
        current,
        late=late,
        follow_up_by_given=filing.follow_up_by is not None,
        delay_citation=regime.delay_reasons_citation,
    )


@transaction.atomic
def filing_submit(
    *,
    filing_id: int,
    actor: Actor,
    submitted_at: datetime,
    channel: str,
    authority_reference: str = "",
    reasons_for_delay: str | None = None,
    delivery: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Filing:
    """A DPO records that the filing was made: freeze it, audit it, meet its obligations.

    `delivery` is the outbound layer's proof when BreachDesk sent the filing itself.
    """
    now = aware_utc(now or now_utc())
    submitted_at = aware_utc(submitted_at, field="submitted_at")
    user = _require_submitter(actor)
    if channel not in FilingChannel.values:
        raise InvalidInput(
            f"channel must be one of {', '.join(FilingChannel.values)}.", field="channel"
        )
    if submitted_at > now:
        raise InvalidInput("submitted_at cannot be in the future.", field="submitted_at")
    filing = _lock(filing_id)
    _require_draft(filing)
    incident = filing.incident
    if incident.aware_at and submitted_at < incident.aware_at:
        raise InvalidInput(
            "submitted_at is before the organisation became aware of the breach.",
            field="submitted_at",
        )
    if reasons_for_delay is not None and reasons_for_delay.strip():
        merged = {
            **filing.versions.get(version=filing.version).content,
            phase_rules.DELAY_ELEMENT: reasons_for_delay.strip(),
        }
        filing.version = _new_version(filing, merged, actor, now).version
    targets = _targets(filing)
    late, late_by, due = _lateness(targets, submitted_at)
    check = filing_check(filing, at=submitted_at)
    if not check.submittable:
        field = (
            f"content.{phase_rules.DELAY_ELEMENT}"
            if check.delay_reasons_missing
            else f"content.{(check.missing or ('information_to_follow',))[0]}"
        )
        raise Unprocessable(" ".join(check.problems), field=field, completeness=check.to_dict())
    filing.status = FilingStatus.SUBMITTED
    filing.submitted_at = submitted_at
    filing.submitted_by = user
    filing.channel = channel
    filing.authority_reference = authority_reference.strip()
    filing.late, filing.late_by_seconds, filing.due_at = late, late_by, due
    filing.met_obligations = [o.rule_code for o in targets]
    snapshot = render.document(filing)
    filing.snapshot = snapshot
    filing.snapshot_hash = content_hash(snapshot)
    entry = audit_append(
        actor=actor_label(actor),
        action="filing.submitted",
        object_type="filing",
        object_id=filing.pk,
        data={
            "incident": incident.reference,
            "snapshot_hash": filing.snapshot_hash,
            "snapshot": snapshot,
        },
        now=now,
    )
    filing.audit_seq = entry.seq
    filing.updated_at = now
    filing.save()
    delay_reason = str(snapshot["content"].get(phase_rules.DELAY_ELEMENT) or "")
    for obligation in targets:
        obligation_meet(
            obligation_id=obligation.pk,
            actor=actor,
            met_at=submitted_at,
            evidence={
                "recipient": obligation.recipient,
                "reference": filing.authority_reference or f"filing {filing.pk}",
                "filing_id": filing.pk,
                "phase": filing.phase,
                "channel": channel,
                "authority_reference": filing.authority_reference,
                "snapshot_hash": filing.snapshot_hash,
                **({"delivery": delivery} if delivery else {}),
            },
            delay_reason=delay_reason,
            now=now,
        )
    event_record(
        incident=incident,
        kind=EventKind.FILING_SUBMITTED,
        actor=actor,
        now=now,
        payload={
            "filing_id": filing.pk,
            "regime": filing.regime,
            "phase": filing.phase,
            "recipient": filing.recipient,
            "submitted_at": iso(submitted_at),
            "channel": channel,
            "authority_reference": filing.authority_reference,
            "late": late,
            "late_by_seconds": late_by,
            "snapshot_hash": filing.snapshot_hash,
            "met": filing.met_obligations,
            **({"delivery": delivery} if delivery else {}),
        },
    )
    return filing


def _require_submitter(actor: Actor):
    user = _user(actor)
    if user is None or not user.has_perm(SUBMIT_PERMISSION):
        raise DomainError("Only a DPO can mark a filing submitted.", code="forbidden", status=403)
    return user


def filing_send(*, filing_id: int, actor: Actor, now: datetime | None = None) -> Filing:
    """Send a notice to a customer (we are its processor) and record it as submitted.

    The message goes through the outbound layer once (its key is the filing and version), to
    the customer's contact e-mail; the delivery proof (provider, message id, state) becomes
    the evidence that meets the Art. 33(2) duty and the contract's clock. Not atomic on
    purpose: `send()` commits the message before calling the provider.
    """
    now = aware_utc(now or now_utc())
    _require_submitter(actor)
    filing = Filing.objects.select_related("obligation__party", "incident").get(pk=filing_id)
    _require_draft(filing)
    party = filing.obligation.party
    if party is None:
        raise DomainError(
            "Only a notice to a customer is sent by BreachDesk; record other filings as "
            "submitted with their channel.",
            field="obligation",
        )
    if not party.email:
        raise DomainError(f"{party.name} has no contact e-mail address.", field="party.email")
    check = filing_check(filing, at=now)
    if not check.submittable:
        raise Unprocessable(" ".join(check.problems), completeness=check.to_dict())
    doc = render.document(filing)
    title = labels.text("title_controller", filing.language)
    key = f"filing-{filing.pk}-v{filing.version}"

    def link(rows: dict) -> None:  # committed with the message, before the provider call
        Filing.objects.filter(pk=filing.pk).update(message=rows[key])

    message = outbound.send(
        channel="email",
        to=party.email,
        subject=f"{title}: {filing.incident.reference}",
        body=render.text(doc),
        html_body=render.html(doc),
        key=key,
        purpose="controller_notice",
        incident_id=filing.incident_id,
        actor=actor_label(actor),
        now=now,
        on_insert=link,
    )
    proof = {
        "outbound_message_id": message.pk,
        "to": message.to,
        "state": message.state,
        "provider": message.provider,
        "provider_message_id": message.provider_message_id,
        "sent_at": iso(message.sent_at),
    }
    if message.state not in delivery_states.ACCEPTED:
        raise DomainError(
            f"The notice to {party.name} was not accepted ({message.state}): {message.error}",
            code="delivery_failed",
            status=502,
            delivery=proof,
        )
    # The provider accepted it after `now` was read: the submission is the sending time, and
    # it is not "in the future" (else the e-mail is out but the filing stays a draft).
    sent_at = message.sent_at or now
    try:
        return filing_submit(
            filing_id=filing.pk,
            actor=actor,
            submitted_at=sent_at,
            channel=FilingChannel.EMAIL,
            authority_reference=message.provider_message_id,
            delivery=proof,
            now=max(now, sent_at),
        )
    except DomainError:
        if Filing.objects.filter(pk=filing.pk, status=FilingStatus.DRAFT).exists():
            raise
        _sent_after_submission(filing, proof, actor=actor, now=max(now, sent_at))
        raise DomainError(
            f"The notice was e-mailed to {party.name} ({message.to}), but meanwhile this filing "
            "was recorded as submitted by someone else; their submission stands and the e-mail "
            "is on the audit trail.",
            field="status",
            delivery=proof,
        ) from None


@transaction.atomic
def _sent_after_submission(
    filing: Filing, proof: dict[str, Any], *, actor: Actor, now: datetime
) -> None:
    """Someone recorded the filing as submitted while its e-mail was with the provider: their
    submission stands (it met the duties first); the e-mail went out too, so it goes on the
    audit trail with its proof, and the sender is told (409) instead of a bare "frozen"."""
    audit_append(
        actor=actor_label(actor),
        action="filing.notice_sent_after_submission",
        object_type="filing",
        object_id=filing.pk,
        data={"incident": filing.incident.reference, "delivery": proof},
        now=now,
    )
