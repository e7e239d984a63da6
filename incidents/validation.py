"""One-row validation shared by the model (full_clean), services and serializers."""

from datetime import UTC, datetime, timedelta
from functools import cache

import pycountry
from django.core.exceptions import ValidationError

from incidents.risk.values import MAX_AVAILABILITY_HOURS
from incidents.risk.values import TUPLE_FIELDS as LIST_VOCABULARIES
from incidents.vectors import vector_cause_problem

# When something happened to personal data: not before computers kept it (1970), and not
# later than now, give or take the clock skew of the client that reports it.
EARLIEST_EVENT = datetime(1970, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(minutes=5)


def event_time_problem(value: datetime, now: datetime) -> str | None:
    """Why `value` is not a plausible time of a breach event or of meeting a duty, or None."""
    if value < EARLIEST_EVENT:
        return "is before 1970-01-01T00:00:00Z: not a plausible time"
    if value > now + FUTURE_TOLERANCE:
        return "cannot be in the future (more than 5 minutes ahead of the server clock)"
    return None


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


# Counts above these are typing errors, not breaches: more people than live on Earth, more
# records than any breach ever disclosed (the largest known are ~10^10).
MAX_PEOPLE = 10_000_000_000
MAX_RECORDS = 10**13


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
        if count > MAX_PEOPLE:
            raise ValidationError(
                {"residents": f"Count for {code} ({count}) is more people than live on Earth."}
            )
    return values


def residents_total(residents: dict[str, int]) -> int:
    """People counted in `residents`; a subdivision whose country is listed too (US and
    US-CA) is part of that country's count, not added to it."""
    return sum(
        count
        for code, count in residents.items()
        if "-" not in code or code.split("-", 1)[0] not in residents
    )


def population_derived(
    countries: list[str], residents: dict[str, int], subjects_count: int | None
) -> tuple[list[str], int | None]:
    """Residents imply their regions (residents of US-CA make California's duties apply even
    when `countries` omits it), and give the number of affected people when it is unknown."""
    regions = [*countries, *(code for code in sorted(residents) if code not in countries)]
    if subjects_count is None and residents:
        subjects_count = residents_total(residents)
    return regions, subjects_count


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
    for field, ceiling, what in (
        ("subjects_count", MAX_PEOPLE, "people than live on Earth"),
        ("subjects_min", MAX_PEOPLE, "people than live on Earth"),
        ("subjects_max", MAX_PEOPLE, "people than live on Earth"),
        ("records_count", MAX_RECORDS, "records than any breach ever held"),
        ("records_min", MAX_RECORDS, "records than any breach ever held"),
        ("records_max", MAX_RECORDS, "records than any breach ever held"),
    ):
        value = getattr(incident, field)
        if value is not None and value > ceiling:
            raise ValidationError({field: f"{value} is more {what}."})
    if incident.residents and incident.subjects_count is not None:
        counted = residents_total(incident.residents)
        if incident.subjects_count < counted:
            raise ValidationError(
                {
                    "subjects_count": f"subjects_count ({incident.subjects_count}) is less "
                    f"than the {counted} people counted in residents; correct one of them "
                    "(or leave subjects_count empty to derive it)."
                }
            )
    validate_range(
        "subjects", incident.subjects_count, incident.subjects_min, incident.subjects_max
    )
    validate_range("records", incident.records_count, incident.records_min, incident.records_max)
    if (
        incident.classified_major_at
        and incident.aware_at
        and incident.classified_major_at < incident.aware_at
    ):
        raise ValidationError(
            {
                "classified_major_at": "classified_major_at must not be before aware_at: an "
                "incident is classified once the organisation is aware of it."
            }
        )
    if problem := vector_cause_problem(incident.vector, incident.cause):
        raise ValidationError({"vector": problem})
    hours = incident.availability_hours
    if hours is not None and not 0 <= hours <= MAX_AVAILABILITY_HOURS:
        raise ValidationError(
            {
                "availability_hours": f"Must be from 0 to {MAX_AVAILABILITY_HOURS} hours "
                '(10 years; a lasting loss is availability_impact "permanent").'
            }
        )
