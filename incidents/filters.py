"""List filters for the incident register and the authority registry (API and workspace)."""

from datetime import UTC

import django_filters
from django import forms
from django.db.models import Q
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from incidents.models import Authority, Incident, Party
from incidents.models.incident import IncidentRole, IncidentSource
from incidents.rules import authorities as registry_data
from incidents.status import IncidentStatus


class AwareDateTimeFormField(forms.DateTimeField):
    default_error_messages = {
        "invalid": "Enter an ISO 8601 timestamp with an offset, e.g. 2026-11-22T10:00:00Z.",
        "naive": "Timestamp must include a UTC offset, e.g. 2026-11-22T10:00:00Z.",
        "out_of_range": "Timestamp is out of range: it must fall within the years 1-9999 in UTC.",
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            parsed = parse_datetime(str(value).strip().replace(" ", "+"))
        except ValueError:
            parsed = None
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if parsed.tzinfo is None:
            raise forms.ValidationError(self.error_messages["naive"], code="naive")
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["out_of_range"], code="range") from None


class AwareDateTimeFilter(django_filters.Filter):
    field_class = AwareDateTimeFormField


class StrictBooleanFormField(forms.Field):
    """true/false (also 1/0, yes/no, on/off); anything else is a 400 naming the parameter.

    django-filter's own boolean filter treats an unknown value as "no filter", so a typo such
    as ``?people_notified=1`` or ``=maybe`` silently returned the whole register."""

    TRUE = frozenset({"true", "1", "yes", "on"})
    FALSE = frozenset({"false", "0", "no", "off"})
    default_error_messages = {"invalid": "Enter true or false, got '%(value)s'."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(
            self.error_messages["invalid"], code="invalid", params={"value": str(value)[:40]}
        )


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.Filter):
    field_class = StrictBooleanFormField


class IdFormField(forms.IntegerField):
    """A database id: a positive whole number that fits a 64-bit column."""

    default_error_messages = {"invalid": "Enter an id: a whole number from 1 to 2^63 - 1."}

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=2**63 - 1, **kwargs)

    def to_python(self, value):
        if value not in self.empty_values and not str(value).strip().isdigit():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IdFilter(django_filters.Filter):
    """Filter on a foreign key by id; `1e20`, `-1` or `2^64` are a 400, not a database error."""

    field_class = IdFormField


class IncidentFilter(django_filters.FilterSet):
    # An incident has one status, so `status IN (...)` cannot repeat a row: no DISTINCT (the
    # filter's default would make the page count a SELECT DISTINCT over every column).
    status = django_filters.MultipleChoiceFilter(choices=IncidentStatus.choices, distinct=False)
    source = django_filters.ChoiceFilter(choices=IncidentSource.choices)
    role = django_filters.ChoiceFilter(choices=IncidentRole.choices)
    authority_notified = StrictBooleanFilter(
        field_name="authority_notified_at",
        lookup_expr="isnull",
        exclude=True,
        label="A duty towards a supervisory authority was met",
    )
    people_notified = StrictBooleanFilter(
        field_name="people_notified_at",
        lookup_expr="isnull",
        exclude=True,
        label="A duty towards the affected people was met",
    )
    country = django_filters.CharFilter(method="filter_country", label="Country or subdivision")
    q = django_filters.CharFilter(method="filter_text", label="Text search")
    archived = StrictBooleanFilter(field_name="archived_at", lookup_expr="isnull", exclude=True)
    assignee = django_filters.CharFilter(field_name="assignee__username")
    created_after = AwareDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = AwareDateTimeFilter(field_name="created_at", lookup_expr="lt")
    detected_after = AwareDateTimeFilter(field_name="detected_at", lookup_expr="gte")
    detected_before = AwareDateTimeFilter(field_name="detected_at", lookup_expr="lt")
    aware_after = AwareDateTimeFilter(field_name="aware_at", lookup_expr="gte")
    aware_before = AwareDateTimeFilter(field_name="aware_at", lookup_expr="lt")

    class Meta:
        model = Incident
        fields: list[str] = []

    def filter_country(self, queryset, name, value):
        code = value.strip().upper()
        # "US" also finds incidents recorded with a subdivision such as US-CA.
        query = Q(country_index__contains=f"|{code}|")
        if "-" not in code:
            query |= Q(country_index__contains=f"|{code}-")
        return queryset.filter(query)

    def filter_text(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(title__icontains=value) | Q(summary__icontains=value) | Q(reference__iexact=value)
        )


class PartyFilter(django_filters.FilterSet):
    active = StrictBooleanFilter()

    class Meta:
        model = Party
        fields = ["kind", "active"]


class AuthorityFilter(django_filters.FilterSet):
    jurisdiction = django_filters.CharFilter(
        method="filter_jurisdiction",
        label="ISO country or subdivision; a country (US) also finds its subdivisions (US-CA)",
    )
    region = django_filters.ChoiceFilter(choices=registry_data.REGIONS)
    kind = django_filters.ChoiceFilter(choices=registry_data.KINDS)
    q = django_filters.CharFilter(method="filter_text", label="Code or name contains")

    class Meta:
        model = Authority
        fields: list[str] = []

    def filter_jurisdiction(self, queryset, name, value):
        code = value.strip().upper()
        query = Q(jurisdiction=code)
        if "-" not in code:
            query |= Q(jurisdiction__startswith=f"{code}-")
        return queryset.filter(query)

    def filter_text(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(code__icontains=value) | Q(name__icontains=value) | Q(name_native__icontains=value)
        )
