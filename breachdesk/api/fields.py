"""Serializer fields shared by every API: timestamps must carry an offset."""

from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


@extend_schema_field(OpenApiTypes.DATETIME)
class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an explicit offset; naive input is a 400 that says so."""

    default_error_messages = {
        "naive": "Timestamp must include a UTC offset (ISO 8601, e.g. 2026-11-22T10:00:00Z); "
        "naive timestamps are ambiguous and refused.",
        "invalid": "Not an ISO 8601 timestamp with offset (e.g. 2026-11-22T10:00:00Z).",
        "out_of_range": "Timestamp is out of range: it must fall within the years 1-9999 in UTC.",
    }

    def to_internal_value(self, value):
        if isinstance(value, datetime):
            parsed = value
        elif isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
            if parsed is None:
                self.fail("invalid")
        else:
            self.fail("invalid")
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            self.fail("naive")
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            self.fail("out_of_range")

    def to_representation(self, value):
        if value is None:
            return None
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
