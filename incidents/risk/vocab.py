"""Vocabularies of the risk engine's facts and outcomes (the API's enum values).

Each tuple lists the allowed string values of one fact or outcome field, in a fixed order
(the order is part of the API: it becomes the order of the enum choices). The meaning of
each value, and how the engine scores it, is in ``tables.py`` and ``docs/risk-method.md``.
"""

BREACH_TYPES = ("confidentiality", "integrity", "availability")
CAUSES = (
    "malicious_external",
    "malicious_insider",
    "accidental_internal",
    "accidental_third_party",
    "technical_fault",
    "unknown",
)
SPECIAL_CATEGORIES = (
    "health",
    "genetic",
    "biometric",
    "racial_ethnic_origin",
    "political_opinions",
    "religious_beliefs",
    "trade_union",
    "sex_life",
    "criminal_records",
)
DATA_CATEGORIES = (
    "identity",
    "contact",
    "online_identifiers",
    "credentials",
    "financial",
    "payment_card",
    "government_id",
    "location",
    "behavioural",
    "communications_content",
    "employment",
    "education",
    "images",
    *SPECIAL_CATEGORIES,
)
CREDENTIALS_PROTECTION = ("plaintext", "weak_hash", "strong_salted_hash")
SUBJECT_CATEGORIES = (
    "customers",
    "employees",
    "job_applicants",
    "patients",
    "children",
    "students",
    "vulnerable_adults",
    "public_figures",
    "other",
)
IDENTIFIABILITY = ("direct", "easy", "difficult", "negligible")
EXPOSURE = (
    "none",
    "internal_unauthorised",
    "known_trusted_recipient",
    "known_untrusted_recipient",
    "unknown_recipients",
    "exfiltrated",
    "published",
)
DATA_PROTECTION = ("none", "encrypted_key_safe", "encrypted_key_compromised", "pseudonymised")
AVAILABILITY_IMPACT = ("none", "restored_quickly", "prolonged", "permanent")
INTEGRITY_IMPACT = ("none", "altered_recoverable", "altered_unrecoverable")
MITIGATIONS = (
    "recipient_deleted_or_returned",
    "credentials_reset",
    "access_revoked",
    "device_remote_wiped",
    "data_restored_from_backup",
    "monitoring_in_place",
)
CONTACT_EFFORT = ("individual_contact_possible", "disproportionate_effort")
RISK_LEVELS = ("unlikely", "risk", "high")
COMMUNICATION_MODES = ("none", "individual", "public")
EXEMPTIONS = ("art34_3_a", "art34_3_b", "art34_3_c")
BANDS = ("low", "medium", "high", "very_high")

# Outputs of the rationale, not inputs: how one line of reasoning moved the outcome.
EFFECTS = ("raises", "lowers", "neutral", "decides", "unknown")
# The engine's likelihood scale (EDPB Guidelines 9/2022 para. 103: likelihood and severity).
LIKELIHOODS = ("remote", "possible", "likely")
