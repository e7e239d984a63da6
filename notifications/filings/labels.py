"""Labels of filing renditions in the authority's language (data in labels.toml)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from incidents.models import Obligation, Organization
from incidents.rules.content import catalogue

_DATA = tomllib.loads((Path(__file__).resolve().parent / "labels.toml").read_text("utf-8"))
LANGUAGES: tuple[str, ...] = tuple(_DATA["languages"])
# The element vocabulary shared with the notices (incidents/rules/content/elements.toml).
ELEMENT_CODES: frozenset[str] = frozenset(
    code for code, element in catalogue().items() if element.kind == "content"
)
DEFAULT_LANGUAGE = "en"

# Official language an authority of this jurisdiction works in, where we ship labels for it.
# Stopgap until the authority registry (issue 9) names each authority's languages.
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


def language_for(obligation: Obligation) -> str:
    """The authority's language when we have a translation for it; English otherwise."""
    jurisdiction = obligation.jurisdiction.split("-")[0].upper()
    if jurisdiction.startswith("EU"):  # the lead or competent authority of the establishment
        org = Organization.objects.first()
        source = (org.lead_authority or org.country) if org else ""
        jurisdiction = source.split("-")[0].upper()
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
