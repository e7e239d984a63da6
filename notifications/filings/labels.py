"""Labels of filing renditions in the authority's language (data in labels.toml)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from incidents.models import Authority, Obligation, Organization
from incidents.rules.content import catalogue

_DATA = tomllib.loads((Path(__file__).resolve().parent / "labels.toml").read_text("utf-8"))
LANGUAGES: tuple[str, ...] = tuple(_DATA["languages"])
# The element vocabulary shared with the notices (incidents/rules/content/elements.toml).
ELEMENT_CODES: frozenset[str] = frozenset(
    code for code, element in catalogue().items() if element.kind == "content"
)
# The elements whose value is a string (elements.toml `value`, "text" by default).
TEXT_ELEMENTS: frozenset[str] = frozenset(
    code for code in ELEMENT_CODES if catalogue()[code].value == "text"
)
DEFAULT_LANGUAGE = "en"

# Where the registry has no entry for the recipient: the official language of the authorities
# of these jurisdictions, for the languages we ship labels in.
JURISDICTION_LANGUAGE = {
    "DE": "de",
    "AT": "de",
    "LI": "de",
    "FR": "fr",
    "LU": "fr",
    "NO": "nb",
    "CY": "el",
    "GR": "el",
}
# Registry language codes that name a language we ship under another code.
ALIASES = {"no": "nb", "nn": "nb"}


def _authority_code(obligation: Obligation) -> str:
    """The registry code of the authority the obligation goes to, as far as it is known."""
    named = getattr(obligation, "recipient_authority", None)
    if isinstance(named, dict) and named.get("code"):
        return named["code"]
    if obligation.jurisdiction.upper().startswith("EU"):  # the lead authority (Art. 56)
        org = Organization.objects.first()
        return org.lead_authority if org else ""
    return ""


def language_for(obligation: Obligation) -> str:
    """The recipient's first language we have a translation for; English otherwise.

    A customer (we are its processor) is written to in the language its profile names.
    """
    party = obligation.party
    if party is not None:
        wanted = ALIASES.get(party.language, party.language)
        return wanted if wanted in LANGUAGES else DEFAULT_LANGUAGE
    code = _authority_code(obligation)
    authority = Authority.objects.filter(code=code).first() if code else None
    if authority is not None:
        for language in authority.languages:
            language = ALIASES.get(language, language)
            if language in LANGUAGES:
                return language
        return DEFAULT_LANGUAGE
    jurisdiction = (code or obligation.jurisdiction).split("-")[0].upper()
    return JURISDICTION_LANGUAGE.get(jurisdiction, DEFAULT_LANGUAGE)


def _pick(table: dict[str, str], language: str) -> str:
    return table.get(language) or table[DEFAULT_LANGUAGE]


def text(key: str, language: str) -> str:
    return _pick(_DATA["text"][key], language)


def element(code: str, language: str) -> str:
    table = _DATA["elements"].get(code)
    if table:
        return _pick(table, language)
    known = catalogue().get(code)
    return known.title if known else code.replace("_", " ")


def phase(code: str, language: str, fallback: str) -> str:
    table = _DATA["phases"].get(code)
    return _pick(table, language) if table else fallback


def coverage() -> dict[str, int]:
    """How many element labels each language has (the rest fall back to English)."""
    return {
        lang: sum(1 for table in _DATA["elements"].values() if lang in table) for lang in LANGUAGES
    }
