"""Filings API: each view authorises, parses, calls one service or selector, serialises."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from breachdesk.api.fields import AwareDateTimeField
from breachdesk.api.files import FileDownloadApi
from breachdesk.api.permissions import has_perm
from breachdesk.api.schema import OBJECT_LIST
from breachdesk.errors import InvalidInput
from breachdesk.timeutils import iso
from incidents import selectors as incident_selectors
from incidents.models.obligation import EVIDENCE_CHANNELS
from notifications.filings import attachments, evidence, exports, render, selectors, services
from notifications.filings import correspondence as correspondence_services
from notifications.filings.models import (
    CorrespondenceKind,
    Direction,
    Filing,
    FilingChannel,
)

CanView = has_perm("filings.view_filing")


def _incident(pk: int):
    return get_object_or_404(incident_selectors.incident_list(), pk=pk)


def _filing(pk: int) -> Filing:
    return get_object_or_404(Filing.objects.select_related("incident", "obligation"), pk=pk)


def filing_out(filing: Filing) -> dict:
    return {
        "id": filing.pk,
        "incident": filing.incident_id,
        "obligation": filing.obligation_id,
        "rule_code": filing.obligation.rule_code,
        "regime": filing.regime,
        "phase": filing.phase,
        "recipient": filing.recipient,
        "language": filing.language,
        "status": filing.status,
        "version": filing.version,
        "previous": filing.previous_id,
        "follow_up_by": iso(filing.follow_up_by),
        "content": selectors.filing_content(filing),
        "completeness": services.filing_check(filing).to_dict()
        if filing.status == "draft"
        else None,
        "changes": selectors.filing_changes(filing),
        "submitted_at": iso(filing.submitted_at),
        "channel": filing.channel,
        "authority_reference": filing.authority_reference,
        "late": filing.late,
        "late_by_seconds": filing.late_by_seconds,
        "met_obligations": filing.met_obligations,
        "snapshot_hash": filing.snapshot_hash,
        "audit_seq": filing.audit_seq,
        "created_at": iso(filing.created_at),
        "updated_at": iso(filing.updated_at),
    }


class FilingCreateInput(serializers.Serializer):
    obligation = serializers.IntegerField()
    phase = serializers.CharField(max_length=32)
    language = serializers.CharField(max_length=8, required=False)


class IncidentFilingsApi(APIView):
    def get_permissions(self):
        if self.request.method == "POST":
            return [has_perm("filings.add_filing")()]
        return [CanView()]

    @extend_schema(responses={200: OBJECT_LIST})
    def get(self, request, pk: int):
        incident = _incident(pk)
        return Response([filing_out(f) for f in selectors.filings_of(incident)])

    @extend_schema(request=FilingCreateInput, responses=OpenApiTypes.OBJECT)
    def post(self, request, pk: int):
        incident = _incident(pk)
        data = FilingCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        filing = services.filing_create(
            incident_id=incident.pk,
            obligation_id=data.validated_data["obligation"],
            phase=data.validated_data["phase"],
            language=data.validated_data.get("language"),
            actor=request.user,
        )
        return Response(filing_out(filing), status=status.HTTP_201_CREATED)


class FilingUpdateInput(serializers.Serializer):
    content = serializers.DictField(required=False)
    follow_up_by = AwareDateTimeField(required=False, allow_null=True)
    language = serializers.CharField(max_length=8, required=False)


class FilingDetailApi(APIView):
    def get_permissions(self):
        if self.request.method == "PATCH":
            return [has_perm("filings.change_filing")()]
        return [CanView()]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, pk: int):
        return Response(filing_out(_filing(pk)))

    @extend_schema(request=FilingUpdateInput, responses=OpenApiTypes.OBJECT)
    def patch(self, request, pk: int):
        _filing(pk)
        data = FilingUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        filing = services.filing_update(
            filing_id=pk,
            actor=request.user,
            content=values.get("content"),
            follow_up_by=values.get("follow_up_by"),
            clear_follow_up_by="follow_up_by" in values and values["follow_up_by"] is None,
            language=values.get("language"),
        )
        return Response(filing_out(filing))


class FilingSubmitInput(serializers.Serializer):
    submitted_at = AwareDateTimeField()
    channel = serializers.ChoiceField(choices=FilingChannel.choices)
    authority_reference = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    reasons_for_delay = serializers.CharField(required=False, allow_blank=True)


class FilingSubmitApi(APIView):
    permission_classes = [has_perm("filings.submit_filing")]

    @extend_schema(request=FilingSubmitInput, responses=OpenApiTypes.OBJECT)
    def post(self, request, pk: int):
        _filing(pk)
        data = FilingSubmitInput(data=request.data)
        data.is_valid(raise_exception=True)
        filing = services.filing_submit(filing_id=pk, actor=request.user, **data.validated_data)
        return Response(filing_out(filing))


class FilingSendApi(APIView):
    """Send a notice to a customer (processor -> controller) through the outbound layer."""

    permission_classes = [has_perm("filings.submit_filing")]

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def post(self, request, pk: int):
        _filing(pk)
        return Response(filing_out(services.filing_send(filing_id=pk, actor=request.user)))


RENDER_FORMATS = ("json", "html", "pdf", "dora-json", "dora-csv", "sample-notice")


class FilingRenderApi(FileDownloadApi):
    file_media_types = ("text/html", "application/pdf", "text/csv")
    permission_classes = [CanView]

    @extend_schema(
        parameters=[
            OpenApiParameter("output", str, enum=RENDER_FORMATS),
            OpenApiParameter("lang", str, required=False),
        ],
        # json and dora-json are JSON objects; html, pdf, dora-csv and sample-notice are files.
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/html"): OpenApiTypes.STR,
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "text/csv"): OpenApiTypes.BINARY,
        },
    )
    def get(self, request, pk: int):
        filing = _filing(pk)
        # "output", not "format": DRF reserves ?format= for its own content negotiation.
        wanted = request.query_params.get("output", "json")
        if wanted not in RENDER_FORMATS:
            allowed = ", ".join(RENDER_FORMATS)
            raise InvalidInput(f"output must be one of {allowed}.", field="output")
        if wanted == "sample-notice":
            response = HttpResponse(
                attachments.sample_notice_pdf(filing), content_type="application/pdf"
            )
            name = f"{filing.incident.reference}-sample-notice.pdf"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        doc = render.document(filing)
        if wanted.startswith("dora") and doc["regime"] != "dora":
            raise InvalidInput("DORA exports exist only for DORA reports.", field="output")
        lang = request.query_params.get("lang")
        if lang:
            doc = render.relabel(doc, lang)
        name = f"{filing.incident.reference}-{filing.regime}-{filing.phase}-v{filing.version}"
        if wanted == "json":
            return Response(doc)
        if wanted == "html":
            return HttpResponse(render.html(doc), content_type="text/html; charset=utf-8")
        if wanted == "pdf":
            response = HttpResponse(render.pdf(doc), content_type="application/pdf")
            response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
            return response
        rows = exports.dora_rows(doc)
        if wanted == "dora-json":
            return Response(exports.dora_json(doc, rows))
        response = HttpResponse(exports.dora_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}-dora.csv"'
        return response


class CorrespondenceInput(serializers.Serializer):
    direction = serializers.ChoiceField(choices=Direction.choices)
    kind = serializers.ChoiceField(choices=CorrespondenceKind.choices)
    occurred_at = AwareDateTimeField()
    counterpart = serializers.CharField(max_length=300)
    channel = serializers.ChoiceField(choices=EVIDENCE_CHANNELS, default="email")
    subject = serializers.CharField(max_length=300)
    body = serializers.CharField(required=False, allow_blank=True, default="")
    authority_reference = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    filing = serializers.IntegerField(required=False, allow_null=True)
    reply_to = serializers.IntegerField(required=False, allow_null=True)
    answer_due_at = AwareDateTimeField(required=False, allow_null=True)
    delay_reason = serializers.CharField(required=False, allow_blank=True, default="")


class IncidentCorrespondenceApi(APIView):
    def get_permissions(self):
        if self.request.method == "POST":
            return [has_perm("filings.add_correspondence")()]
        return [has_perm("filings.view_correspondence")()]

    @extend_schema(responses={200: OBJECT_LIST})
    def get(self, request, pk: int):
        incident = _incident(pk)
        rows = selectors.correspondence_of(incident)
        return Response([correspondence_services.correspondence_out(c) for c in rows])

    @extend_schema(request=CorrespondenceInput, responses=OpenApiTypes.OBJECT)
    def post(self, request, pk: int):
        incident = _incident(pk)
        data = CorrespondenceInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        row = correspondence_services.correspondence_log(
            incident_id=incident.pk,
            actor=request.user,
            filing_id=values.pop("filing", None),
            reply_to_id=values.pop("reply_to", None),
            **values,
        )
        return Response(
            correspondence_services.correspondence_out(row), status=status.HTTP_201_CREATED
        )


class EvidencePackApi(FileDownloadApi):
    file_media_types = ("application/zip",)
    permission_classes = [has_perm("incidents.export_register")]

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        incident = _incident(pk)
        data = evidence.evidence_pack(incident=incident, actor=request.user)
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = (
            f'attachment; filename="{incident.reference}-evidence.zip"'
        )
        return response
