"""Completeness of a notice version, per obligation: which elements are present or not.

Each obligation's rule asks for element codes (incidents/rules/content). An element is
"present" when the version carries it (author text in the default language, a non-empty
advice list, the facts it is computed from, a contact channel, or a template block that the
layout prints by construction), "empty" when its block exists without text, "missing" when
the version lacks it, and "not_determined" when the drafter marked an "if possible to
determine" element as not known yet. Format rules that the layout applies are "applied".
"""

from __future__ import annotations

from typing import Any

from incidents.models import Obligation
from incidents.rules.content import ContentFacts, elements_for, formats_for, prohibitions_for

from .document import AUTHOR_BLOCKS, TEMPLATE_TEXT
from .drafting import rule_of, unread_countries

#: Format rules the renditions apply by construction (document.py, letter CSS).
APPLIED_FORMATS = frozenset(
    {
        "fmt_title_notice_of_data_breach",
        "fmt_ca_headings",
        "fmt_min_10pt",
        "fmt_conspicuous",
        "fmt_direct_dedicated",
        "fmt_recipient_language",
        "fmt_written",
    }
)
#: Applied unless some affected people read a language the notice is not in (then "check").
RECIPIENT_LANGUAGE = "fmt_recipient_language"
#: Format rules a person must judge; the plain-language check helps with the first.
JUDGED_FORMATS = frozenset({"fmt_plain_language"})

_CONTACT_KEYS = {
    "contact_point": ("email", "phone", "website", "postal_address", "toll_free"),
    "dpo_contact": ("email", "phone", "postal_address"),
    "toll_free_number": ("toll_free",),
    "contact_phone": ("phone", "toll_free"),
    "contact_email": ("email",),
    "contact_website": ("website",),
    "contact_postal_address": ("postal_address",),
}


def element_state(content: dict[str, Any], code: str) -> str:
    if code in content.get("not_determined", []):
        return "not_determined"
    if code not in content.get("elements", []):
        return "missing"
    facts = content.get("facts", {})
    default = content.get("default_language", "en")
    if code in AUTHOR_BLOCKS:
        texts = content.get("blocks", {}).get(code)
        if texts is None:
            return "missing"
        return "present" if (texts.get(default) or "").strip() else "empty"
    if code == "what_you_can_do":
        return "present" if content.get("advice") else "empty"
    if code == "data_involved":
        return "present" if facts.get("data_categories") else "empty"
    if code == "date_of_breach":
        return "present" if facts.get("occurred_from") or facts.get("occurred_to") else "empty"
    if code == "date_discovered":
        return "present" if facts.get("discovered_at") else "empty"
    if code == "controller_identity":
        return "present" if content.get("organisation", {}).get("name") else "empty"
    if code in _CONTACT_KEYS:
        contact = content.get("contact", {})
        return "present" if any(contact.get(k) for k in _CONTACT_KEYS[code]) else "empty"
    if code in ("date_of_notice", "credit_bureaus", "ftc_contact") or code in TEMPLATE_TEXT:
        return "present"
    return "missing"  # an element notices cannot carry (e.g. a filing-only code)


def _prohibition_state(content: dict[str, Any], code: str) -> str:
    if code == "not_to_compromised_email":
        return "at_sending"  # the sending step skips breached mailboxes
    return "respected" if code in content.get("prohibited", []) else "check"


def obligation_completeness(
    content: dict[str, Any], obligation: Obligation, exemptions: list[str]
) -> dict[str, Any]:
    rule = rule_of(obligation)
    facts = ContentFacts(
        data_categories=frozenset(content.get("facts", {}).get("data_categories", []))
    )
    elements = []
    complete = True
    for element in elements_for(rule, facts=facts):
        state = element_state(content, element.code)
        ok = state == "present" or (state == "not_determined" and element.requirement == "if_known")
        complete = complete and ok
        elements.append({**element.to_dict(), "state": state, "ok": ok})
    unread = bool(unread_countries(content))
    formats = [
        {
            **f.to_dict(),
            "state": "applied"
            if f.code in APPLIED_FORMATS and not (f.code == RECIPIENT_LANGUAGE and unread)
            else "check",
        }
        for f in formats_for(rule)
    ]
    prohibitions = [
        {**p.to_dict(), "state": _prohibition_state(content, p.code)}
        for p in prohibitions_for(rule)
    ]
    return {
        "obligation_id": obligation.pk,
        "rule": obligation.rule_code,
        "regime": obligation.regime,
        "jurisdiction": obligation.jurisdiction,
        "citation": obligation.citation,
        "obligation_status": obligation.status,
        "exemptions": exemptions if obligation.rule_code.endswith("gdpr-34-individuals") else [],
        "complete": complete,
        "elements": elements,
        "formats": formats,
        "prohibitions": prohibitions,
    }


def completeness(content: dict[str, Any], obligations: list[Obligation]) -> list[dict[str, Any]]:
    exemptions = list(content.get("exemptions", []))
    return [obligation_completeness(content, o, exemptions) for o in obligations]
