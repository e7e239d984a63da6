"""Country groups, region names, local time zones and jurisdiction matching.

Codes are ISO 3166-1 alpha-2 ("DE") and ISO 3166-2 ("US-CA", "CA-QC", "GB-SCT").
Greece is "GR" (ISO), not "EL" (the EU's own abbreviation).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

EU_MEMBER_STATES: frozenset[str] = frozenset(
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    }
)  # fmt: skip

#: EU plus Iceland, Liechtenstein and Norway (GDPR applies through the EEA Agreement).
EEA_MEMBER_STATES: frozenset[str] = EU_MEMBER_STATES | {"IS", "LI", "NO"}

#: Jurisdiction values naming a group of countries rather than one code.
GROUP_JURISDICTIONS: dict[str, frozenset[str]] = {
    "EU/EEA": EEA_MEMBER_STATES,
    "EU": EU_MEMBER_STATES,
    "EU (as transposed)": EU_MEMBER_STATES,
}

_CODE_RE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")

REGION_NAMES: dict[str, str] = {
    "US-AL": "Alabama", "US-AK": "Alaska", "US-AZ": "Arizona", "US-AR": "Arkansas",
    "US-CA": "California", "US-CO": "Colorado", "US-CT": "Connecticut", "US-DE": "Delaware",
    "US-DC": "District of Columbia", "US-FL": "Florida", "US-GA": "Georgia", "US-HI": "Hawaii",
    "US-ID": "Idaho", "US-IL": "Illinois", "US-IN": "Indiana", "US-IA": "Iowa",
    "US-KS": "Kansas", "US-KY": "Kentucky", "US-LA": "Louisiana", "US-ME": "Maine",
    "US-MD": "Maryland", "US-MA": "Massachusetts", "US-MI": "Michigan", "US-MN": "Minnesota",
    "US-MS": "Mississippi", "US-MO": "Missouri", "US-MT": "Montana", "US-NE": "Nebraska",
    "US-NV": "Nevada", "US-NH": "New Hampshire", "US-NJ": "New Jersey", "US-NM": "New Mexico",
    "US-NY": "New York", "US-NC": "North Carolina", "US-ND": "North Dakota", "US-OH": "Ohio",
    "US-OK": "Oklahoma", "US-OR": "Oregon", "US-PA": "Pennsylvania", "US-RI": "Rhode Island",
    "US-SC": "South Carolina", "US-SD": "South Dakota", "US-TN": "Tennessee", "US-TX": "Texas",
    "US-UT": "Utah", "US-VT": "Vermont", "US-VA": "Virginia", "US-WA": "Washington",
    "US-WV": "West Virginia", "US-WI": "Wisconsin", "US-WY": "Wyoming",
    "US-PR": "Puerto Rico", "US-GU": "Guam", "US-VI": "U.S. Virgin Islands",
    "CA-QC": "Quebec", "CA-AB": "Alberta", "CA-BC": "British Columbia", "CA-ON": "Ontario",
    "GB-ENG": "England", "GB-SCT": "Scotland", "GB-WLS": "Wales", "GB-NIR": "Northern Ireland",
}  # fmt: skip

#: Local zone of a country or region: used for business days, local day boundaries (year-end
#: anchors) and for deciding on which local date a trigger fell (effective_from checks).
ZONES: dict[str, str] = {
    "EU/EEA": "Europe/Brussels",
    "EU": "Europe/Brussels",
    "EU (as transposed)": "Europe/Brussels",
    "GB": "Europe/London",
    "CH": "Europe/Zurich",
    "NO": "Europe/Oslo",
    "CY": "Asia/Nicosia",
    "US": "America/New_York",  # federal agencies (SEC EDGAR, HHS, FTC) sit in Eastern time
    "US-CA": "America/Los_Angeles",
    "US-WA": "America/Los_Angeles",
    "US-CO": "America/Denver",
    "US-TX": "America/Chicago",
    "US-IL": "America/Chicago",
    "US-NY": "America/New_York",
    "US-FL": "America/New_York",
    "US-MA": "America/New_York",
    "CA": "America/Toronto",
    "CA-QC": "America/Toronto",
    "AU": "Australia/Sydney",
    "NZ": "Pacific/Auckland",
    "BR": "America/Sao_Paulo",
    "SG": "Asia/Singapore",
    "IN": "Asia/Kolkata",
    "JP": "Asia/Tokyo",
    "KR": "Asia/Seoul",
    "CN": "Asia/Shanghai",
    "ZA": "Africa/Johannesburg",
    "SA": "Asia/Riyadh",
    "AE": "Asia/Dubai",
    "TR": "Europe/Istanbul",
    "NG": "Africa/Lagos",
    "KE": "Africa/Nairobi",
    "IL": "Asia/Jerusalem",
    "TH": "Asia/Bangkok",
    "PH": "Asia/Manila",
    "OM": "Asia/Muscat",
    "QA": "Asia/Qatar",
}


def is_valid_code(code: str) -> bool:
    """True for an ISO 3166-1 alpha-2 code or an ISO 3166-2 subdivision code."""
    return bool(_CODE_RE.match(code))


def is_valid_jurisdiction(value: str) -> bool:
    return value in GROUP_JURISDICTIONS or is_valid_code(value)


def country_of(code: str) -> str:
    """Country part of a code: US-CA -> US; DE -> DE."""
    return code.split("-", 1)[0]


def region_name(code: str) -> str:
    return REGION_NAMES.get(code, code)


def zone_for(code: str | None) -> str | None:
    """Local zone for a jurisdiction or holiday-calendar code, or None if not known."""
    if code is None:
        return None
    return ZONES.get(code) or ZONES.get(country_of(code))


def _code_matches(jurisdiction: str, code: str) -> bool:
    if jurisdiction in GROUP_JURISDICTIONS:
        return country_of(code) in GROUP_JURISDICTIONS[jurisdiction]
    if "-" in jurisdiction:  # a subdivision rule ("US-CA") needs that subdivision
        return code == jurisdiction
    return country_of(code) == jurisdiction  # a country rule ("US") matches "US" and "US-xx"


def jurisdiction_matches(
    jurisdiction: str,
    *,
    countries: Iterable[str],
    org_country: str | None = None,
    match_establishment: bool = False,
) -> bool:
    """Does a rule of `jurisdiction` reach an incident?

    It does when someone affected lives there (`countries`), or, for regimes that apply by
    establishment (`match_establishment`), when the organisation's main establishment is there.
    """
    if any(_code_matches(jurisdiction, code) for code in countries):
        return True
    return bool(match_establishment and org_country and _code_matches(jurisdiction, org_country))
