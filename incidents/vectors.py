"""How a breach happened (its vector): a descriptive fact kept beside the risk engine's facts.

The vocabulary follows the breach scenarios of EDPB Guidelines 01/2021 (ransomware, data
exfiltration, internal human risk source, lost or stolen devices, mispostal, social
engineering) and the examples of ENISA's "circumstances of the breach" (docs/incidents.md,
"How it happened"). The engine does not score the vector: what it changes about the risk is
already a fact the engine takes (`cause` for malicious intent, `exposure` for how far the data
went, `data_protection` for an encrypted device). The vector must agree with `cause`, so
that the two cannot tell contradicting stories in the register, a filing or a notice.

Pure Python: no Django.
"""

from types import MappingProxyType

from incidents.risk import vocab

VECTORS = (
    "intrusion",
    "ransomware",
    "phishing",
    "lost_device",
    "stolen_device",
    "misdirected_email",
    "misdirected_post",
    "accidental_publication",
    "improper_disposal",
    "staff_misuse",
    "supplier_breach",
    "other",
    "unknown",
)

#: English labels for people who record and file (forms, register, filings to authorities).
LABELS = MappingProxyType(
    {
        "intrusion": "System intrusion (hacking)",
        "ransomware": "Ransomware",
        "phishing": "Phishing or other social engineering",
        "lost_device": "Lost device (laptop, phone, storage media)",
        "stolen_device": "Stolen device (laptop, phone, storage media)",
        "misdirected_email": "E-mail sent to the wrong recipient(s)",
        "misdirected_post": "Post sent to the wrong address",
        "accidental_publication": "Accidental publication or exposure",
        "improper_disposal": "Improper disposal of documents or equipment",
        "staff_misuse": "Unauthorised access or use by staff",
        "supplier_breach": "Breach at a supplier or processor",
        "other": "Other",
        "unknown": "Not yet known",
    }
)

_MALICIOUS = frozenset({"malicious_external", "malicious_insider", "unknown"})
_ACCIDENTAL = frozenset(
    {"accidental_internal", "accidental_third_party", "technical_fault", "unknown"}
)
#: The causes each vector can have; a vector not listed takes any cause.
CAUSES_FOR = MappingProxyType(
    {
        "intrusion": _MALICIOUS,
        "ransomware": _MALICIOUS,
        "phishing": _MALICIOUS,
        "stolen_device": _MALICIOUS,
        "staff_misuse": frozenset({"malicious_insider", "unknown"}),
        "lost_device": _ACCIDENTAL,
        "misdirected_email": _ACCIDENTAL,
        "misdirected_post": _ACCIDENTAL,
        "accidental_publication": _ACCIDENTAL,
        "improper_disposal": _ACCIDENTAL,
    }
)

#: Vectors that tell who did it and how, so a notice needs no sentence about the cause.
SELF_EXPLAINING = frozenset(CAUSES_FOR)
#: Vectors where a device or papers left our hands: a notice says whether the data was locked.
DEVICE_VECTORS = frozenset({"lost_device", "stolen_device", "improper_disposal"})

if set(LABELS) != set(VECTORS) or not set().union(*CAUSES_FOR.values()) <= set(vocab.CAUSES):
    raise ImportError("vectors: LABELS and CAUSES_FOR must use the declared vocabularies")


def vector_cause_problem(vector: str, cause: str) -> str | None:
    """Why `vector` and `cause` contradict each other, or None ('' = not recorded)."""
    if not vector or not cause or cause in CAUSES_FOR.get(vector, vocab.CAUSES):
        return None
    fitting = ", ".join(c for c in vocab.CAUSES if c in CAUSES_FOR[vector])
    return (
        f"vector {vector!r} does not fit cause {cause!r} (it fits {fitting}); "
        "correct one of them, or set both in the same request."
    )
