"""API shapes (DRF only lives in the API layer: serializers and apis)."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from breachdesk.api.fields import AwareDateTimeField
from breachdesk.timeutils import iso
from incidents import validation
from incidents.models import Assessment, AuditEntry, Incident, IncidentEvent, Obligation
from incidents.risk import vocab
from incidents.selectors import incident_assessment_stale, incident_current_assessment
from incidents.services.incidents import EDITABLE_FIELDS
from incidents.status import IncidentStatus, allowed_targets

User = get_user_model()


def _choice_list(values: tuple[str, ...]) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=values), required=False, allow_null=True
    )


def _choice(values: tuple[str, ...]) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=values, required=False, allow_null=True)


def _count() -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, required=False, allow_null=True)


def _aware() -> AwareDateTimeField:
    return AwareDateTimeField(required=False, allow_null=True)


class RegionListField(serializers.ListField):
    child = serializers.CharField(max_length=6)

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        problems = [p for p in (validation.region_code_problem(v) for v in values) if p]
        if problems:
            raise serializers.ValidationError(problems)
        return sorted(set(values))


class ResidentsField(serializers.DictField):
    child = serializers.IntegerField(min_value=0)

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        for code in values:
            if problem := validation.region_code_problem(code):
                raise serializers.ValidationError(problem)
        return values


class IncidentInputSerializer(serializers.Serializer):
    """Writable fields. `status` is deliberately absent: POST to /transitions/ instead."""

    title = serializers.CharField(max_length=200, required=False)
    summary = serializers.CharField(required=False, allow_blank=True)
    detected_at = _aware()
    occurred_from = _aware()
    occurred_to = _aware()
    aware_at = _aware()
    aware_basis = serializers.CharField(required=False, allow_blank=True)
    aware_at_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="Required when correcting an aware_at that was already set.",
    )
    proposed_aware_at = _aware()
    contained_at = _aware()
    assignee = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )
    countries = RegionListField(required=False, allow_null=True)
    residents = ResidentsField(required=False, allow_null=True)
    subjects_count = _count()
    subjects_min = _count()
    subjects_max = _count()
    records_count = _count()
    records_min = _count()
    records_max = _count()
    likely_consequences = serializers.CharField(required=False, allow_blank=True)
    measures_taken = serializers.CharField(required=False, allow_blank=True)
    measures_proposed = serializers.CharField(required=False, allow_blank=True)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, allow_null=True
    )
    breach_types = _choice_list(vocab.BREACH_TYPES)
    cause = _choice(vocab.CAUSES)
    data_categories = _choice_list(vocab.DATA_CATEGORIES)
    credentials_protection = _choice(vocab.CREDENTIALS_PROTECTION)
    subject_categories = _choice_list(vocab.SUBJECT_CATEGORIES)
    identifiability = _choice(vocab.IDENTIFIABILITY)
    exposure = _choice(vocab.EXPOSURE)
    data_protection = _choice(vocab.DATA_PROTECTION)
    availability_impact = _choice(vocab.AVAILABILITY_IMPACT)
    availability_hours = serializers.FloatField(min_value=0, required=False, allow_null=True)
    backup_available = serializers.BooleanField(required=False, allow_null=True)
    integrity_impact = _choice(vocab.INTEGRITY_IMPACT)
    sensitive_context = serializers.BooleanField(required=False, allow_null=True)
    mitigations = _choice_list(vocab.MITIGATIONS)
    contact_effort = _choice(vocab.CONTACT_EFFORT)

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Expected a JSON object."]})
        forbidden = {
            "status",
            "reference",
            "created_at",
            "updated_at",
            "source",
            "reporter",
            "archived_at",
            "decision_reason",
        } & set(data)
        if forbidden:
            field = sorted(forbidden)[0]
            hint = " Use POST /transitions/." if field == "status" else ""
            raise serializers.ValidationError({field: [f"{field} is read-only.{hint}"]})
        unknown = set(data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(
                {name: ["Unknown field."] for name in sorted(unknown)}
            )
        return super().to_internal_value(data)


class AssessmentSummarySerializer(serializers.ModelSerializer):
    severity = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = [
            "version",
            "kind",
            "risk_level",
            "notify_authority",
            "communicate_subjects",
            "communication_mode",
            "severity",
            "created_at",
        ]

    def get_severity(self, obj) -> dict:
        return obj.computed.get("severity", {})


class IncidentOutputSerializer(serializers.ModelSerializer):
    reporter = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    detected_at = AwareDateTimeField(read_only=True, allow_null=True)
    occurred_from = AwareDateTimeField(read_only=True, allow_null=True)
    occurred_to = AwareDateTimeField(read_only=True, allow_null=True)
    aware_at = AwareDateTimeField(read_only=True, allow_null=True)
    proposed_aware_at = AwareDateTimeField(read_only=True, allow_null=True)
    contained_at = AwareDateTimeField(read_only=True, allow_null=True)
    created_at = AwareDateTimeField(read_only=True)
    updated_at = AwareDateTimeField(read_only=True)
    status_changed_at = AwareDateTimeField(read_only=True)
    archived_at = AwareDateTimeField(read_only=True, allow_null=True)
    triaged_at = AwareDateTimeField(read_only=True, allow_null=True)
    allowed_transitions = serializers.SerializerMethodField()
    assessment = serializers.SerializerMethodField()
    assessment_stale = serializers.SerializerMethodField()
    seconds_in_triage = serializers.SerializerMethodField()
    alerts = serializers.SerializerMethodField(
        help_text="Linked monitoring alerts: {count, firing, last_seen_at, href} "
        "(the list itself is GET /api/v1/alerts/?incident=<id>)."
    )

    class Meta:
        model = Incident
        fields = [
            "id",
            "reference",
            "status",
            "status_changed_at",
            "allowed_transitions",
            "decision_reason",
            "source",
            "reporter",
            *EDITABLE_FIELDS,
            "triaged_at",
            "archived_at",
            "created_at",
            "updated_at",
            "assessment",
            "assessment_stale",
            "seconds_in_triage",
            "alerts",
        ]

    def get_allowed_transitions(self, obj) -> list[str]:
        return allowed_targets(obj.status)

    def get_assessment(self, obj) -> dict | None:
        current = incident_current_assessment(obj)
        return AssessmentSummarySerializer(current).data if current else None

    def get_assessment_stale(self, obj) -> bool | None:
        return incident_assessment_stale(obj)

    def get_alerts(self, obj) -> dict:
        last_seen = getattr(obj, "alerts_last_seen_at", None)
        return {
            "count": getattr(obj, "alert_count", 0),
            "firing": getattr(obj, "alerts_firing", 0),
            "last_seen_at": iso(last_seen) if last_seen else None,
            "href": f"/api/v1/alerts/?incident={obj.pk}",
        }

    def get_seconds_in_triage(self, obj) -> int | None:
        """How long the incident waited (or has been waiting) for a person's triage decision."""
        end = obj.triaged_at or self.context.get("now")
        return int((end - obj.created_at).total_seconds()) if end else None


class TransitionInputSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=IncidentStatus.values)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class CommentInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10000)


class ArchiveInputSerializer(serializers.Serializer):
    archived = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class EventOutputSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label")
    occurred_at = AwareDateTimeField()

    class Meta:
        model = IncidentEvent
        fields = ["id", "kind", "actor", "occurred_at", "payload"]


class AssessmentOutputSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    created_at = AwareDateTimeField()
    based_on = serializers.SlugRelatedField(slug_field="version", read_only=True)
    severity = serializers.SerializerMethodField()
    exemptions = serializers.SerializerMethodField()
    rationale = serializers.SerializerMethodField()
    missing_facts = serializers.SerializerMethodField()
    computed_outcome = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = [
            "version",
            "kind",
            "risk_level",
            "notify_authority",
            "communicate_subjects",
            "communication_mode",
            "severity",
            "exemptions",
            "rationale",
            "missing_facts",
            "method_version",
            "justification",
            "based_on",
            "computed_outcome",
            "facts",
            "created_by",
            "created_at",
        ]

    def get_severity(self, obj) -> dict:
        return obj.computed.get("severity", {})

    def get_exemptions(self, obj) -> list[str]:
        return obj.computed.get("exemptions", [])

    def get_rationale(self, obj) -> list[dict]:
        return obj.computed.get("rationale", [])

    def get_missing_facts(self, obj) -> list[str]:
        return obj.computed.get("missing_facts", [])

    def get_computed_outcome(self, obj) -> dict:
        """The engine's own outcome, shown side by side with an override."""
        keys = ("risk_level", "notify_authority", "communicate_subjects", "communication_mode")
        return {key: obj.computed.get(key) for key in keys}


class OverrideInputSerializer(serializers.Serializer):
    risk_level = serializers.ChoiceField(choices=vocab.RISK_LEVELS)
    communication_mode = serializers.ChoiceField(choices=vocab.COMMUNICATION_MODES, required=False)
    justification = serializers.CharField(max_length=20000)


class ObligationOutputSerializer(serializers.ModelSerializer):
    rule_version = serializers.IntegerField(source="rule.version")
    clock_started_at = AwareDateTimeField(allow_null=True)
    due_at = AwareDateTimeField(allow_null=True)
    soft_due_at = AwareDateTimeField(allow_null=True)
    met_at = AwareDateTimeField(allow_null=True)
    seconds_remaining = serializers.SerializerMethodField()
    soft_seconds_remaining = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    incident = serializers.SerializerMethodField()
    waived_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Obligation
        fields = [
            "id",
            "incident",
            "rule_code",
            "rule_version",
            "regime",
            "jurisdiction",
            "audience",
            "recipient",
            "citation",
            "confidence",
            "status",
            "status_reason",
            "deadline_kind",
            "deadline_text",
            "clock_started_at",
            "due_at",
            "soft_due_at",
            "seconds_remaining",
            "soft_seconds_remaining",
            "overdue",
            "met_at",
            "late",
            "late_by_seconds",
            "delay_reason",
            "evidence",
            "waived_by",
            "waive_justification",
        ]

    def _now(self):
        return self.context["now"]

    def _remaining(self, due, obj) -> int | None:
        if due is None:
            return None
        # Frozen at the moment the obligation was met; negative = overdue.
        reference = obj.met_at if obj.met_at else self._now()
        return int((due - reference).total_seconds())

    def get_seconds_remaining(self, obj) -> int | None:
        return self._remaining(obj.due_at, obj)

    def get_soft_seconds_remaining(self, obj) -> int | None:
        return self._remaining(obj.soft_due_at, obj)

    def get_overdue(self, obj) -> bool:
        if obj.status != "pending" or obj.due_at is None:
            return False
        return obj.due_at < self._now()

    def get_incident(self, obj) -> dict:
        return {
            "id": obj.incident_id,
            "reference": obj.incident.reference,
            "title": obj.incident.title,
        }


class MeetInputSerializer(serializers.Serializer):
    met_at = AwareDateTimeField()
    delay_reason = serializers.CharField(required=False, allow_blank=True, default="")
    evidence = serializers.DictField(required=False, default=dict)


class WaiveInputSerializer(serializers.Serializer):
    justification = serializers.CharField(max_length=20000)


class AuditOutputSerializer(serializers.ModelSerializer):
    occurred_at = AwareDateTimeField()

    class Meta:
        model = AuditEntry
        fields = [
            "seq",
            "occurred_at",
            "actor",
            "action",
            "object_type",
            "object_id",
            "data",
            "prev_hash",
            "hash",
        ]


class RegisterRecordSerializer(serializers.Serializer):
    """One row of the Art. 33(5) register export (`?as=json` returns a list of them)."""

    reference = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    decision_reason = serializers.CharField(allow_blank=True)
    source = serializers.CharField()
    detected_at = AwareDateTimeField(allow_null=True)
    aware_at = AwareDateTimeField(allow_null=True)
    aware_basis = serializers.CharField(allow_blank=True)
    occurred_from = AwareDateTimeField(allow_null=True)
    occurred_to = AwareDateTimeField(allow_null=True)
    contained_at = AwareDateTimeField(allow_null=True)
    countries = serializers.ListField(child=serializers.CharField())
    subjects_count = serializers.IntegerField(allow_null=True)
    subjects_min = serializers.IntegerField(allow_null=True)
    subjects_max = serializers.IntegerField(allow_null=True)
    records_count = serializers.IntegerField(allow_null=True)
    records_min = serializers.IntegerField(allow_null=True)
    records_max = serializers.IntegerField(allow_null=True)
    breach_types = serializers.ListField(child=serializers.CharField())
    cause = serializers.CharField(allow_blank=True)
    data_categories = serializers.ListField(child=serializers.CharField())
    subject_categories = serializers.ListField(child=serializers.CharField())
    likely_consequences = serializers.CharField(allow_blank=True)
    measures_taken = serializers.CharField(allow_blank=True)
    measures_proposed = serializers.CharField(allow_blank=True)
    risk_level = serializers.CharField(allow_null=True)
    assessment_version = serializers.IntegerField(allow_null=True)
    communicate_subjects = serializers.BooleanField(allow_null=True)
    authority_notified_at = AwareDateTimeField(allow_null=True)
    authority_late = serializers.BooleanField(allow_null=True)
    authority_delay_reason = serializers.CharField(allow_null=True, allow_blank=True)
    archived_at = AwareDateTimeField(allow_null=True)
    created_at = AwareDateTimeField()
