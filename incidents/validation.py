"""One-row validation shared by the model (full_clean), services and serializers."""

from functools import cache

import pycountry
from django.core.exceptions import ValidationError

from incidents.risk.values import TUPLE_FIELDS as LIST_VOCABULARIES


@cache
def _subdivision_codes() -> frozenset[str]:
    return frozenset(s.code for s in pycountry.subdivisions)


@cache
def _country_codes() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries)


def region_code_problem(code: object) -> str | None:
    """None when `code` is an ISO 3166-1 alpha-2 or ISO 3166-2 code, else the problem."""
    if not isinstance(code, str):
        return f"{code!r} is not a string"
    if code in _country_codes() or code in _subdivision_codes():
        return None
    return (
        f"{code!r} is not an ISO 3166-1 alpha-2 country code (e.g. DE) "
        "or ISO 3166-2 subdivision code (e.g. US-CA)"
    )


def validate_regions(field: str, values: object) -> list[str]:
    if not isinstance(values, list):
        raise ValidationError({field: "Must be a list of region codes."})
    problems = [p for p in (region_code_problem(v) for v in values) if p]
    if problems:
        raise ValidationError({field: problems})
    return values


def validate_residents(values: object) -> dict[str, int]:
    if not isinstance(values, dict):
        raise ValidationError({"residents": "Must be an object mapping region codes to counts."})
    for code, count in values.items():
        if problem := region_code_problem(code):
            raise ValidationError({"residents": f"{problem}."})
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValidationError(
                {"residents": f"Count for {code} must be a non-negative integer."}
            )
    return values


def validate_vocab_list(field: str, values: object) -> list[str]:
    allowed = LIST_VOCABULARIES[field]
    if not isinstance(values, list):
        raise ValidationError({field: "Must be a list."})
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValidationError(
            {field: f"Unknown value(s) {unknown}; allowed: {', '.join(allowed)}."}
        )
    if len(set(values)) != len(values):
        raise ValidationError({field: "Values must not repeat."})
    return values


def validate_range(field: str, count: int | None, low: int | None, high: int | None) -> None:
    if low is not None and high is not None and high < low:
        raise ValidationError({f"{field}_max": f"{field}_max must be at least {field}_min."})
    if count is not None:
        if low is not None and count < low:
            raise ValidationError({f"{field}_count": f"{field}_count is below {field}_min."})
        if high is not None and count > high:
            raise ValidationError({f"{field}_count": f"{field}_count is above {field}_max."})


def validate_incident(incident) -> None:
    """Every one-row rule of an incident; raises ValidationError naming the field."""
    validate_regions("countries", incident.countries)
    validate_residents(incident.residents)
    for field in LIST_VOCABULARIES:
        validate_vocab_list(field, getattr(incident, field))
    if not isinstance(incident.tags, list) or not all(isinstance(t, str) for t in incident.tags):
        raise ValidationError({"tags": "Must be a list of strings."})
    if (
        incident.occurred_from
        and incident.occurred_to
        and incident.occurred_to < incident.occurred_from
    ):
        raise ValidationError({"occurred_to": "occurred_to must not be before occurred_from."})
    validate_range(
        "subjects", incident.subjects_count, incident.subjects_min, incident.subjects_max
    )
    validate_range("records", incident.records_count, incident.records_min, incident.records_max)
    if incident.availability_hours is not None and incident.availability_hours < 0:
        raise ValidationError({"availability_hours": "Must be zero or more."})
