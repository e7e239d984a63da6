"""The risk engine: breach facts in, GDPR Art. 33/34 outcome and its reasons out.

Pure Python (no Django, no I/O, no clock). The method, step by step, with its sources and the
design decisions that are BreachDesk's own, is in docs/risk-method.md:

1. Normalise the facts: unknown facts get conservative values (section 5).
2. ENISA severity SE = DPC x EI + CB and its band (ENISA 2013; section 3).
3. Likelihood that the breach harms people: remote / possible / likely (section 4.1).
4. Band x likelihood gives the base outcome (9/2022 para. 103; section 4.2), then GDPR rules
   raise or cap it (9/2022 para. 102, para. 51, IV.B, II.D; 01/2021 cases; section 4.3).
5. Subsequent measures: they can lower a "risk" outcome (containment), but a "high" outcome
   stays high and the measures are tested against Art. 34(3)(b) instead (section 6).
6. Art. 34(3)(a)/(b)/(c) decide whether and how data subjects are told (section 6).
7. Every unknown fact is re-tried with each possible value; those that could change the
   outcome are reported in ``missing_facts`` (section 5).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from incidents.risk import tables, vocab
from incidents.risk.severity import (
    AVAILABILITY,
    CONFIDENTIALITY,
    INTEGRITY,
    Case,
    enisa_severity,
    line,
    normalise,
    words,
)
from incidents.risk.sources import (
    REF_ART33,
    REF_ART34,
    REF_ART34_A,
    REF_ART34_B,
    REF_ART34_C,
    REF_AVAILABILITY,
    REF_CONTAINMENT,
    REF_DOUBT,
    REF_ENCRYPTED,
    REF_EXPOSURE_REMOVED,
    REF_FRAUD,
    REF_INTEGRITY,
    REF_LIKELIHOOD,
    REF_MATRIX,
    REF_SCALE,
    REF_SPECIAL,
    REF_SPECIAL_EXPOSED,
)
from incidents.risk.values import (
    CHOICE_FIELDS,
    TUPLE_FIELDS,
    Assessment,
    Facts,
    RationaleLine,
    Severity,
)

METHOD_VERSION = "2026.1"

_LEVEL_RANK = {level: rank for rank, level in enumerate(vocab.RISK_LEVELS)}
_LIKELIHOOD_RANK = {name: rank for rank, name in enumerate(vocab.LIKELIHOODS)}
_SPECIAL = frozenset(vocab.SPECIAL_CATEGORIES)


# ----------------------------------------------------------------------------------------
# Steps 3-4: likelihood, matrix, GDPR rules
# ----------------------------------------------------------------------------------------


def _min_like(a: str, b: str) -> str:
    return a if _LIKELIHOOD_RANK[a] <= _LIKELIHOOD_RANK[b] else b


def _max_like(a: str, b: str) -> str:
    return a if _LIKELIHOOD_RANK[a] >= _LIKELIHOOD_RANK[b] else b


def _confidentiality_likelihood(case: Case, ei: Decimal) -> tuple[str, str]:
    if CONFIDENTIALITY not in case.types:
        return "remote", "no loss of confidentiality"
    if case.protection == "encrypted_key_safe":
        return "remote", "the disclosed data is unintelligible"
    if ei <= tables.REMOTE_EI_MAX:
        return "remote", "the disclosed data can hardly be linked to anyone"
    if case.contained and case.exposure in tables.EXPOSURES_REMOVED_BY_DELETION:
        return "remote", "a trusted recipient deleted or returned the data: the exposure is removed"
    categories = frozenset(case.categories or ())
    if (
        "credentials" in categories
        and not case.credentials_usable
        and categories - {"credentials"} <= tables.ACCOUNT_IDENTIFIER_CATEGORIES
    ):
        return "remote", (
            "only account identifiers are intelligible and the credentials stay protected"
            " (01/2021 Case 06)"
        )
    like = tables.EXPOSURE_LIKELIHOOD[case.exposure]
    why = f"exposure {words(case.exposure)}"
    if case.contained:
        like = _min_like(like, "possible")
        why += ", since contained by the controller"
    elif case.malicious and like == "possible":
        like = "likely"
        why += ", in malicious hands (or malice not excluded)"
    elif like == "likely":
        why += ", beyond the controller's control"
    if ei < tables.IDENTIFIABLE_EI_MIN:
        like = _min_like(like, "possible")
        why += ", identification limited"
    return like, why


@dataclass(frozen=True)
class _Analysis:
    level: str
    severity: Severity
    case: Case
    lines: tuple[RationaleLine, ...]


def _analyse(facts: Facts, *, credit: bool) -> _Analysis:
    lines: list[RationaleLine] = []
    case = normalise(facts, credit=credit, lines=lines)
    severity = enisa_severity(case, lines)
    ei = severity.ei  # after pseudonymisation or encryption

    c_like, c_why = _confidentiality_likelihood(case, ei)
    a_like = tables.AVAILABILITY_LIKELIHOOD[case.availability]
    i_like = tables.INTEGRITY_LIKELIHOOD[case.integrity]
    likelihood = _max_like(_max_like(c_like, a_like), i_like)
    lines.append(
        line(
            "likelihood",
            "raises" if likelihood == "likely" else "neutral",
            f"Likelihood of harm: {likelihood} (confidentiality {c_like}: {c_why};"
            f" availability {a_like}; integrity {i_like}).",
            REF_LIKELIHOOD,
        )
    )
    level = tables.RISK_MATRIX[severity.band][likelihood]
    lines.append(
        line(
            "risk_matrix",
            "neutral",
            f"{words(severity.band).capitalize()} severity with {likelihood} harm: {level}.",
            REF_MATRIX,
        )
    )

    categories = frozenset(case.categories or ())
    special = sorted(categories & _SPECIAL)
    vulnerable = sorted(case.subjects & tables.VULNERABLE_SUBJECTS)
    intelligible = case.protection != "encrypted_key_safe"
    identifiable_and_likely = c_like == "likely" and ei >= tables.IDENTIFIABLE_EI_MIN

    # Caps: a loss of availability alone (01/2021 Cases 01-03; DESIGN section 4.3).
    if c_like == "remote" and case.integrity == "none" and case.availability != "none":
        cap = None
        if case.availability == "restored_quickly":
            cap = "risk" if special else "unlikely"
            why = "restored quickly with no other loss: only minor consequences"
        elif case.availability == "prolonged" and not (special or vulnerable):
            cap = "risk"
            why = "a prolonged outage of data that is neither special nor about vulnerable people"
        if cap is not None and _LEVEL_RANK[cap] < _LEVEL_RANK[level]:
            level = cap
            lines.append(
                line(
                    "availability_impact",
                    "lowers",
                    f"Availability only, {why}: at most {cap}.",
                    REF_AVAILABILITY,
                )
            )

    floors: list[tuple[str, str, str, str]] = []
    if special and intelligible:
        floors.append(
            (
                "special_categories",
                "risk",
                f"Special-category data ({', '.join(words(s) for s in special)}): damage"
                " should be considered likely",
                REF_SPECIAL,
            )
        )
        if identifiable_and_likely:
            floors.append(
                (
                    "special_categories",
                    "high",
                    "Special-category data has left the controller's control towards"
                    " untrusted or unknown parties",
                    REF_SPECIAL_EXPOSED,
                )
            )
    fraud = sorted(
        c
        for c in categories & tables.FRAUD_CATEGORIES
        if c != "credentials" or case.credentials_usable
    )
    if fraud and identifiable_and_likely:
        floors.append(
            (
                "fraud_data",
                "high",
                "Data enabling identity theft, fraud or financial loss"
                f" ({', '.join(words(c) for c in fraud)}) is likely in the wrong hands",
                REF_FRAUD,
            )
        )
    if (
        identifiable_and_likely
        and case.exposure in tables.UNCONTROLLED_EXPOSURES
        and case.subjects_count is not None
        and case.subjects_count >= tables.LARGE_SCALE_SUBJECTS
        and tables.IDENTITY_CATEGORY in categories
        and len(categories - {"credentials"}) >= tables.LARGE_SCALE_MIN_CATEGORIES
    ):
        floors.append(
            (
                "subjects_count",
                "high",
                f"Identity data of {case.subjects_count} people (at least"
                f" {tables.LARGE_SCALE_SUBJECTS}) combined with other data is beyond control",
                REF_SCALE,
            )
        )
    if case.availability in ("prolonged", "permanent"):
        floors.append(
            (
                "availability_impact",
                "risk",
                f"Loss of availability is {words(case.availability)}: people are affected",
                REF_AVAILABILITY,
            )
        )
    if case.integrity == "altered_unrecoverable":
        floors.append(
            (
                "integrity_impact",
                "risk",
                "Data was altered and the original cannot be recovered",
                REF_INTEGRITY,
            )
        )
    if case.categories is None:
        floors.append(
            (
                "data_categories",
                "risk",
                "The data categories are not known yet; notify, completing in phases",
                REF_DOUBT,
            )
        )
    for factor, floor, why, reference in floors:
        if _LEVEL_RANK[floor] > _LEVEL_RANK[level]:
            lines.append(line(factor, "raises", f"{why}: at least {floor}.", reference))
            level = floor
        else:
            lines.append(line(factor, "neutral", f"{why} (already {level}).", reference))

    # A trusted recipient deleted or returned what it received by mistake, and nothing else
    # was lost: the exposure no longer exists (01/2021 Case 09, also with financial data).
    if (
        case.contained
        and case.exposure in tables.EXPOSURES_REMOVED_BY_DELETION
        and case.availability == "none"
        and case.integrity != "altered_unrecoverable"
        and not special
        and level != "unlikely"
    ):
        lines.append(
            line(
                "exposure",
                "decides",
                "Sent to a trusted recipient (bound by secrecy) who deleted or returned it, with"
                " no other loss: the exposure is removed, unlikely to result in a risk.",
                REF_EXPOSURE_REMOVED,
            )
        )
        level = "unlikely"

    # Unintelligible data with no loss of availability (9/2022 II.D, para. 77).
    if (
        case.protection == "encrypted_key_safe"
        and case.still_available
        and case.integrity != "altered_unrecoverable"
    ):
        lines.append(
            line(
                "data_protection",
                "decides",
                "State-of-the-art encryption with the key safe, and the data is still available"
                " (backup or copy): unlikely to result in a risk.",
                REF_ENCRYPTED,
            )
        )
        level = "unlikely"
    return _Analysis(level=level, severity=severity, case=case, lines=tuple(lines))


# ----------------------------------------------------------------------------------------
# Steps 5-6: subsequent measures and Art. 34(3)
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Decision:
    level: str
    notify: bool
    communicate: bool
    mode: str
    severity: Severity
    exemptions: tuple[str, ...]
    lines: tuple[RationaleLine, ...]
    assumed: Mapping[str, str]

    @property
    def outcome(self) -> tuple[str, bool, bool, str]:
        return (self.level, self.notify, self.communicate, self.mode)


_CREDITED = frozenset(tables.CONTAINMENT) | tables.CREDENTIALS_NEUTRALISED_BY


def _decide(facts: Facts) -> _Decision:
    first = _analyse(facts, credit=False)
    lines = list(first.lines)
    mitigations = frozenset(facts.mitigations or ())
    credited = sorted(mitigations & _CREDITED)
    exemptions: list[str] = []
    level = first.level

    for measure in sorted(mitigations - _CREDITED):
        if measure in tables.BACKUP_EVIDENCE:
            text = "Data restored from a backup: a backup exists. The outage already happened."
        else:
            text = "Monitoring can detect misuse but does not make harm less likely to occur."
        lines.append(line("mitigations", "neutral", text, REF_ART34_B))

    if credited:
        second = _analyse(facts, credit=True)
        names = ", ".join(words(m) for m in credited)
        if first.level == "high":
            if second.level != "high":
                exemptions.append("art34_3_b")
                lines.append(
                    line(
                        "mitigations",
                        "decides",
                        f"Measures taken since ({names}) make the high risk no longer likely to"
                        f" materialise (re-assessed with them: {second.level}). The breach stays"
                        " high risk for the authority; data subjects need not be told.",
                        REF_ART34_B,
                    )
                )
            else:
                lines.append(
                    line(
                        "mitigations",
                        "neutral",
                        f"Measures taken since ({names}) do not remove the high risk"
                        " (re-assessed with them: still high).",
                        REF_ART34_B,
                    )
                )
        elif _LEVEL_RANK[second.level] < _LEVEL_RANK[first.level]:
            level = second.level
            lines.append(
                line(
                    "mitigations",
                    "lowers",
                    f"Measures taken since ({names}) contain the breach before harm: {level}.",
                    REF_CONTAINMENT,
                )
            )
        else:
            lines.append(
                line(
                    "mitigations",
                    "neutral",
                    f"Measures taken since ({names}) do not change the outcome.",
                    REF_CONTAINMENT,
                )
            )

    if facts.data_protection == "encrypted_key_safe":
        if level != "high":
            exemptions.append("art34_3_a")
            lines.append(
                line(
                    "art34_3_a",
                    "decides",
                    "The affected data was unintelligible to anyone not authorised (encryption,"
                    " key safe): no communication to data subjects is required.",
                    REF_ART34_A,
                )
            )
        else:
            lines.append(
                line(
                    "art34_3_a",
                    "neutral",
                    "Encryption does not remove this high risk, which arises from the loss of"
                    " availability or integrity.",
                    REF_ART34_A,
                )
            )

    notify = level in ("risk", "high")
    communicate = level == "high" and not exemptions
    mode = "none"
    if communicate:
        if facts.contact_effort == "disproportionate_effort":
            exemptions.append("art34_3_c")
            mode = "public"
            lines.append(
                line(
                    "art34_3_c",
                    "decides",
                    "Contacting each person would involve disproportionate effort: a public"
                    " communication that informs them equally effectively is used instead.",
                    REF_ART34_C,
                )
            )
        else:
            mode = "individual"

    lines.append(
        line(
            "notify_authority",
            "decides",
            "Notify the supervisory authority without undue delay (within 72 hours)."
            if notify
            else "Unlikely to result in a risk: document the breach (Art. 33(5)), no notification.",
            REF_ART33,
        )
    )
    lines.append(
        line(
            "communicate_subjects",
            "decides",
            f"High risk: tell the data subjects ({mode} communication)."
            if communicate
            else "Data subjects need not be told"
            + (" (an Art. 34(3) exemption applies)." if level == "high" else " (no high risk)."),
            REF_ART34,
        )
    )
    return _Decision(
        level=level,
        notify=notify,
        communicate=communicate,
        mode=mode,
        severity=first.severity,
        exemptions=tuple(e for e in vocab.EXEMPTIONS if e in exemptions),
        lines=tuple(lines),
        assumed=first.case.assumed,
    )


# ----------------------------------------------------------------------------------------
# Step 7: missing facts
# ----------------------------------------------------------------------------------------

# Facts the engine re-tries when unknown. Mitigations and contact effort are not among them:
# an Art. 34(3) exemption must be demonstrated by the controller, so its absence is not a
# missing fact (9/2022 III.D accountability).
_SENSITIVITY_FIELDS = (
    "breach_types",
    "cause",
    "data_categories",
    "credentials_protection",
    "subject_categories",
    "subjects_count",
    "identifiability",
    "exposure",
    "data_protection",
    "availability_impact",
    "availability_hours",
    "backup_available",
    "integrity_impact",
    "sensitive_context",
)


# A fact about a kind of loss that the declared breach types exclude is known: it is "none".
_TYPE_OF_FACT = {
    "exposure": CONFIDENTIALITY,
    "integrity_impact": INTEGRITY,
    "availability_impact": AVAILABILITY,
    "availability_hours": AVAILABILITY,
}


def _is_unknown(facts: Facts, name: str) -> bool:
    value = getattr(facts, name)
    if not (value is None or value == () or (name == "cause" and value in tables.UNKNOWN_CAUSES)):
        return False
    if facts.breach_types and _TYPE_OF_FACT.get(name, "") not in ("", *facts.breach_types):
        return False
    # The outage length only refines a missing availability impact.
    return not (name == "availability_hours" and facts.availability_impact is not None)


def _candidates(facts: Facts, name: str) -> Iterable[Any]:
    if name in TUPLE_FIELDS:
        return [(value,) for value in TUPLE_FIELDS[name]]
    if name == "cause":
        return [c for c in vocab.CAUSES if c not in tables.UNKNOWN_CAUSES]
    if name in CHOICE_FIELDS:
        return CHOICE_FIELDS[name]
    if name == "subjects_count":
        return tables.SENSITIVITY_SUBJECT_COUNTS
    if name == "availability_hours":
        return tables.SENSITIVITY_AVAILABILITY_HOURS
    return (True, False)


def _describe(decision: _Decision) -> str:
    if decision.communicate:
        return f"{decision.level} risk with {decision.mode} communication"
    return f"{decision.level}" + (" without communication" if decision.level == "high" else "")


def assess(facts: Facts) -> Assessment:
    """Assess a breach: GDPR outcome, ENISA severity, reasons and the facts still missing."""
    decision = _decide(facts)
    unknown_lines: list[RationaleLine] = []
    missing: list[str] = []
    for name in _SENSITIVITY_FIELDS:
        if not _is_unknown(facts, name):
            continue
        changed = None
        for candidate in _candidates(facts, name):
            other = _decide(replace(facts, **{name: candidate}))
            if other.outcome != decision.outcome:
                changed = (candidate, other)
                break
        assumption = decision.assumed.get(name)
        if changed is None:
            if assumption is None:
                continue  # not used by this assessment
            unknown_lines.append(
                line(
                    name,
                    "neutral",
                    f"Not known; assumed {assumption}. No value would change the outcome.",
                    REF_DOUBT,
                )
            )
            continue
        candidate, other = changed
        shown = candidate[0] if isinstance(candidate, tuple) else candidate
        missing.append(name)
        unknown_lines.append(
            line(
                name,
                "unknown",
                f"Not known; assumed {assumption or 'to have no effect'}. Knowing it could change"
                " the outcome"
                f" (for example {shown!r} gives {_describe(other)}).",
                REF_DOUBT,
            )
        )
    return Assessment(
        risk_level=decision.level,
        notify_authority=decision.notify,
        communicate_subjects=decision.communicate,
        communication_mode=decision.mode,
        severity=decision.severity,
        exemptions=decision.exemptions,
        rationale=(*unknown_lines, *decision.lines),
        missing_facts=tuple(missing),
        method_version=METHOD_VERSION,
    )
