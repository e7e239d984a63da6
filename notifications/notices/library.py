"""The advice library and the US contact registry: data files in data/, read once.

Pure Python (no Django): `advice_select(...)` picks the steps that fit an incident's facts,
in library order, without duplicates. Translation happens in drafting, not here.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class AdviceStep:
    id: str
    text: str
    countries: tuple[str, ...]
    sources: tuple[str, ...]
    confidence: str
    when: tuple[str, ...] = ()


def _load(name: str) -> dict[str, Any]:
    with (DATA_DIR / name).open("rb") as handle:
        return tomllib.load(handle)


@cache
def advice_library() -> dict[str, Any]:
    raw = _load("advice.toml")
    steps = tuple(
        AdviceStep(
            id=s["id"],
            text=s["text"],
            countries=tuple(s["countries"]),
            sources=tuple(s["sources"]),
            confidence=s["confidence"],
            when=tuple(s["when"]),
        )
        for s in raw["steps"]
    )
    phishing = tuple(
        AdviceStep(
            id=p["id"],
            text=p["text"],
            countries=("ALL",),
            sources=tuple(p["sources"]),
            confidence="high",
        )
        for p in raw["phishing"]
    )
    return {"sources": dict(raw["sources"]), "steps": steps, "phishing": phishing}


@cache
def us_contacts() -> dict[str, Any]:
    return _load("us_contacts.toml")


def selectors_for(
    *,
    data_categories: Iterable[str],
    credentials_protection: str = "",
    exposure: str = "",
    subject_categories: Iterable[str] = (),
    tags: Iterable[str] = (),
    vector: str = "",
) -> frozenset[str]:
    """The `when` keys an incident's facts switch on."""
    keys = {"universal", *data_categories}
    if "credentials" in keys:
        keys.add(f"credentials:{credentials_protection or 'unknown'}")
    if exposure == "published":
        keys.add("published")
    if "children" in set(subject_categories):
        keys.add("children")
    if vector == "ransomware" or {t.lower() for t in tags} & {"ransomware", "extortion"}:
        keys.add("extortion")
    return frozenset(keys)


def _country_matches(step: AdviceStep, countries: frozenset[str]) -> bool:
    return "ALL" in step.countries or bool(set(step.countries) & countries)


def advice_select(*, keys: frozenset[str], countries: Iterable[str]) -> list[AdviceStep]:
    """Steps whose `when` meets `keys` and whose countries meet the affected countries."""
    national = frozenset(c.split("-")[0].upper() for c in countries)
    return [
        step
        for step in advice_library()["steps"]
        if set(step.when) & keys and _country_matches(step, national)
    ]


def phishing_lines() -> tuple[AdviceStep, ...]:
    return advice_library()["phishing"]


@cache
def advice_translations(lang: str) -> dict[str, str]:
    """Step id -> text in `lang` (data/advice_i18n/<lang>.toml); English is advice.toml."""
    path = DATA_DIR / "advice_i18n" / f"{lang}.toml"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        return dict(tomllib.load(handle).get("text", {}))


def step_texts(step: AdviceStep, languages: Iterable[str]) -> dict[str, str]:
    """The step's text in each of `languages` that has one (English always has one)."""
    out = {}
    for lang in languages:
        text = step.text if lang == "en" else advice_translations(lang).get(step.id)
        if text:
            out[lang] = text
    return out
