"""Closed vocabularies used by the rule files, the loader and the planner.

Every value a rule file may use for `audience`, `trigger`, `status`, `confidence`,
`conditions.roles`, `conditions.entity_types` and `conditions.risk_levels` is listed here.
The loader rejects anything else, so a typo in a rule file is a load error, not a silent miss.
"""

from __future__ import annotations

AUDIENCES: tuple[str, ...] = (
    "supervisory_authority",  # data-protection authority or the body the privacy law names
    "other_regulator",  # sector or cyber regulator (CSIRT, DORA authority, SEC, FTC, ...)
    "individuals",  # the people whose data was affected (customers, clients, users)
    "controller",  # notice from a processor / service provider to the controller or owner
    "media",  # prominent media outlets (HIPAA, FTC HBNR)
    "internal_assessment",  # not a notice: an internal deadline to finish the assessment
)

TRIGGERS: tuple[str, ...] = (
    "awareness",
    "awareness_of_essential_facts",
    "detection",
    "discovery",
    "determination_of_breach",
    "determination_of_incident",
    "suspicion_of_breach",
    "notifiability_assessment",
    "materiality_determination",
    "classification_as_major",
    "reasonable_belief_incident_occurred",
    "ransom_payment",
    "submission_of_previous_notification",
    "submission_of_initial_notification",
    "submission_of_incident_notification",
    "submission_of_latest_intermediate_report",
    "notification_of_individuals",
    "request_by_authority",
    "recovery_of_regular_activities",
    "information_becomes_available",
    "incident_handled",
    "end_of_calendar_year_of_discovery",
)

#: Triggers that mean "the previous obligation in a sequence was met". A rule using one of
#: them must name that obligation in `follows`; its clock starts at `Situation.met[follows]`.
CHAINED_TRIGGERS: frozenset[str] = frozenset(
    {
        "submission_of_previous_notification",
        "submission_of_initial_notification",
        "submission_of_incident_notification",
        "submission_of_latest_intermediate_report",
        "notification_of_individuals",
    }
)

#: Triggers the planner can derive from another trigger when the situation does not carry
#: them explicitly: the year-end anchor is computed from the discovery timestamp.
DERIVED_TRIGGERS: dict[str, str] = {"end_of_calendar_year_of_discovery": "discovery"}

ROLES: tuple[str, ...] = ("controller", "processor", "both")

#: Roles a rule may require (an organisation acting as "both" matches either).
RULE_ROLES: tuple[str, ...] = ("controller", "processor")

#: Outcomes of the risk assessment, GDPR scale (Art. 33(1) / 34(1)).
RISK_LEVELS: tuple[str, ...] = ("unlikely", "risk", "high")

RISK_LEVEL_PHRASES: dict[str, str] = {
    "unlikely": "the breach is unlikely to result in a risk",
    "risk": "the breach is likely to result in a risk, but not a high risk",
    "high": "the breach is likely to result in a high risk",
}

CONFIDENCE: tuple[str, ...] = ("high", "medium", "low")

STATUS: tuple[str, ...] = ("in_force", "scheduled", "not_in_effect", "uncertain")

SOURCE_KINDS: tuple[str, ...] = ("official", "summary")

#: Organisation profile choices: (value, label). A rule with `conditions.entity_types` only
#: applies to organisations that hold at least one of the listed types.
ENTITY_TYPES: tuple[tuple[str, str], ...] = (
    ("nis2_essential", "NIS2 essential entity"),
    ("nis2_important", "NIS2 important entity"),
    ("dora_financial_entity", "Financial entity in scope of DORA (Reg. (EU) 2022/2554 Art. 2)"),
    ("trust_service_provider", "Trust service provider (eIDAS; NIS2 Annex I)"),
    ("telecom_provider", "Provider of public electronic communications networks or services"),
    ("hipaa_covered_entity", "HIPAA covered entity"),
    ("hipaa_business_associate", "HIPAA business associate"),
    ("phr_vendor", "Vendor of personal health records or PHR-related entity (FTC HBNR)"),
    ("ftc_glba_financial", "Non-bank financial institution under the FTC Safeguards Rule"),
    ("sec_registrant", "SEC registrant (public company)"),
    ("sec_reg_sp_institution", "Covered institution under SEC Regulation S-P"),
    ("sec_reg_sp_service_provider", "Service provider to a Regulation S-P covered institution"),
    ("us_bank", "US banking organization (OCC / Federal Reserve / FDIC)"),
    ("us_bank_service_provider", "Bank service provider (US Computer-Security Incident Rule)"),
    ("ny_dfs_covered", "NY DFS covered entity (23 NYCRR Part 500)"),
    ("critical_infrastructure", "Critical infrastructure operator (US CIRCIA, Swiss ISA)"),
    ("cii_operator", "Critical information infrastructure operator (China)"),
)

ENTITY_TYPE_VALUES: frozenset[str] = frozenset(value for value, _label in ENTITY_TYPES)

#: Entity types that only exist under one jurisdiction's law. Holding one brings an
#: organisation within reach of that jurisdiction's rules that require the type, wherever
#: the affected people live (a NY DFS licensee reports to DFS even if no New Yorker is hit).
#: "EU" covers the EU, EU/EEA and "EU (as transposed)" rules.
ENTITY_TYPE_HOME: dict[str, str] = {
    "nis2_essential": "EU",
    "nis2_important": "EU",
    "dora_financial_entity": "EU",
    "hipaa_covered_entity": "US",
    "hipaa_business_associate": "US",
    "phr_vendor": "US",
    "ftc_glba_financial": "US",
    "sec_registrant": "US",
    "sec_reg_sp_institution": "US",
    "sec_reg_sp_service_provider": "US",
    "us_bank": "US",
    "us_bank_service_provider": "US",
    "ny_dfs_covered": "US-NY",
    "cii_operator": "CN",
}

#: Deadline keys that make a hard outer limit.
HARD_KEYS: tuple[str, ...] = ("hours", "days", "business_days", "months")
