"""Every number and mapping the risk engine uses, each with its source.

Sources:
  ENISA 2013  ENISA, "Recommendations for a methodology of the assessment of severity of
              personal data breaches", WP v1.0, Dec 2013 (page numbers are the document's own).
  9/2022      EDPB Guidelines 9/2022 on personal data breach notification under GDPR, v2.0.
  01/2021     EDPB Guidelines 01/2021 on Examples regarding Personal Data Breach
              Notification, v2.0 (14 Dec 2021); "Case 03" is its CASE No. 03.
  DESIGN      a BreachDesk design decision, explained in docs/risk-method.md (section given).

Counsel can review this file without reading the engine: the engine only combines these
values. Nothing here may be changed without bumping METHOD_VERSION in engine.py.
"""

from decimal import Decimal
from types import MappingProxyType

# --------------------------------------------------------------------------------------
# ENISA severity: SE = DPC x EI + CB (ENISA 2013 section 2.2 p. 3, section 3.2 p. 6)
# --------------------------------------------------------------------------------------

# DPC range (ENISA 2013 section 2.2 p. 3, Table 1 pp. 9-10).
DPC_MIN = 1
DPC_MAX = 4

# Basic DPC score of each data category (ENISA 2013 Annex 1 A1, Table 1, pp. 9-10):
# simple data 1, behavioural data 2, financial data 3, sensitive data 4.
CATEGORY_DPC = MappingProxyType(
    {
        "identity": 1,  # simple: "biographical data, full name"
        "contact": 1,  # simple: "contact details"
        "online_identifiers": 1,  # simple (DESIGN section 3.1: treated like contact details)
        "employment": 1,  # simple: "professional experience"
        "education": 1,  # simple: "education"
        "images": 1,  # simple (DESIGN section 3.1: a picture's weight is in EI, Annex 2)
        "government_id": 2,  # DESIGN section 3.1: simple +1, ID numbers enable identity fraud
        #                      (9/2022 para. 51; passport numbers listed in II.B.1)
        "location": 2,  # behavioural: "location, traffic data"
        "behavioural": 2,  # behavioural: "personal preferences and habits"
        "communications_content": 2,  # behavioural basic score (DESIGN section 3.1;
        #                               ENISA A3 social-network and call-record examples)
        "financial": 3,  # financial: "income, transactions, bank statements"
        "payment_card": 4,  # financial +1: "full card data that could enable fraud"
        # Sensitive data, basic score 4 (Table 1 "health, political affiliation, sexual
        # life, and any other sensitive data") = the GDPR Art. 9/10 categories.
        "health": 4,
        "genetic": 4,
        "biometric": 4,
        "racial_ethnic_origin": 4,
        "political_opinions": 4,
        "religious_beliefs": 4,
        "trade_union": 4,
        "sex_life": 4,
        "criminal_records": 4,
    }
)

# Credentials are not a category: they are scored by the data they give access to
# (ENISA 2013 section 3.1.1 p. 4; Annex 1 A3 p. 16). Their DPC is the highest DPC of the
# other categories in the same breached set (the account's contents), except:
# - when nothing else is known of what they unlock, the worst ENISA credentials example,
#   "online banking that allows transfers" = 4 (Annex 1 A3 p. 16); DESIGN section 3.2.
CREDENTIALS_UNKNOWN_SCOPE_DPC = 4
# - when they are protected by a strong salted hash whose secret was not compromised (or
#   have since been reset), they unlock nothing: lowest score (9/2022 para. 77 by analogy;
#   01/2021 Case 06); DESIGN section 3.2.
PROTECTED_CREDENTIALS_DPC = 1
# Categories that describe the login itself, not what it unlocks (DESIGN section 3.2).
CREDENTIAL_SCOPE_EXCLUDED = frozenset({"credentials", "online_identifiers"})

# Data categories unknown: scored as simple data; the GDPR layer then keeps the outcome at
# "risk" at least (9/2022 IV.B "when in doubt, notify"); DESIGN section 5.
UNKNOWN_DATA_DPC = 1

# Contextual factors that raise DPC (ENISA 2013 Annex 1 A2 p. 11; Table 1 notes). Each
# factor present adds one step, capped at DPC_MAX (DESIGN section 3.3: ENISA requires every
# change to be justified by a named factor, section 3.1.1 p. 4 and section 4.1.1 p. 7).
CONTEXT_STEP = 1
# "Special characteristics of the individuals: groups with particular needs, minors, or
# well-known people" (Annex 1 A2 p. 11).
DPC_RAISING_SUBJECTS = frozenset({"children", "patients", "vulnerable_adults", "public_figures"})
# "Volume of data about the same person ... in content (a complete bank file against a
# single document)" (Annex 1 A2 p. 11) and 9/2022 IV.B ("combinations ... raise the risk"):
# a record holding this many distinct data categories is a profile (DESIGN section 3.3).
BREADTH_CATEGORY_THRESHOLD = 4
# Ease of identification (ENISA 2013 section 3.1.2 pp. 4-5; Annex 2 pp. 17-18):
# negligible 0.25, limited 0.5, significant 0.75, maximum 1.
IDENTIFIABILITY_EI = MappingProxyType(
    {
        "direct": Decimal("1"),  # "maximum"
        "easy": Decimal("0.75"),  # "significant"
        "difficult": Decimal("0.5"),  # "limited"
        "negligible": Decimal("0.25"),  # "negligible"
    }
)
# Order used to step EI down (most to least identifiable).
IDENTIFIABILITY_ORDER = ("direct", "easy", "difficult", "negligible")
# Pseudonymised data: EI one level lower (9/2022 IV.B "pseudonymised ... lowers the risk";
# DESIGN section 3.4).
PSEUDONYMISED_EI_STEPS = 1
# Encrypted with the key safe: the data is unintelligible, identification negligible
# (ENISA 2013 section 3.3 p. 6 flag "data unintelligible"; 9/2022 II.D, para. 77;
# DESIGN section 3.4).
ENCRYPTED_KEY_SAFE_IDENTIFIABILITY = "negligible"

# Circumstances of the breach (ENISA 2013 section 3.1.3 p. 5; Annex 3 pp. 19-20).
# Loss of confidentiality: 0 exposed without evidence of unlawful processing, 0.25 known
# recipients, 0.5 unknown number of recipients.
EXPOSURE_CB = MappingProxyType(
    {
        "none": Decimal("0"),
        "internal_unauthorised": Decimal("0"),  # stays with the controller's own staff
        "known_trusted_recipient": Decimal("0.25"),
        "known_untrusted_recipient": Decimal("0.25"),
        "unknown_recipients": Decimal("0.5"),
        "exfiltrated": Decimal("0.5"),  # copied by an attacker, onward recipients unknown
        "published": Decimal("0.5"),  # "posted on a message board"
    }
)
# Loss of integrity: 0 altered without incorrect use, 0.25 recoverable, 0.5 unrecoverable.
INTEGRITY_CB = MappingProxyType(
    {
        "none": Decimal("0"),
        "altered_recoverable": Decimal("0.25"),
        "altered_unrecoverable": Decimal("0.5"),
    }
)
# Loss of availability: 0 recoverable without difficulty, 0.25 temporary, 0.5 full.
AVAILABILITY_CB = MappingProxyType(
    {
        "none": Decimal("0"),
        "restored_quickly": Decimal("0"),  # "another copy exists"
        "prolonged": Decimal("0.25"),  # "temporary unavailability"
        "permanent": Decimal("0.5"),  # "full unavailability"
    }
)
# Malicious intent: 0 none, 0.5 intentional action (Annex 3 p. 20).
MALICIOUS_CB = Decimal("0.5")
NO_MALICE_CB = Decimal("0")
MALICIOUS_CAUSES = frozenset({"malicious_external", "malicious_insider"})
# Cause unknown: malicious intent cannot be excluded, so it is scored (DESIGN section 5).
UNKNOWN_CAUSES = frozenset({"unknown"})

# Severity bands, lower bounds inclusive (ENISA 2013 section 3.2 p. 6):
# SE < 2 low, 2 <= SE < 3 medium, 3 <= SE < 4 high, 4 <= SE very high.
BAND_LOWER_BOUNDS = (
    (Decimal("4"), "very_high"),
    (Decimal("3"), "high"),
    (Decimal("2"), "medium"),
)
LOWEST_BAND = "low"
# Scores are multiples of 0.25; reported with two decimals (ENISA section 9 project note).
SCORE_QUANTUM = Decimal("0.01")

# ENISA flag "more than 100 individuals affected" (section 3.3 p. 6): reported, no effect
# on the score.
ENISA_FLAG_SUBJECTS = 100

# --------------------------------------------------------------------------------------
# GDPR layer: likelihood x severity (9/2022 para. 103) - all DESIGN section 4 unless noted
# --------------------------------------------------------------------------------------

# Likelihood that the confidentiality loss harms people, by exposure (9/2022 IV.B: "whether
# the recipient is trusted", "whether the data is in malicious hands"; DESIGN section 4.1).
EXPOSURE_LIKELIHOOD = MappingProxyType(
    {
        "none": "possible",  # out of the controller's control, no evidence of access
        "internal_unauthorised": "possible",
        "known_trusted_recipient": "possible",
        "known_untrusted_recipient": "likely",
        "unknown_recipients": "likely",
        "exfiltrated": "likely",
        "published": "likely",
    }
)
# EI at or below which harm from disclosure is remote, and below which it is capped at
# "possible" (ENISA Annex 2: "negligible" = extremely hard to link; DESIGN section 4.1).
REMOTE_EI_MAX = Decimal("0.25")
IDENTIFIABLE_EI_MIN = Decimal("0.75")
# Likelihood of harm from loss of availability (01/2021 Case 01 para. 22: restored in a
# few hours, only minor consequences; Cases 02 and 03; DESIGN section 4.1).
AVAILABILITY_LIKELIHOOD = MappingProxyType(
    {"none": "remote", "restored_quickly": "possible", "prolonged": "likely", "permanent": "likely"}
)
# Likelihood of harm from loss of integrity (ENISA Annex 3; 9/2022 IV.B permanence).
INTEGRITY_LIKELIHOOD = MappingProxyType(
    {"none": "remote", "altered_recoverable": "possible", "altered_unrecoverable": "likely"}
)
# Longest outage that still counts as "restored quickly": 01/2021 Case 01 (restored "a few
# hours" after the attack: not notifiable) against Case 03 ("2 working days": high risk)
# and 9/2022 Annex B (hospital records unavailable for 30 hours: high risk).
QUICK_RESTORE_MAX_HOURS = 24

# Risk matrix: ENISA band x likelihood -> GDPR outcome (DESIGN section 4.2; ENISA section 7
# says the bands are not a legal mapping, so this table is BreachDesk's own).
RISK_MATRIX = MappingProxyType(
    {
        "low": MappingProxyType({"remote": "unlikely", "possible": "unlikely", "likely": "risk"}),
        "medium": MappingProxyType({"remote": "unlikely", "possible": "risk", "likely": "risk"}),
        "high": MappingProxyType({"remote": "risk", "possible": "risk", "likely": "high"}),
        "very_high": MappingProxyType({"remote": "risk", "possible": "risk", "likely": "high"}),
    }
)

# Data whose disclosure typically enables identity theft, fraud or financial loss
# (9/2022 para. 51 and IV.B; 01/2021 Cases 04, 07, 14). Credentials count only while usable.
FRAUD_CATEGORIES = frozenset({"financial", "payment_card", "government_id", "credentials"})
# Vulnerable data subjects (9/2022 IV.B "special characteristics of the individual:
# children or other vulnerable people"); patients per 01/2021 Case 03 and 9/2022 Annex B.
VULNERABLE_SUBJECTS = frozenset({"children", "patients", "vulnerable_adults"})
# Number of data subjects from which a likely confidentiality loss of identity data (name
# combined with other data: 9/2022 IV.B "name + address + date of birth") is high risk:
# 01/2021 Case 11 (more than 100 000 customers) is high risk, Case 06 (1 200) and 9/2022
# Annex B (1 000+ recipients) are not decided by size; DESIGN section 4.3.
LARGE_SCALE_SUBJECTS = 10_000
IDENTITY_CATEGORY = "identity"
# ... combined with at least one other category (name + address: 9/2022 IV.B).
LARGE_SCALE_MIN_CATEGORIES = 2
# Exposures where the data is beyond any recipient the controller could ask to delete it.
UNCONTROLLED_EXPOSURES = frozenset({"unknown_recipients", "exfiltrated", "published"})

# --------------------------------------------------------------------------------------
# Art. 34(3)(b): what each subsequent measure changes when the assessment is re-run
# (GDPR Art. 34(3)(b); 9/2022 III.D; DESIGN section 6)
# --------------------------------------------------------------------------------------

# Measures that contain a disclosure, and the exposures they can contain.
CONTAINMENT = MappingProxyType(
    {
        "recipient_deleted_or_returned": frozenset(
            {"known_trusted_recipient", "known_untrusted_recipient"}
        ),
        "access_revoked": frozenset({"internal_unauthorised"}),
        "device_remote_wiped": frozenset({"none", "unknown_recipients"}),
    }
)
# A disclosure to a recipient the controller can trust (bound by professional secrecy) who
# then deleted or returned the data is no longer an exposure: nobody untrusted holds it. The
# EDPB requires no notification, whatever the file held (01/2021 Case 09; 9/2022 IV.B
# "whether the recipient is trusted"); special-category data keeps its floor (9/2022 para 102).
EXPOSURES_REMOVED_BY_DELETION = frozenset({"known_trusted_recipient"})
# Categories that only name an account (usernames): disclosed beside credentials that stay
# protected (strong salted hash, or reset), they give nothing usable (01/2021 Case 06).
ACCOUNT_IDENTIFIER_CATEGORIES = frozenset({"online_identifiers"})
# Measures that make leaked credentials useless.
CREDENTIALS_NEUTRALISED_BY = frozenset({"credentials_reset"})
# Measures that prove a backup exists (used as evidence of backup_available).
BACKUP_EVIDENCE = frozenset({"data_restored_from_backup"})

# --------------------------------------------------------------------------------------
# Missing facts: the values tried for an unknown fact to see if it could change the outcome
# (DESIGN section 5)
# --------------------------------------------------------------------------------------

SENSITIVITY_SUBJECT_COUNTS = (1, LARGE_SCALE_SUBJECTS)
SENSITIVITY_AVAILABILITY_HOURS = (1.0, float(QUICK_RESTORE_MAX_HOURS * 10))
