"""REST API: each view authenticates, authorises, parses, calls one service, serialises."""

import csv
import json
from collections.abc import Iterator

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from breachdesk.api.files import FileDownloadApi
from breachdesk.api.pagination import PageOrKeysetPagination, StableOrderingFilter
from breachdesk.api.permissions import has_perm
from breachdesk.errors import InvalidInput
from breachdesk.timeutils import iso, now_utc
from incidents import selectors
from incidents.filters import IncidentFilter, PartyFilter
from incidents.models import AuditEntry, Incident, IncidentEvent, Obligation, Party
from incidents.serializers import (
    ArchiveInputSerializer,
    AssessmentOutputSerializer,
    AuditOutputSerializer,
    CommentInputSerializer,
    EventOutputSerializer,
    IncidentInputSerializer,
    IncidentOutputSerializer,
    MeetInputSerializer,
    ObligationOutputSerializer,
    OverrideInputSerializer,
    PartySerializer,
    RegisterRecordSerializer,
    TransitionInputSerializer,
    WaiveInputSerializer,
)
from incidents.services import assessments as assessment_services
from incidents.services import incidents as incident_services
from incidents.services import lifecycle
from incidents.services import obligations as obligation_services
from incidents.services import parties as party_services
from incidents.services.audit import audit_checkpoint, audit_export_lines

CanView = has_perm("incidents.view_incident")


def _incident(pk: int) -> Incident:
    return get_object_or_404(selectors.incident_list(), pk=pk)


def _out(incident: Incident, request) -> dict:
    return IncidentOutputSerializer(
        selectors.incident_get(incident.pk), context={"now": now_utc(), "request": request}
    ).data


class IncidentListCreateApi(generics.ListAPIView):
    serializer_class = IncidentOutputSerializer
    pagination_class = PageOrKeysetPagination
    filterset_class = IncidentFilter
    filter_backends = [
        *generics.ListAPIView.filter_backends,
        StableOrderingFilter,
    ]
    ordering_fields = [
        "created_at",
        "detected_at",
        "aware_at",
        "reference",
        "status",
        "subjects_count",
        "updated_at",
    ]
    ordering = ["-created_at", "-id"]

    def get_permissions(self):
        if self.request.method == "POST":
            return [has_perm("incidents.add_incident")()]
        return [CanView()]

    def get_queryset(self):
        queryset = selectors.incident_list()
        if "archived" not in self.request.query_params:
            queryset = queryset.filter(archived_at__isnull=True)
        return queryset

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": now_utc()}

    @extend_schema(request=IncidentInputSerializer, responses={201: IncidentOutputSerializer})
    def post(self, request):
        data = IncidentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("aware_at_reason", None)
        source = "api" if request.auth is not None else "manual"
        incident = incident_services.incident_create(actor=request.user, data=values, source=source)
        return Response(_out(incident, request), status=status.HTTP_201_CREATED)


class IncidentDetailApi(APIView):
    def get_permissions(self):
        if self.request.method == "PATCH":
            return [has_perm("incidents.change_incident")()]
        return [CanView()]

    @extend_schema(responses=IncidentOutputSerializer)
    def get(self, request, pk: int):
        return Response(_out(_incident(pk), request))

    @extend_schema(request=IncidentInputSerializer, responses=IncidentOutputSerializer)
    def patch(self, request, pk: int):
        _incident(pk)
        data = IncidentInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        reason = values.pop("aware_at_reason", "")
        incident = incident_services.incident_update(
            incident_id=pk, actor=request.user, changes=values, aware_at_reason=reason
        )
        return Response(_out(incident, request))


class IncidentTransitionApi(APIView):
    permission_classes = [CanView]

    @extend_schema(request=TransitionInputSerializer, responses=IncidentOutputSerializer)
    def post(self, request, pk: int):
        _incident(pk)
        data = TransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The action checks the caller's permission for this move and its preconditions.
        incident = lifecycle.incident_transition(
            incident_id=pk,
            actor=request.user,
            to=data.validated_data["to"],
            comment=data.validated_data["comment"],
        )
        return Response(_out(incident, request))


class IncidentTimelineApi(generics.ListAPIView):
    permission_classes = [CanView]
    serializer_class = EventOutputSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return IncidentEvent.objects.none()
        return selectors.incident_timeline(_incident(self.kwargs["pk"]))


class IncidentCommentApi(APIView):
    permission_classes = [has_perm("incidents.triage_incident")]

    @extend_schema(request=CommentInputSerializer, responses={201: EventOutputSerializer})
    def post(self, request, pk: int):
        _incident(pk)
        data = CommentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = incident_services.incident_comment(
            incident_id=pk, actor=request.user, text=data.validated_data["text"]
        )
        event = incident.events.order_by("-id").first()
        return Response(EventOutputSerializer(event).data, status=status.HTTP_201_CREATED)


class IncidentArchiveApi(APIView):
    permission_classes = [has_perm("incidents.archive_incident")]

    @extend_schema(request=ArchiveInputSerializer, responses=IncidentOutputSerializer)
    def post(self, request, pk: int):
        _incident(pk)
        data = ArchiveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = incident_services.incident_set_archived(
            incident_id=pk,
            actor=request.user,
            archived=data.validated_data["archived"],
            reason=data.validated_data["reason"],
        )
        return Response(_out(incident, request))


class AssessmentListCreateApi(APIView):
    def get_permissions(self):
        if self.request.method == "POST":
            return [has_perm("incidents.assess_incident")()]
        return [CanView()]

    @extend_schema(responses=AssessmentOutputSerializer(many=True))
    def get(self, request, pk: int):
        incident = _incident(pk)
        rows = incident.assessments.select_related("created_by", "based_on").order_by("-version")
        return Response(AssessmentOutputSerializer(rows, many=True).data)

    @extend_schema(request=None, responses={201: AssessmentOutputSerializer})
    def post(self, request, pk: int):
        _incident(pk)
        assessment = assessment_services.assessment_compute(incident_id=pk, actor=request.user)
        return Response(AssessmentOutputSerializer(assessment).data, status=status.HTTP_201_CREATED)


class AssessmentOverrideApi(APIView):
    permission_classes = [has_perm("incidents.override_assessment")]

    @extend_schema(request=OverrideInputSerializer, responses={201: AssessmentOutputSerializer})
    def post(self, request, pk: int):
        _incident(pk)
        data = OverrideInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = assessment_services.assessment_override(
            incident_id=pk, actor=request.user, **data.validated_data
        )
        return Response(AssessmentOutputSerializer(assessment).data, status=status.HTTP_201_CREATED)


class ObligationListApi(APIView):
    permission_classes = [CanView]

    @extend_schema(responses=ObligationOutputSerializer(many=True))
    def get(self, request, pk: int):
        rows = selectors.obligations_of(_incident(pk)).select_related(
            "incident", "waived_by", "party"
        )
        return Response(
            ObligationOutputSerializer(rows, many=True, context={"now": now_utc()}).data
        )


def _obligation_out(obligation: Obligation) -> dict:
    obligation = Obligation.objects.select_related("incident", "rule", "party").get(
        pk=obligation.pk
    )
    return ObligationOutputSerializer(obligation, context={"now": now_utc()}).data


class ObligationMeetApi(APIView):
    permission_classes = [has_perm("incidents.manage_obligations")]

    @extend_schema(request=MeetInputSerializer, responses=ObligationOutputSerializer)
    def post(self, request, pk: int):
        get_object_or_404(Obligation, pk=pk)
        data = MeetInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        obligation = obligation_services.obligation_meet(
            obligation_id=pk, actor=request.user, **data.validated_data
        )
        return Response(_obligation_out(obligation))


class ObligationWaiveApi(APIView):
    permission_classes = [has_perm("incidents.manage_obligations")]

    @extend_schema(request=WaiveInputSerializer, responses=ObligationOutputSerializer)
    def post(self, request, pk: int):
        get_object_or_404(Obligation, pk=pk)
        data = WaiveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        obligation = obligation_services.obligation_waive(
            obligation_id=pk, actor=request.user, **data.validated_data
        )
        return Response(_obligation_out(obligation))


class PartyListCreateApi(generics.ListAPIView):
    """Customers (controllers we process for), processors and sub-processors."""

    serializer_class = PartySerializer
    queryset = Party.objects.order_by("kind", "name", "id")
    filterset_class = PartyFilter

    def get_permissions(self):
        if self.request.method == "POST":
            return [has_perm("incidents.add_party")()]
        return [has_perm("incidents.view_party")()]

    @extend_schema(request=PartySerializer, responses={201: PartySerializer})
    def post(self, request):
        data = PartySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        party = party_services.party_create(actor=request.user, data=dict(data.validated_data))
        return Response(PartySerializer(party).data, status=status.HTTP_201_CREATED)


class PartyDetailApi(APIView):
    def get_permissions(self):
        needed = {"PATCH": "change_party", "PUT": "change_party", "DELETE": "delete_party"}
        return [has_perm(f"incidents.{needed.get(self.request.method, 'view_party')}")()]

    @extend_schema(responses=PartySerializer)
    def get(self, request, pk: int):
        return Response(PartySerializer(get_object_or_404(Party, pk=pk)).data)

    @extend_schema(request=PartySerializer, responses=PartySerializer)
    def patch(self, request, pk: int):
        party = get_object_or_404(Party, pk=pk)
        data = PartySerializer(party, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        party = party_services.party_update(
            party_id=pk, actor=request.user, changes=dict(data.validated_data)
        )
        return Response(PartySerializer(party).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk: int):
        get_object_or_404(Party, pk=pk)
        party_services.party_delete(party_id=pk, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UpcomingInputSerializer(serializers.Serializer):
    hours = serializers.IntegerField(min_value=1, max_value=24 * 366, default=72)


class ObligationsUpcomingApi(APIView):
    permission_classes = [CanView]

    @extend_schema(
        parameters=[OpenApiParameter("hours", int, description="Horizon (default 72)")],
        responses=ObligationOutputSerializer(many=True),
    )
    def get(self, request):
        data = UpcomingInputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        now = now_utc()
        rows = selectors.obligations_upcoming(now=now, hours=data.validated_data["hours"])
        return Response(ObligationOutputSerializer(rows, many=True, context={"now": now}).data)


class AuditListApi(generics.ListAPIView):
    permission_classes = [has_perm("incidents.view_auditentry")]
    serializer_class = AuditOutputSerializer
    queryset = AuditEntry.objects.order_by("seq")


class AuditCheckpointOutputSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    hash = serializers.CharField()
    issued_at = serializers.CharField()
    signature = serializers.CharField()


class AuditCheckpointApi(APIView):
    """The signed head of the audit chain; keep it outside BreachDesk and pass it later to
    `manage.py verify_audit --checkpoint` to detect a shortened or rewritten trail."""

    permission_classes = [has_perm("incidents.view_auditentry")]

    @extend_schema(responses=AuditCheckpointOutputSerializer)
    def get(self, request):
        return Response(audit_checkpoint().as_dict())


class AuditExportApi(FileDownloadApi):
    file_media_types = ("application/jsonl",)
    permission_classes = [has_perm("incidents.view_auditentry")]

    @extend_schema(responses={(200, "application/jsonl"): str})
    def get(self, request):
        response = StreamingHttpResponse(audit_export_lines(), content_type="application/jsonl")
        response["Content-Disposition"] = 'attachment; filename="breachdesk-audit.jsonl"'
        return response


REGISTER_COLUMNS = (
    "reference",
    "title",
    "status",
    "decision_reason",
    "source",
    "detected_at",
    "aware_at",
    "aware_basis",
    "occurred_from",
    "occurred_to",
    "contained_at",
    "countries",
    "subjects_count",
    "subjects_min",
    "subjects_max",
    "records_count",
    "records_min",
    "records_max",
    "breach_types",
    "cause",
    "vector",
    "data_categories",
    "subject_categories",
    "likely_consequences",
    "measures_taken",
    "measures_proposed",
    "risk_level",
    "assessment_version",
    "communicate_subjects",
    "authority_notified_at",
    "authority_late",
    "authority_delay_reason",
    "archived_at",
    "created_at",
)


def _register_record(incident: Incident) -> dict:
    record = {}
    for column in REGISTER_COLUMNS:
        value = getattr(incident, column, None)
        if hasattr(value, "isoformat"):
            value = iso(value)
        record[column] = value
    return record


class _Echo:
    def write(self, value: str) -> str:
        return value


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV
# injection"); an alert's title, set by any integration token, must not plant one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> object:
    """A register value as a CSV cell: lists joined, text that a spreadsheet would run as a
    formula prefixed with an apostrophe (shown as text, the value still readable)."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = ";".join(str(item) for item in value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_stream() -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(REGISTER_COLUMNS)
    for incident in selectors.register_rows():
        yield writer.writerow([csv_cell(value) for value in _register_record(incident).values()])


def _json_stream() -> Iterator[str]:
    yield "["
    first = True
    for incident in selectors.register_rows():
        yield (
            ("" if first else ",")
            + "\n"
            + json.dumps(_register_record(incident), ensure_ascii=False)
        )
        first = False
    yield "\n]\n"


class RegisterExportApi(FileDownloadApi):
    """The Art. 33(5) breach register: every incident, streamed as CSV or JSON."""

    file_media_types = ("text/csv",)

    permission_classes = [has_perm("incidents.export_register")]

    @extend_schema(
        parameters=[OpenApiParameter("as", str, enum=["csv", "json"], required=False)],
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/json"): RegisterRecordSerializer(many=True),
        },
    )
    def get(self, request):
        fmt = request.query_params.get("as", "csv")
        if fmt not in ("csv", "json"):
            raise InvalidInput("as must be csv or json.", field="as")
        stream, content_type = (
            (_csv_stream(), "text/csv; charset=utf-8")
            if fmt == "csv"
            else (_json_stream(), "application/json")
        )
        response = StreamingHttpResponse(stream, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="breach-register.{fmt}"'
        return response
