"""REST API for notice campaigns and provider receipts (thin: parse, one service, serialise)."""

import csv
import json
from collections.abc import Iterator

from django.conf import settings
from django.http import StreamingHttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from breachdesk.api.fields import AwareDateTimeField
from breachdesk.api.files import FileDownloadApi
from breachdesk.api.permissions import has_perm
from breachdesk.errors import InvalidInput
from breachdesk.timeutils import iso
from notifications import delivery as states
from notifications import receipts
from notifications.campaigns import selectors, services

CanView = has_perm("notifications.view_campaign")
CanCreate = has_perm("notifications.add_campaign")
CanSend = has_perm("notifications.send_campaign")
CanExport = has_perm("notifications.export_letters")
MAX_BULK_ROWS = 10_000


class CampaignOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    incident = serializers.IntegerField(source="incident_id")
    name = serializers.CharField()
    channels = serializers.ListField(child=serializers.CharField())
    default_language = serializers.CharField()
    notice_version = serializers.IntegerField(source="notice_version_id", allow_null=True)
    status = serializers.CharField()
    created_by = serializers.CharField()
    created_at = AwareDateTimeField()
    started_at = AwareDateTimeField(allow_null=True)
    completed_at = AwareDateTimeField(allow_null=True)
    first_sent_at = AwareDateTimeField(allow_null=True)
    last_sent_at = AwareDateTimeField(allow_null=True)
    recipients_count = serializers.IntegerField()
    duplicates_count = serializers.IntegerField()
    rejected_count = serializers.IntegerField()
    region_counts = serializers.DictField(child=serializers.IntegerField())
    stats = serializers.DictField()
    evidence = serializers.DictField()
    delay_reason = serializers.CharField()
    purged_at = AwareDateTimeField(allow_null=True)
    progress = serializers.SerializerMethodField()

    def get_progress(self, obj) -> dict:
        return selectors.campaign_progress(obj).as_dict()


class ImportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    source = serializers.CharField()
    filename = serializers.CharField()
    started_at = AwareDateTimeField()
    finished_at = AwareDateTimeField(allow_null=True)
    rows = serializers.IntegerField()
    accepted = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    rejected = serializers.IntegerField()
    rejected_rows = serializers.ListField(child=serializers.DictField())
    error = serializers.CharField()


def _campaign_out(campaign_id: int, code: int = status.HTTP_200_OK) -> Response:
    campaign = selectors.campaign_get(campaign_id)
    return Response(CampaignOutputSerializer(campaign).data, status=code)


class CampaignListCreateApi(APIView):
    """GET the incident's campaigns; POST creates a draft campaign (then import recipients)."""

    def get_permissions(self):
        return [(CanCreate if self.request.method == "POST" else CanView)()]

    class CampaignCreateInputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200)
        channels = serializers.ListField(child=serializers.CharField(), allow_empty=False)
        default_language = serializers.CharField(max_length=8, default="en")
        notice = serializers.IntegerField(required=False, allow_null=True, default=None)
        notice_version = serializers.IntegerField(required=False, allow_null=True, default=None)
        content = serializers.DictField(required=False, default=dict)

    @extend_schema(responses={200: CampaignOutputSerializer(many=True)})
    def get(self, request, pk: int):
        rows = selectors.campaign_list(incident_id=pk)
        return Response(CampaignOutputSerializer(rows, many=True).data)

    @extend_schema(request=CampaignCreateInputSerializer, responses={201: CampaignOutputSerializer})
    def post(self, request, pk: int):
        data = self.CampaignCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        campaign = services.campaign_create(
            incident_id=pk,
            actor=request.user,
            notice_id=fields.pop("notice"),
            notice_version_id=fields.pop("notice_version"),
            **fields,
        )
        return _campaign_out(campaign.pk, status.HTTP_201_CREATED)


class CampaignDetailApi(APIView):
    """A campaign with its progress: counts per state, rate and ETA."""

    permission_classes = [CanView]

    @extend_schema(responses={200: CampaignOutputSerializer})
    def get(self, request, pk: int):
        return _campaign_out(pk)


class CampaignRecipientsApi(APIView):
    """POST a JSON list of rows (bulk API; up to 10,000 per call)."""

    permission_classes = [CanCreate]

    class RecipientsBulkInputSerializer(serializers.Serializer):
        rows = serializers.ListField(child=serializers.JSONField(), max_length=MAX_BULK_ROWS)

    @extend_schema(request=RecipientsBulkInputSerializer, responses={201: ImportOutputSerializer})
    def post(self, request, pk: int):
        data = self.RecipientsBulkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = services.campaign_import_rows(
            campaign_id=pk, rows=data.validated_data["rows"], actor=request.user
        )
        return Response(ImportOutputSerializer(run).data, status=status.HTTP_201_CREATED)


class CampaignImportApi(APIView):
    """POST multipart `file` (CSV: email, phone, language, region, name, merge fields)."""

    permission_classes = [CanCreate]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": {"type": "object", "properties": {"file": {}}}},
        responses={201: ImportOutputSerializer},
    )
    def post(self, request, pk: int):
        upload = request.FILES.get("file")
        if upload is None:
            raise InvalidInput("Upload the CSV as the multipart field `file`.", field="file")
        run = services.campaign_import_csv(
            campaign_id=pk, stream=upload.file, actor=request.user, filename=upload.name or ""
        )
        return Response(ImportOutputSerializer(run).data, status=status.HTTP_201_CREATED)


class CampaignImportDetailApi(APIView):
    """One import's report: rejected rows with line numbers and reasons."""

    permission_classes = [CanView]

    @extend_schema(responses={200: ImportOutputSerializer})
    def get(self, request, pk: int, import_id: int):
        run = selectors.import_get(campaign_id=pk, import_id=import_id)
        return Response(ImportOutputSerializer(run).data)


class CampaignWarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    obligation = serializers.IntegerField()
    rule = serializers.CharField()
    due_at = AwareDateTimeField()


class CampaignStartOutputSerializer(CampaignOutputSerializer):
    warnings = serializers.ListField(child=CampaignWarningSerializer())


OVERDUE_WARNING = (
    "{rule} was due {due_at} and the campaign starts after it, with no delay_reason: when it "
    "completes, this duty stays open until a DPO meets it by hand with the reason for the "
    "delay (POST /api/v1/obligations/{id}/meet/)."
)


def _overdue_warnings(campaign) -> list[dict]:
    if campaign.delay_reason:
        return []
    return [
        {
            "code": "duty_overdue",
            "detail": OVERDUE_WARNING.format(
                rule=duty.rule_code, due_at=iso(duty.due_at), id=duty.pk
            ),
            "obligation": duty.pk,
            "rule": duty.rule_code,
            "due_at": duty.due_at,
        }
        for duty in selectors.campaign_duties_overdue(campaign)
    ]


class CampaignStartApi(APIView):
    """Create the deliveries and start sending in the background. A DPO may give
    `delay_reason` when the notice goes out after a duty's deadline: a duty the campaign then
    completes after its deadline is met late with it (else it stays open for a DPO, and the
    answer's `warnings` name the duties already past their deadline)."""

    permission_classes = [CanSend]

    class CampaignStartInputSerializer(serializers.Serializer):
        delay_reason = serializers.CharField(
            required=False,
            allow_blank=True,
            default="",
            max_length=services.MAX_DELAY_REASON,
            help_text="Why the notice goes out after a duty's deadline (DPO only); recorded "
            "on the campaign and the timeline, and given when the campaign meets a duty late.",
        )

    @extend_schema(
        request=CampaignStartInputSerializer, responses={202: CampaignStartOutputSerializer}
    )
    def post(self, request, pk: int):
        data = self.CampaignStartInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.campaign_start(
            campaign_id=pk, actor=request.user, delay_reason=data.validated_data["delay_reason"]
        )
        campaign = selectors.campaign_get(pk)
        warnings = CampaignWarningSerializer(_overdue_warnings(campaign), many=True).data
        body = {**CampaignOutputSerializer(campaign).data, "warnings": warnings}
        return Response(body, status=status.HTTP_202_ACCEPTED)


class CampaignRetryApi(APIView):
    """Queue failed, bounced or unknown deliveries again."""

    permission_classes = [CanSend]

    class CampaignRetryInputSerializer(serializers.Serializer):
        states = serializers.ListField(
            child=serializers.ChoiceField(choices=sorted(states.RETRYABLE)),
            default=lambda: sorted(states.RETRYABLE),
        )

    @extend_schema(request=CampaignRetryInputSerializer, responses={202: CampaignOutputSerializer})
    def post(self, request, pk: int):
        data = self.CampaignRetryInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.campaign_retry(
            campaign_id=pk, actor=request.user, states_to_retry=data.validated_data["states"]
        )
        return _campaign_out(pk, status.HTTP_202_ACCEPTED)


class _Echo:
    def write(self, value: str) -> str:
        return value


class CampaignLettersApi(FileDownloadApi):
    """CSV for a mail merge: people without e-mail/phone and those every delivery failed for."""

    file_media_types = ("text/csv",)

    permission_classes = [CanExport]

    @extend_schema(responses={(200, "text/csv"): str})
    def get(self, request, pk: int):
        campaign = selectors.campaign_get(pk)
        rows = selectors.letters_rows(campaign)
        first = next(rows, None)  # raises before streaming starts (purged -> 409)
        services.letters_export_record(campaign_id=campaign.pk, actor=request.user)

        def lines() -> Iterator[str]:
            writer = csv.DictWriter(_Echo(), fieldnames=selectors.LETTER_COLUMNS)
            yield writer.writeheader() or ",".join(selectors.LETTER_COLUMNS) + "\r\n"
            if first is not None:
                yield writer.writerow(first)
            for row in rows:
                yield writer.writerow(row)

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="campaign-{pk}-letters.csv"'
        response["Cache-Control"] = "no-store"
        return response


# --- receipts ----------------------------------------------------------------------------------


def _refused(exc: receipts.ReceiptRefused) -> Response:
    return Response({"code": "forbidden", "detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)


class SendGridReceiptApi(APIView):
    """SendGrid Event Webhook (signed with ECDSA); unsigned, forged or stale -> 403."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    # The signature is the gate, not a rate: providers post receipts from a few addresses,
    # one per message (Twilio) or per batch of events. The anonymous rate (60/min) refused
    # most of a campaign's receipts; Twilio does not retry a refused status callback, so
    # unknown outcomes were queued again and sent twice.
    throttle_classes: list = []

    @extend_schema(
        # SendGrid's Event Webhook body: a JSON array of event objects.
        request={"application/json": {"type": "array", "items": {"type": "object"}}},
        responses={200: None, 403: None},
    )
    def post(self, request):
        body = request.body
        try:
            receipts.sendgrid_verify(
                body=body,
                signature=request.headers.get("X-Twilio-Email-Event-Webhook-Signature", ""),
                timestamp=request.headers.get("X-Twilio-Email-Event-Webhook-Timestamp", ""),
            )
        except receipts.ReceiptRefused as exc:
            return _refused(exc)
        try:
            events = json.loads(body)
        except ValueError:
            raise InvalidInput("The body is not JSON.", field="body") from None
        return Response(receipts.receipts_apply(receipts.sendgrid_receipts(events)))


class TwilioReceiptApi(APIView):
    """Twilio status callback (X-Twilio-Signature); unsigned or forged -> 403."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []  # see SendGridReceiptApi
    parser_classes = [FormParser]

    @extend_schema(
        # Twilio's status callback: form fields (MessageSid, MessageStatus, ErrorCode, ...).
        request={
            "application/x-www-form-urlencoded": {
                "type": "object",
                "additionalProperties": {"type": "string"},
            }
        },
        responses={200: None, 403: None},
    )
    def post(self, request):
        params = {k: request.POST.get(k) for k in request.POST}
        url = settings.BREACHDESK_BASE_URL.rstrip("/") + request.get_full_path()
        try:
            receipts.twilio_verify(
                url=url, params=params, signature=request.headers.get("X-Twilio-Signature", "")
            )
        except receipts.ReceiptRefused as exc:
            return _refused(exc)
        receipt = receipts.twilio_receipt(reference=request.GET.get("ref", ""), params=params)
        return Response(receipts.receipts_apply([receipt] if receipt else []))
