"""Notice API: draft, read, edit, approve, publish, preview. Thin views over the services."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from breachdesk.api.files import FileDownloadApi
from breachdesk.api.permissions import has_perm
from breachdesk.api.schema import OBJECT_LIST
from breachdesk.errors import DomainError
from breachdesk.timeutils import iso

from . import selectors, services
from .models import LANGUAGES, Notice, NoticeVersion
from .render import RENDER_CHANNELS, public_url, render, sample_copy

CanView = has_perm("notices.view_notice")
CanDraft = has_perm("notices.add_notice")
CanEdit = has_perm("notices.change_notice")
CanApprove = has_perm("notices.approve_notice")


def version_out(version: NoticeVersion) -> dict:
    return {
        "number": version.number,
        "created_at": iso(version.created_at),
        "created_by": version.created_by.get_username() if version.created_by else None,
        "approved": version.is_approved,
        "approved_at": iso(version.approved_at),
        "approved_by": version.approved_by.get_username() if version.approved_by else None,
        "approval_withdrawn_at": iso(version.approval_withdrawn_at),
        "content_hash": version.content_hash,
        "languages": version.languages,
        "content": version.content,
        "checks": version.checks,
    }


def notice_out(notice: Notice) -> dict:
    current = selectors.notice_current_version(notice)
    approved = notice.approved_version
    return {
        "id": notice.pk,
        "incident": notice.incident_id,
        "incident_reference": notice.incident.reference,
        "variant": notice.variant,
        "obligations": [
            {"id": o.pk, "rule": o.rule_code, "regime": o.regime, "status": o.status}
            for o in notice.obligations.all()
        ],
        "approved_version": approved.number if approved else None,
        "approved_at": iso(approved.approved_at) if approved else None,
        "published_at": iso(notice.published_at),
        "public_url": public_url(current),
        "current_version": version_out(current),
    }


class NoticeDraftInputSerializer(serializers.Serializer):
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=LANGUAGES), required=False, allow_empty=False
    )


class NoticeEditInputSerializer(serializers.Serializer):
    based_on = serializers.IntegerField(required=False, min_value=1)
    blocks = serializers.DictField(required=False)
    advice = serializers.ListField(child=serializers.DictField(), required=False)
    contact = serializers.DictField(required=False)
    languages = serializers.ListField(child=serializers.CharField(), required=False)
    not_determined = serializers.ListField(child=serializers.CharField(), required=False)
    channels = serializers.ListField(child=serializers.CharField(), required=False)


class NoticeApproveInputSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


class NoticePreviewQuerySerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=RENDER_CHANNELS)
    lang = serializers.ChoiceField(choices=LANGUAGES)
    version = serializers.IntegerField(required=False, min_value=1)


class IncidentNoticesApi(APIView):
    """GET: the incident's notices. POST: draft the notices for its obligations to individuals."""

    def get_permissions(self):
        return [(CanDraft if self.request.method == "POST" else CanView)()]

    @extend_schema(responses={200: OBJECT_LIST})
    def get(self, request, pk: int):
        return Response([notice_out(n) for n in selectors.notices_of_incident(pk)])

    @extend_schema(request=NoticeDraftInputSerializer, responses={201: OBJECT_LIST})
    def post(self, request, pk: int):
        data = NoticeDraftInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notices = services.notice_draft(
            incident_id=pk, actor=request.user, languages=data.validated_data.get("languages")
        )
        out = [notice_out(selectors.notice_get(n.pk)) for n in notices]
        return Response(out, status=status.HTTP_201_CREATED)


class NoticeDetailApi(APIView):
    """GET: a notice with its current version, completeness and plain-language warnings.
    PATCH: edit (blocks, advice, contact, languages, not_determined, channels) as a new
    version; an approval is withdrawn. Give `based_on` (the version you edited) to be safe."""

    def get_permissions(self):
        return [(CanEdit if self.request.method == "PATCH" else CanView)()]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, pk: int):
        return Response(notice_out(selectors.notice_get(pk)))

    @extend_schema(request=NoticeEditInputSerializer, responses=OpenApiTypes.OBJECT)
    def patch(self, request, pk: int):
        data = NoticeEditInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        based_on = changes.pop("based_on", None)
        services.notice_edit(notice_id=pk, actor=request.user, changes=changes, based_on=based_on)
        return Response(notice_out(selectors.notice_get(pk)))


class NoticeVersionsApi(APIView):
    permission_classes = [CanView]

    @extend_schema(responses={200: OBJECT_LIST})
    def get(self, request, pk: int):
        notice = selectors.notice_get(pk)
        return Response([version_out(v) for v in notice.versions.order_by("-number")])


class NoticeApproveApi(APIView):
    """A DPO approves the version they read (`version`): it is frozen, its hash audited."""

    permission_classes = [CanApprove]

    @extend_schema(request=NoticeApproveInputSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request, pk: int):
        data = NoticeApproveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.notice_approve(
            notice_id=pk, actor=request.user, version=data.validated_data["version"]
        )
        return Response(notice_out(selectors.notice_get(pk)))


class NoticePublishApi(APIView):
    """A DPO publishes the public page of the approved version (noindex is lifted)."""

    permission_classes = [CanApprove]

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def post(self, request, pk: int):
        services.notice_publish(notice_id=pk, actor=request.user)
        return Response(notice_out(selectors.notice_get(pk)))


class NoticePreviewApi(FileDownloadApi):
    """Render one channel in one language: email and sms as JSON, letter as PDF, page as
    HTML, csv as the mail-merge file. `version` defaults to the current one."""

    file_media_types = ("application/pdf", "text/html", "text/csv")

    permission_classes = [CanView]

    @extend_schema(
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "text/html"): OpenApiTypes.STR,
            (200, "text/csv"): OpenApiTypes.STR,
        },
        parameters=[
            OpenApiParameter("channel", str, enum=list(RENDER_CHANNELS), required=True),
            OpenApiParameter("lang", str, enum=list(LANGUAGES), required=True),
            OpenApiParameter("version", int),
        ],
    )
    def get(self, request, pk: int):
        query = NoticePreviewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        notice = selectors.notice_get(pk)
        version = selectors.notice_version(notice, query.validated_data.get("version"))
        rendition = render(version, query.validated_data["channel"], query.validated_data["lang"])
        if rendition.channel == "letter":
            response = HttpResponse(rendition.pdf, content_type="application/pdf")
            response["Content-Disposition"] = (
                f'inline; filename="notice-{pk}-v{version.number}-{rendition.lang}.pdf"'
            )
            return response
        if rendition.channel == "page":
            response = HttpResponse(rendition.html, content_type="text/html; charset=utf-8")
            response["X-Robots-Tag"] = "noindex"
            return response
        if rendition.channel == "csv":
            response = HttpResponse(rendition.csv, content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = (
                f'attachment; filename="notice-{pk}-v{version.number}-mailmerge.csv"'
            )
            return response
        return Response(rendition.to_dict())


class NoticeSampleApi(FileDownloadApi):
    """The sample copy for attorneys general (PDF, no personal data), from the approved version."""

    file_media_types = ("application/pdf",)

    permission_classes = [CanView]

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        notice = selectors.notice_get(pk)
        if notice.approved_version is None:
            raise DomainError(
                "Approve a version first: the sample is made from it.", field="approved_version"
            )
        pdf = sample_copy(
            notice.approved_version,
            "en"
            if "en" in notice.approved_version.languages
            else notice.approved_version.languages[0],
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="notice-{pk}-sample.pdf"'
        return response
