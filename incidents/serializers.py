"""API shapes (DRF only lives in the API layer: serializers and apis)."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from breachdesk.api.fields import AwareDateTimeField
from breachdesk.timeutils import iso
from incidents import risk, validation
from incidents.facts import FACT_FIELDS
from incidents.models import Assessment, AuditEntry, Incident, IncidentEvent, Obligation, Party
from incidents.models.incident import IncidentRole
from incidents.models.obligation import EVIDENCE_CHANNELS
from incidents.models.party import PartyKind
from incidents.risk import vocab
from incidents.selectors import incident_assessment_stale, incident_current_assessment
from incidents.services.incidents import EDITABLE_FIELDS
from incidents.services.lifecycle import actions_available
from incidents.services.parties import PARTY_FIELDS
from incidents.status import IncidentStatus, allowed_targets
from incidents.vectors import VECTORS

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


def _fact_field(name: str) -> serializers.Field:
    """The API field of one risk fact, from its declaration (incidents.risk.FACT_KINDS)."""
    kind, values = risk.FACT_KINDS[name]
    if kind == risk.LIST:
        return _choice_list(values)
    if kind == risk.CHOICE:
        return _choice(values)
    if kind == risk.COUNT:
        return _count()
    if kind == risk.HOURS:
        return serializers.FloatField(
            min_value=0, max_value=risk.MAX_AVAILABILITY_HOURS, required=False, allow_null=True
        )
    return serializers.BooleanField(required=False, allow_null=True)


class _IncidentInputBase(serializers.Serializer):
    """Writable fields. `status` is deliberately absent: POST to /transitions/ instead."""

    title = serializers.CharField(max_length=200, required=False)
    summary = serializers.CharField(required=False, allow_blank=True)
    vector = serializers.ChoiceField(
        choices=VECTORS,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="How it happened: one of " + ", ".join(VECTORS) + "; null or '' = not "
        "recorded. Must fit `cause` (a stolen device is not an accident).",
    )
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
    classified_major_at = AwareDateTimeField(
        required=False,
        allow_null=True,
        help_text="DORA: when the incident was classified as major; the initial report is due "
        "4 h later, and no later than awareness + 24 h (RTS 2025/301 Art. 5).",
    )
    assignee = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )
    role = serializers.ChoiceField(
        choices=IncidentRole.values,
        required=False,
        help_text="controller or processor; defaults from the organisation (required when it "
        "is both).",
    )
    controllers = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Party.objects.filter(kind=PartyKind.CUSTOMER),
        required=False,
        help_text="When processor: ids of the customers (parties) whose data is involved.",
    )
    source_party = serializers.PrimaryKeyRelatedField(
        queryset=Party.objects.exclude(kind=PartyKind.CUSTOMER),
        required=False,
        allow_null=True,
        help_text="Id of the processor or sub-processor where the breach happened.",
    )
    source_notified_at = _aware()
    countries = RegionListField(required=False, allow_null=True)
    residents = ResidentsField(required=False, allow_null=True)
    subjects_min = _count()
    subjects_max = _count()
    records_min = _count()
    records_max = _count()
    likely_consequences = serializers.CharField(required=False, allow_blank=True)
    measures_taken = serializers.CharField(required=False, allow_blank=True)
    measures_proposed = serializers.CharField(required=False, allow_blank=True)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, allow_null=True
    )

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


# The risk facts' fields come from their one declaration.
IncidentInputSerializer = type(
    "IncidentInputSerializer",
    (_IncidentInputBase,),
    {"__doc__": _IncidentInputBase.__doc__, **{f: _fact_field(f) for f in FACT_FIELDS}},
)


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
    classified_major_at = AwareDateTimeField(read_only=True, allow_null=True)
    created_at = AwareDateTimeField(read_only=True)
    updated_at = AwareDateTimeField(read_only=True)
    status_changed_at = AwareDateTimeField(read_only=True)
    archived_at = AwareDateTimeField(read_only=True, allow_null=True)
    triaged_at = AwareDateTimeField(read_only=True, allow_null=True)
    source_notified_at = AwareDateTimeField(read_only=True, allow_null=True)
    controllers = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    source_party = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    authority_notified_at = AwareDateTimeField(
        read_only=True,
        allow_null=True,
        help_text="First time a duty towards a supervisory authority was met (derived).",
    )
    people_notified_at = AwareDateTimeField(
        read_only=True,
        allow_null=True,
        help_text="First time a duty towards the affected people was met (derived).",
    )
    authority_notified = serializers.SerializerMethodField()
    people_notified = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField()
    available_actions = serializers.SerializerMethodField(
        help_text="The moves the caller may make now: [{name, label, to, reason_required}] "
        "(POST {to, comment} to /transitions/)."
    )
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
            "available_actions",
            "authority_notified",
            "authority_notified_at",
            "people_notified",
            "people_notified_at",
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

    def get_authority_notified(self, obj) -> bool:
        return getattr(obj, "authority_notified_at", None) is not None

    def get_people_notified(self, obj) -> bool:
        return getattr(obj, "people_notified_at", None) is not None

    def get_available_actions(self, obj) -> list[dict]:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return []
        return [
            {
                "name": a.name,
                "label": a.label,
                "to": a.target,
                "reason_required": a.reason_required,
            }
            for a in actions_available(obj.status, user)
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
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    created_at = AwareDateTimeField()
    based_on = serializers.SlugRelatedField(slug_field="version", read_only=True, allow_null=True)
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
    rule_version = serializers.IntegerField(source="rule.version", allow_null=True, default=None)
    party = serializers.SerializerMethodField()
    clock_started_at = AwareDateTimeField(allow_null=True)
    due_at = AwareDateTimeField(allow_null=True)
    soft_due_at = AwareDateTimeField(allow_null=True)
    met_at = AwareDateTimeField(allow_null=True)
    seconds_remaining = serializers.SerializerMethodField()
    soft_seconds_remaining = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    incident = serializers.SerializerMethodField()
    waived_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

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
            "recipient_key",
            "recipient_authority",
            "party",
            "national_specifics",
            "citation",
            "confidence",
            "status",
            "status_reason",
            "deadline_kind",
            "due_basis",
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

    def get_party(self, obj) -> dict | None:
        if obj.party_id is None:
            return None
        party = obj.party
        return {
            "id": party.pk,
            "name": party.name,
            "contact_name": party.contact_name,
            "email": party.email,
            "phone": party.phone,
            "language": party.language,
            "contract_reference": party.contract_reference,
        }

    def get_incident(self, obj) -> dict:
        return {
            "id": obj.incident_id,
            "reference": obj.incident.reference,
            "title": obj.incident.title,
        }


class EvidenceSerializer(serializers.Serializer):
    """How the duty was met: the channel, who received it, and a reference or a document."""

    channel = serializers.ChoiceField(choices=EVIDENCE_CHANNELS)
    recipient = serializers.CharField(max_length=300)
    reference = serializers.CharField(max_length=300, required=False, allow_blank=True)
    document = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="File name, link or hash of the notice as sent.",
    )

    def validate(self, attrs):
        if not (attrs.get("reference", "").strip() or attrs.get("document", "").strip()):
            raise serializers.ValidationError(
                {"reference": ["Give a reference (case number, message id) or a document."]}
            )
        return attrs


class MeetInputSerializer(serializers.Serializer):
    met_at = AwareDateTimeField()
    delay_reason = serializers.CharField(required=False, allow_blank=True, default="")
    evidence = EvidenceSerializer()


class PartySerializer(serializers.ModelSerializer):
    """A customer (controller we process for) or a processor / sub-processor we use."""

    created_at = AwareDateTimeField(read_only=True)
    updated_at = AwareDateTimeField(read_only=True)

    class Meta:
        model = Party
        fields = ["id", *PARTY_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        # Uniqueness and one-row rules are checked by the service (one 400 shape).
        validators: list = []


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
    vector = serializers.CharField(allow_blank=True)
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
