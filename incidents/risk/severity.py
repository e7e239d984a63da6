"""Steps 1-2 of the method: normalised facts, then ENISA severity SE = DPC x EI + CB.

Unknown facts get conservative values here, and every assumption is recorded so that the
rationale can say what was assumed (docs/risk-method.md sections 3 and 5).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from incidents.risk import tables, vocab
from incidents.risk.sources import (
    REF_AVAILABILITY,
    REF_CONTROLLER,
    REF_ENCRYPTED,
    REF_ENISA_CB,
    REF_ENISA_CONTEXT,
    REF_ENISA_CREDENTIALS,
    REF_ENISA_DPC,
    REF_ENISA_EI,
    REF_ENISA_FLAGS,
    REF_ENISA_SE,
    REF_IVB,
    REF_TYPES,
)
from incidents.risk.values import Facts, RationaleLine, Severity

CONFIDENTIALITY, INTEGRITY, AVAILABILITY = vocab.BREACH_TYPES


# ----------------------------------------------------------------------------------------
# Step 1: normalised facts (conservative values for unknowns)
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    types: frozenset[str]
    exposure: str
    malicious: bool
    categories: tuple[str, ...] | None
    credentials_usable: bool
    subjects: frozenset[str]
    subjects_count: int | None
    identifiability: str
    protection: str
    availability: str
    still_available: bool
    integrity: str
    sensitive_context: bool
    contained: bool
    assumed: Mapping[str, str] = field(default_factory=dict)


def _worse(order: tuple[str, ...], a: str, b: str) -> str:
    return a if order.index(a) >= order.index(b) else b


def _hours_impact(hours: float | None) -> str | None:
    if hours is None:
        return None
    if hours == 0:
        return "none"
    return "restored_quickly" if hours <= tables.QUICK_RESTORE_MAX_HOURS else "prolonged"


def normalise(facts: Facts, *, credit: bool, lines: list[RationaleLine]) -> Case:
    assumed: dict[str, str] = {}
    mitigations = frozenset(facts.mitigations or ())

    backup = facts.backup_available
    if backup is None and mitigations & tables.BACKUP_EVIDENCE:
        backup = True

    declared = frozenset(facts.breach_types or ())
    implied: set[str] = set()
    if facts.exposure not in (None, "none"):
        implied.add(CONFIDENTIALITY)
    if facts.integrity_impact not in (None, "none"):
        implied.add(INTEGRITY)
    if facts.availability_impact not in (None, "none") or (facts.availability_hours or 0) > 0:
        implied.add(AVAILABILITY)
    if declared:
        types = set(declared | implied)
        for extra in sorted(implied - declared):
            lines.append(
                line(
                    "breach_types",
                    "raises",
                    f"The facts show a loss of {extra} as well; it is assessed as such.",
                    REF_TYPES,
                )
            )
    else:
        types = set(implied)
        if facts.exposure is None or not types:
            types.add(CONFIDENTIALITY)
        assumed["breach_types"] = "a confidentiality breach as well as any the facts show"

    if facts.exposure is not None:
        exposure = facts.exposure
    elif CONFIDENTIALITY in types:
        exposure = "unknown_recipients"
        assumed["exposure"] = (
            f"disclosed to unknown recipients (ENISA +{tables.EXPOSURE_CB[exposure]})"
        )
    else:
        exposure = "none"
        assumed["exposure"] = "none, as no confidentiality breach is recorded"

    if facts.cause is None or facts.cause in tables.UNKNOWN_CAUSES:
        malicious = True
        assumed["cause"] = f"malicious intent cannot be excluded (ENISA +{tables.MALICIOUS_CB})"
    else:
        malicious = facts.cause in tables.MALICIOUS_CAUSES

    categories = facts.data_categories or None
    if categories is None:
        assumed["data_categories"] = "simple data, and at least a risk"
    credentials_usable = False
    if categories and "credentials" in categories:
        protection = facts.credentials_protection
        if protection is None:
            protection = "plaintext"
            assumed["credentials_protection"] = "plaintext (usable by whoever holds them)"
        credentials_usable = protection != "strong_salted_hash" and not (
            credit and mitigations & tables.CREDENTIALS_NEUTRALISED_BY
        )

    identifiability = facts.identifiability or "direct"
    if facts.identifiability is None:
        assumed["identifiability"] = (
            f"direct identification (EI {tables.IDENTIFIABILITY_EI[identifiability]})"
        )
    data_protection = facts.data_protection or "none"
    if facts.data_protection is None:
        assumed["data_protection"] = "no encryption or pseudonymisation"

    from_hours = _hours_impact(facts.availability_hours)
    if facts.availability_impact is not None:
        availability = facts.availability_impact
        if (
            from_hours is not None
            and _worse(vocab.AVAILABILITY_IMPACT, from_hours, availability) != availability
        ):
            lines.append(
                line(
                    "availability_hours",
                    "raises",
                    f"An outage of {facts.availability_hours:g} hours is"
                    f" {words(from_hours)} (over {tables.QUICK_RESTORE_MAX_HOURS} hours is"
                    " prolonged); the worse reading is used.",
                    REF_AVAILABILITY,
                )
            )
            availability = from_hours
    elif AVAILABILITY in types:
        if from_hours is not None:
            availability = from_hours
        else:
            availability = "permanent" if backup is False else "prolonged"
            assumed["availability_impact"] = f"a {words(availability)} loss of availability"
            if backup is None:
                assumed["backup_available"] = "no backup"
    else:
        availability = "none"
        if not declared:
            assumed["availability_impact"] = "no loss of availability"
    # Is there positive evidence that the data is still available (9/2022 II.D: "a copy or
    # backup exists")? A stated or measured impact decides; otherwise a backup, or a declared
    # breach that is not an availability breach.
    stated = facts.availability_impact or from_hours
    if stated is not None:
        still_available = _worse(vocab.AVAILABILITY_IMPACT, stated, "restored_quickly") == (
            "restored_quickly"
        )
    else:
        still_available = backup is True or bool(declared and AVAILABILITY not in declared)

    if facts.integrity_impact is not None:
        integrity = facts.integrity_impact
    elif INTEGRITY in types:
        integrity = "altered_unrecoverable" if backup is False else "altered_recoverable"
        assumed["integrity_impact"] = f"data {words(integrity)}"
    else:
        integrity = "none"

    if not facts.subject_categories:
        assumed["subject_categories"] = "no vulnerable or well-known data subjects"
    if facts.subjects_count is None:
        assumed["subjects_count"] = "not large-scale"
    if facts.sensitive_context is None:
        assumed["sensitive_context"] = "no sensitive context"

    contained = credit and any(
        measure in mitigations and exposure in exposures
        for measure, exposures in tables.CONTAINMENT.items()
    )
    return Case(
        types=frozenset(types),
        exposure=exposure,
        malicious=malicious,
        categories=categories,
        credentials_usable=credentials_usable,
        subjects=frozenset(facts.subject_categories or ()),
        subjects_count=facts.subjects_count,
        identifiability=identifiability,
        protection=data_protection,
        availability=availability,
        still_available=still_available,
        integrity=integrity,
        sensitive_context=bool(facts.sensitive_context),
        contained=contained,
        assumed=assumed,
    )


def line(factor: str, effect: str, explanation: str, reference: str) -> RationaleLine:
    return RationaleLine(factor=factor, effect=effect, explanation=explanation, reference=reference)


def words(value: str) -> str:
    return value.replace("_", " ")


# ----------------------------------------------------------------------------------------
# Step 2: ENISA severity
# ----------------------------------------------------------------------------------------


def _category_scores(categories: tuple[str, ...], credentials_usable: bool) -> dict[str, int]:
    others = [
        tables.CATEGORY_DPC[c] for c in categories if c not in tables.CREDENTIAL_SCOPE_EXCLUDED
    ]
    scores: dict[str, int] = {}
    for category in categories:
        if category != "credentials":
            scores[category] = tables.CATEGORY_DPC[category]
        elif not credentials_usable:
            scores[category] = tables.PROTECTED_CREDENTIALS_DPC
        else:
            scores[category] = max(others) if others else tables.CREDENTIALS_UNKNOWN_SCOPE_DPC
    return scores


def _dpc(case: Case, lines: list[RationaleLine]) -> int:
    if case.categories is None:
        base = tables.UNKNOWN_DATA_DPC
        lines.append(
            line(
                "enisa_dpc",
                "neutral",
                f"Data categories unknown: scored as simple data (DPC {base}).",
                REF_ENISA_DPC,
            )
        )
    else:
        scores = _category_scores(case.categories, case.credentials_usable)
        base = max(scores.values())
        top = ", ".join(words(c) for c, s in scores.items() if s == base)
        lines.append(
            line(
                "enisa_dpc",
                "raises" if base > tables.DPC_MIN else "neutral",
                f"Each data category is scored and the highest is kept: {top} = {base}.",
                REF_ENISA_DPC,
            )
        )
        if "credentials" in scores:
            if not case.credentials_usable:
                text = (
                    "Credentials are strongly hashed with a salt (or were reset): they unlock"
                    f" nothing and score {tables.PROTECTED_CREDENTIALS_DPC}."
                )
                effect = "lowers"
            elif set(case.categories) - tables.CREDENTIAL_SCOPE_EXCLUDED:
                text = (
                    "Usable credentials are scored by the data they give access to:"
                    f" {scores['credentials']}."
                )
                effect = "neutral"
            else:
                text = (
                    "Usable credentials of which nothing else is known are scored as the worst"
                    f" ENISA example (online banking): {tables.CREDENTIALS_UNKNOWN_SCOPE_DPC}."
                )
                effect = "raises"
            lines.append(line("credentials_protection", effect, text, REF_ENISA_CREDENTIALS))

    factors: list[tuple[str, str, str]] = []
    if case.sensitive_context:
        factors.append(
            (
                "sensitive_context",
                "the nature of the controller or the context allows sensitive assumptions",
                f"{REF_ENISA_CONTEXT}; {REF_CONTROLLER}",
            )
        )
    raising = sorted(case.subjects & tables.DPC_RAISING_SUBJECTS)
    if raising:
        factors.append(
            (
                "subject_categories",
                "special characteristics of the individuals"
                f" ({', '.join(words(s) for s in raising)})",
                f"{REF_ENISA_CONTEXT}; {REF_IVB}",
            )
        )
    volume = _volume_reason(case)
    if volume:
        factors.append(("data_categories", volume, f"{REF_ENISA_CONTEXT}; {REF_IVB}"))
    dpc = base
    for name, why, reference in factors:
        raised = min(tables.DPC_MAX, dpc + tables.CONTEXT_STEP)
        if raised > dpc:
            lines.append(line(name, "raises", f"DPC {dpc} -> {raised}: {why}.", reference))
        else:
            lines.append(
                line(name, "neutral", f"DPC already at its maximum {dpc}: {why}.", reference)
            )
        dpc = raised
    return dpc


def _volume_reason(case: Case) -> str | None:
    if case.categories is not None:
        breadth = len(set(case.categories) - {"credentials"})
        if breadth >= tables.BREADTH_CATEGORY_THRESHOLD:
            return f"volume of data about each person ({breadth} categories combined)"
    return None


def _ei(case: Case, lines: list[RationaleLine]) -> Decimal:
    level = case.identifiability
    order = tables.IDENTIFIABILITY_ORDER
    lines.append(
        line(
            "identifiability",
            "neutral",
            f"Ease of identification: {level} (EI {tables.IDENTIFIABILITY_EI[level]}).",
            REF_ENISA_EI,
        )
    )
    if case.protection == "pseudonymised":
        lowered = order[min(len(order) - 1, order.index(level) + tables.PSEUDONYMISED_EI_STEPS)]
        lines.append(
            line(
                "data_protection",
                "lowers" if lowered != level else "neutral",
                f"Pseudonymised data: identification {level} -> {lowered}.",
                f"{REF_ENISA_EI}; {REF_IVB}",
            )
        )
        level = lowered
    elif case.protection == "encrypted_key_safe":
        level = tables.ENCRYPTED_KEY_SAFE_IDENTIFIABILITY
        lines.append(
            line(
                "data_protection",
                "lowers",
                "Encrypted with the key safe: the data is unintelligible, identification"
                f" {level} (EI {tables.IDENTIFIABILITY_EI[level]}).",
                f"{REF_ENISA_FLAGS}; {REF_ENCRYPTED}",
            )
        )
    elif case.protection == "encrypted_key_compromised":
        lines.append(
            line(
                "data_protection",
                "raises",
                "The encryption key was compromised: the encryption gives no protection.",
                REF_ENCRYPTED,
            )
        )
    return tables.IDENTIFIABILITY_EI[level]


def _cb(case: Case, lines: list[RationaleLine]) -> Decimal:
    parts = (
        (
            "exposure",
            tables.EXPOSURE_CB[case.exposure],
            f"confidentiality: {words(case.exposure)}",
        ),
        (
            "integrity_impact",
            tables.INTEGRITY_CB[case.integrity],
            f"integrity: {words(case.integrity)}",
        ),
        (
            "availability_impact",
            tables.AVAILABILITY_CB[case.availability],
            f"availability: {words(case.availability)}",
        ),
        (
            "cause",
            tables.MALICIOUS_CB if case.malicious else tables.NO_MALICE_CB,
            "malicious intent" if case.malicious else "no malicious intent",
        ),
    )
    total = sum((points for _, points, _ in parts), Decimal("0"))
    for name, points, what in parts:
        if points:
            lines.append(line(name, "raises", f"Circumstances: {what} (+{points}).", REF_ENISA_CB))
    return total


def _band(score: Decimal) -> str:
    for lower, band in tables.BAND_LOWER_BOUNDS:
        if score >= lower:
            return band
    return tables.LOWEST_BAND


def enisa_severity(case: Case, lines: list[RationaleLine]) -> Severity:
    dpc = _dpc(case, lines)
    ei = _ei(case, lines)
    cb = _cb(case, lines)
    score = Decimal(dpc) * ei + cb
    band = _band(score)
    q = tables.SCORE_QUANTUM
    severity = Severity(
        dpc=dpc, ei=ei.quantize(q), cb=cb.quantize(q), score=score.quantize(q), band=band
    )
    lines.append(
        line(
            "enisa_severity",
            "neutral",
            f"SE = DPC x EI + CB = {dpc} x {severity.ei} + {severity.cb} = {severity.score}:"
            f" {words(band)} severity.",
            REF_ENISA_SE,
        )
    )
    if case.subjects_count is not None and case.subjects_count > tables.ENISA_FLAG_SUBJECTS:
        lines.append(
            line(
                "subjects_count",
                "neutral",
                f"ENISA flag: more than {tables.ENISA_FLAG_SUBJECTS} individuals affected"
                " (reported, no effect on the score).",
                REF_ENISA_FLAGS,
            )
        )
    return severity
