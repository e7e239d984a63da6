"""Build the first version of a notice from the incident, the assessment and the org profile.

Pure assembly of the content dictionary (docs/notices.md describes its shape); the service
owns the transaction. Template sentences go through Django's translation machinery, so every
language of the notice starts with text; the incident's own free text (what the team wrote
about measures and consequences) exists in the organisation's default language only, and
the drafter is warned where a recipient language has none.
"""

from __future__ import annotations

from typing import Any

from django.utils import formats, translation
from django.utils.translation import gettext as _

from breachdesk.timeutils import iso
from incidents.models import Incident, Obligation, Organization
from incidents.rules import Rule
from incidents.rules.content import ContentFacts, elements_for, formats_for, prohibitions_for
from incidents.vectors import DEVICE_VECTORS

from . import strings
from .library import advice_select, phishing_lines, selectors_for, step_texts
from .models import LANGUAGES

#: Language spoken by the people of a country, for choosing a notice's languages.
COUNTRY_LANGUAGE = {
    **dict.fromkeys(("DE", "AT", "LI"), "de"),
    **dict.fromkeys(("FR", "MC", "LU"), "fr"),
    "BE": "fr",
    "CH": "de",
    "NO": "nb",
    **dict.fromkeys(("GR", "CY"), "el"),
    **dict.fromkeys(("ES", "MX", "AR", "CO", "CL", "PE"), "es"),
    **dict.fromkeys(
        ("SA", "AE", "QA", "OM", "KW", "BH", "EG", "JO", "LB", "MA", "DZ", "TN", "IQ"), "ar"
    ),
}


#: Countries whose people a notice in English reaches (English is an official language).
ENGLISH_READING = frozenset(
    {"GB", "IE", "MT", "US", "CA", "AU", "NZ", "SG", "IN", "ZA", "NG", "KE", "GH", "PH", "JM"}
)
#: The language people of a country read where BreachDesk ships no text in it (for messages).
OTHER_LANGUAGE = {
    **dict.fromkeys(("PT", "BR", "AO", "MZ"), "pt"),
    **dict.fromkeys(("IT", "SM", "VA"), "it"),
    "NL": "nl",
    "PL": "pl",
    "CZ": "cs",
    "SK": "sk",
    "HU": "hu",
    "RO": "ro",
    "BG": "bg",
    "HR": "hr",
    "SI": "sl",
    "SE": "sv",
    "DK": "da",
    "FI": "fi",
    "EE": "et",
    "LV": "lv",
    "LT": "lt",
    "IS": "is",
    "TR": "tr",
    "JP": "ja",
    "CN": "zh",
    "KR": "ko",
}


def reads(country: str, lang: str) -> bool:
    """Whether people of `country` (or subdivision) can be expected to read `lang`."""
    code = country.split("-")[0].upper()
    return COUNTRY_LANGUAGE.get(code) == lang or (lang == "en" and code in ENGLISH_READING)


def unread_countries(content: dict[str, Any]) -> dict[str, list[str]]:
    """Per notice language: the affected countries placed under it whose people read another
    language BreachDesk has no text in (Poland, Czechia... get English by default)."""
    out: dict[str, list[str]] = {}
    for lang, countries in (content.get("audiences") or {}).items():
        unread = [c for c in countries if not reads(c, lang)]
        if unread:
            out[lang] = unread
    return out


def rule_of(obligation: Obligation) -> Rule:
    return Rule.from_dict(obligation.rule.content)


def content_facts(incident: Incident) -> ContentFacts:
    return ContentFacts(data_categories=frozenset(incident.data_categories or ()))


def default_language(org: Organization | None) -> str:
    for lang in (org.languages if org else []) or []:
        if lang in LANGUAGES:
            return lang
    return "en"


def audiences(incident: Incident, default: str) -> dict[str, list[str]]:
    """Language -> the affected countries (or subdivisions) whose people read it."""
    out: dict[str, list[str]] = {}
    for code in incident.countries or []:
        lang = COUNTRY_LANGUAGE.get(code.split("-")[0].upper(), "en")
        out.setdefault(lang, []).append(code)
    out.setdefault(default, [])
    return out


#: Prohibitions that change what the text may say; others (not_to_compromised_email) are
#: honoured when sending and do not split a notice.
CONTENT_PROHIBITIONS = frozenset({"not_nature_of_breach", "not_affected_count"})


def variant_key(obligation: Obligation) -> tuple[str, ...]:
    """Obligations whose content prohibitions differ cannot share a text (notice-content.md
    §2.5-2.6: a letter that satisfies California breaks Massachusetts)."""
    codes = {p.code for p in prohibitions_for(rule_of(obligation))}
    return tuple(sorted(codes & CONTENT_PROHIBITIONS))


def _translated(msgid: str, languages: list[str]) -> dict[str, str]:
    out = {}
    for lang in languages:
        with translation.override(lang):
            out[lang] = _(msgid)
    return out


def _joined(msgids: list[str], languages: list[str]) -> dict[str, str]:
    out = {}
    for lang in languages:
        with translation.override(lang):
            out[lang] = " ".join(_(m) for m in msgids)
    return out


def how_it_happened(incident: Incident) -> list[str]:
    """The sentences (msgids, formatted after translation) that say how the breach happened:
    the vector's own sentence with what the cause adds to it, or the cause's sentence where
    the vector is not recorded (docs/notices.md, "What happened")."""
    vector, cause = incident.vector, incident.cause
    if vector in strings.SUPPLIER_ATTACKS and incident.source_party_id:
        return [strings.SUPPLIER_NAMED, strings.SUPPLIER_ATTACKS[vector]]
    if vector == "supplier_breach":
        said = [strings.SUPPLIER_NAMED if incident.source_party_id else strings.SUPPLIER]
        if cause in strings.SUPPLIER_CAUSES:
            said.append(strings.SUPPLIER_CAUSES[cause])
        elif cause == "unknown":
            said.append(strings.CAUSES["unknown"])
        return said
    if vector in strings.VECTORS:
        said = [strings.VECTORS[vector]]
        if cause in strings.VECTOR_CAUSE_DETAILS and not (
            vector == "staff_misuse" and cause == "malicious_insider"
        ):
            said.append(strings.VECTOR_CAUSE_DETAILS[cause])
        if vector in DEVICE_VECTORS and incident.data_protection in strings.DEVICE_PROTECTION:
            said.append(strings.DEVICE_PROTECTION[incident.data_protection])
        return said
    if cause in strings.CAUSES:
        return [strings.CAUSES[cause]]
    if vector == "unknown":
        return [strings.CAUSES["unknown"]]
    return []


def _what_happened(incident: Incident, org_name: str, languages: list[str]) -> dict[str, str]:
    how = how_it_happened(incident)
    supplier = {"supplier": incident.source_party.name} if incident.source_party_id else {}
    out = {}
    for lang in languages:
        with translation.override(lang):
            parts = []
            if incident.aware_at:
                parts.append(
                    _("On %(date)s we found out about a security incident at %(org)s.")
                    % {
                        "date": formats.date_format(incident.aware_at.date(), "DATE_FORMAT"),
                        "org": org_name,
                    }
                )
            for msgid in how:
                parts.append(_(msgid) % supplier if msgid == strings.SUPPLIER_NAMED else _(msgid))
            if incident.exposure in strings.EXPOSURES:
                parts.append(_(strings.EXPOSURES[incident.exposure]))
            out[lang] = " ".join(parts)
    return out


def _consequences(incident: Incident, languages: list[str], default: str) -> dict[str, str]:
    msgids = [
        strings.CONSEQUENCES[c] for c in incident.data_categories or [] if c in strings.CONSEQUENCES
    ]
    msgids = list(dict.fromkeys(msgids)) or [strings.GENERIC_CONSEQUENCE]
    texts = _joined(msgids, languages)
    if incident.likely_consequences.strip():
        texts = {default: incident.likely_consequences.strip()}
    return texts


def _measures(incident: Incident, languages: list[str], default: str) -> tuple[dict, dict]:
    if incident.measures_taken.strip():
        taken = {default: incident.measures_taken.strip()}
    else:
        msgids = [
            strings.MITIGATIONS[m] for m in incident.mitigations or [] if m in strings.MITIGATIONS
        ]
        taken = _joined(msgids or [strings.GENERIC_MEASURES_TAKEN], languages)
    if incident.measures_proposed.strip():
        proposed = {default: incident.measures_proposed.strip()}
    else:
        proposed = _translated(strings.GENERIC_MEASURES_PROPOSED, languages)
    return taken, proposed


def contact_from(org: Organization | None) -> dict[str, str]:
    """The contact point printed in the notice: the organisation's DPO by default."""
    if org is None:
        return {"name": "", "email": "", "phone": ""}
    return {
        "name": org.dpo_name or "",
        "email": org.dpo_email or "",
        "phone": org.dpo_phone or "",
        "website": "",
        "toll_free": "",
        "postal_address": "",
    }


def notice_facts(incident: Incident) -> dict[str, Any]:
    """The incident facts a notice shows (what was involved, when it happened, when found)."""
    return {
        "reference": incident.reference,
        "data_categories": list(incident.data_categories or []),
        "credentials_protection": incident.credentials_protection,
        "occurred_from": iso(incident.occurred_from),
        "occurred_to": iso(incident.occurred_to),
        "discovered_at": iso(incident.aware_at or incident.detected_at),
    }


def draft_content(
    *,
    incident: Incident,
    org: Organization | None,
    obligations: list[Obligation],
    languages: list[str] | None,
    exemptions: list[str],
) -> dict[str, Any]:
    """The content of version 1 of a notice serving `obligations` (one variant)."""
    default = default_language(org)
    langs_by_country = audiences(incident, default)
    chosen = languages or [default, *[lang for lang in langs_by_country if lang != default]]
    chosen = list(dict.fromkeys(chosen))
    facts = content_facts(incident)
    rules = [rule_of(o) for o in obligations]
    elements: list[str] = []
    for rule in rules:
        for element in elements_for(rule, facts=facts, include_optional=True):
            if element.code not in elements:
                elements.append(element.code)
    if "what_you_can_do" not in elements:
        elements.append("what_you_can_do")  # EDPB 9/2022: specific advice in every notice
    prohibited = sorted({p.code for r in rules for p in prohibitions_for(r)})
    format_codes = list(dict.fromkeys(f.code for r in rules for f in formats_for(r)))
    org_name = org.legal_name if org else ""
    keys = selectors_for(
        data_categories=incident.data_categories or [],
        credentials_protection=incident.credentials_protection,
        exposure=incident.exposure,
        subject_categories=incident.subject_categories or [],
        tags=incident.tags or [],
        vector=incident.vector,
    )
    advice = []
    for step in advice_select(keys=keys, countries=incident.countries or []):
        advice.append(
            {
                "id": step.id,
                "text": step_texts(step, chosen),
                "countries": list(step.countries),
                "sources": list(step.sources),
                "confidence": step.confidence,
            }
        )
    taken, proposed = _measures(incident, chosen, default)
    blocks: dict[str, dict[str, str]] = {
        "what_happened": _what_happened(incident, org_name, chosen),
        "likely_consequences": _consequences(incident, chosen, default),
        "measures_taken": taken,
        "measures_proposed": proposed,
    }
    not_determined = []
    for code in (
        "law_enforcement_delay",
        "credit_monitoring_offer",
        "services_offered",
        "reasons_for_delay",
    ):
        if code in elements:
            blocks[code] = {default: ""}
            if code == "law_enforcement_delay":
                not_determined.append(code)  # "if possible to determine": the DPO confirms
    public = "art34_3_c" in exemptions
    return {
        "schema": 1,
        "organisation": {"name": org_name},
        "contact": contact_from(org),
        "default_language": default,
        "languages": chosen,
        "audiences": {lang: langs_by_country.get(lang, []) for lang in chosen},
        "facts": notice_facts(incident),
        "elements": elements,
        "prohibited": prohibited,
        "formats": format_codes,
        "blocks": blocks,
        "not_determined": not_determined,
        "advice": advice,
        "phishing": [
            {"id": line.id, "text": step_texts(line, chosen), "sources": list(line.sources)}
            for line in phishing_lines()
        ],
        "exemptions": exemptions,
        "channels": ["page"] if public else ["email", "letter", "sms", "page"],
    }
