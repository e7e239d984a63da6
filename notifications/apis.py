"""REST API for the calendar feed (issue/rotate/revoke the secret, serve the .ics feed) and
for single messages whose provider answer was lost (list them, settle each)."""

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from breachdesk.api.fields import AwareDateTimeField
from breachdesk.api.files import FileDownloadApi
from breachdesk.api.pagination import Pagination
from breachdesk.api.permissions import has_perm
from breachdesk.timeutils import now_utc
from notifications import outbound, selectors, services
from notifications.ical import calendar

CanViewIncidents = has_perm("incidents.view_incident")


def feed_url(raw_token: str) -> str:
    path = reverse("calendar-feed", kwargs={"token": raw_token})
    return settings.BREACHDESK_BASE_URL.rstrip("/") + path


class CalendarTokenApi(APIView):
    """POST issues a new secret feed address (shown once; rotates any old one), DELETE revokes."""

    permission_classes = [CanViewIncidents]

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()
        feed_url = serializers.CharField()
        created_at = AwareDateTimeField()

    @extend_schema(request=None, responses={201: OutputSerializer})
    def post(self, request):
        row, raw = services.calendar_token_rotate(user=request.user)
        data = {"token": raw, "feed_url": feed_url(raw), "created_at": row.created_at}
        return Response(self.OutputSerializer(data).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None, 404: OpenApiResponse(description="none")})
    def delete(self, request):
        if not services.calendar_token_revoke(user=request.user):
            raise NotFound("You have no calendar feed token to revoke.")
        return Response(status=status.HTTP_204_NO_CONTENT)


class CalendarFeedApi(FileDownloadApi):
    """The iCalendar feed; the secret in the URL is the credential (calendar apps send no login)."""

    file_media_types = ("text/calendar",)

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="calendar_feed",
        responses={(200, "text/calendar"): str, 404: OpenApiResponse(description="unknown token")},
    )
    def get(self, request, token: str):
        user = selectors.calendar_feed_user(token)
        if user is None:
            return HttpResponse(
                "Unknown calendar feed token (it may have been rotated).\n",
                status=404,
                content_type="text/plain; charset=utf-8",
            )
        text = calendar(selectors.calendar_events(user), name="BreachDesk deadlines", now=now_utc())
        response = HttpResponse(text.encode("utf-8"), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="breachdesk-deadlines.ics"'
        response["Cache-Control"] = "private, max-age=300"
        response["Referrer-Policy"] = "no-referrer"
        return response


# --- single messages whose outcome is unknown ---------------------------------------------


class UnknownMessageIncidentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()


class UnknownMessageDutySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rule_code = serializers.CharField()
    audience = serializers.CharField()
    recipient = serializers.CharField()


class MessageOutputSerializer(serializers.Serializer):
    """A single message after a decision (no body: the proof, not the content)."""

    id = serializers.IntegerField(source="pk")
    purpose = serializers.CharField()
    channel = serializers.CharField()
    state = serializers.CharField()
    tries = serializers.IntegerField()
    error = serializers.CharField()
    provider = serializers.CharField()
    provider_message_id = serializers.CharField()
    sent_at = AwareDateTimeField(allow_null=True)
    final_at = AwareDateTimeField(allow_null=True)
    incident = serializers.IntegerField(source="incident_id", allow_null=True)


class UnknownMessageOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="message.pk")
    purpose = serializers.CharField(source="message.purpose")
    channel = serializers.CharField(source="message.channel")
    to = serializers.CharField(source="message.to")
    subject = serializers.CharField(source="message.subject")
    tries = serializers.IntegerField(source="message.tries")
    error = serializers.CharField(source="message.error")
    created_at = AwareDateTimeField(source="message.created_at")
    decide_after = AwareDateTimeField(
        source="message.next_try_at",
        allow_null=True,
        help_text="The end of the receipt window: a receipt may still settle it until then.",
    )
    decidable = serializers.BooleanField()
    incident = serializers.SerializerMethodField()
    obligation = serializers.SerializerMethodField()

    @extend_schema_field(UnknownMessageIncidentSerializer(allow_null=True))
    def get_incident(self, row) -> dict | None:
        incident = row.message.incident
        if incident is None:
            return None
        return {"id": incident.pk, "reference": incident.reference, "title": incident.title}

    obligations = serializers.SerializerMethodField(
        help_text="Every duty it was sent for: a reminder digest carries several."
    )

    @extend_schema_field(UnknownMessageDutySerializer(allow_null=True))
    def get_obligation(self, row) -> dict | None:
        """The first duty (the only one but for a digest); see `obligations`."""
        return _duty(row.obligation) if row.obligation else None

    @extend_schema_field(UnknownMessageDutySerializer(many=True))
    def get_obligations(self, row) -> list[dict]:
        return [_duty(duty) for duty in row.obligations]


def _duty(duty) -> dict:
    return {
        "id": duty.pk,
        "rule_code": duty.rule_code,
        "audience": duty.audience,
        "recipient": duty.recipient,
    }


class UnknownMessagesApi(generics.ListAPIView):
    """Single messages (reminders and reminder digests, pages, notices to a controller) whose
    provider answer was lost, oldest first, with the incident and the duties each was sent
    for; paginated like every list (`?page=`, `?page_size=`)."""

    permission_classes = [has_perm("notifications.view_outboundmessage")]
    serializer_class = UnknownMessageOutputSerializer
    pagination_class = Pagination
    filter_backends: list = []

    def get_queryset(self):
        return selectors.outbound_unknown().select_related("incident")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        rows = selectors.outbound_unknown_duties(page, now=now_utc())
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


class MessageSettleInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=outbound.RESOLVE_ACTIONS,
        help_text="retry: send it again under the same key; fail: it did not arrive; "
        "delivered: it arrived (you have proof outside BreachDesk).",
    )
    reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text="Required for fail/delivered."
    )


class MessageSettleApi(APIView):
    """A DPO settles one unknown message once its receipt window passed (audited)."""

    permission_classes = [has_perm(outbound.RESOLVE_PERMISSION)]

    @extend_schema(request=MessageSettleInputSerializer, responses=MessageOutputSerializer)
    def post(self, request, pk: int):
        data = MessageSettleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = outbound.message_unknown_resolve(
            message_id=pk,
            action=data.validated_data["action"],
            reason=data.validated_data.get("reason", ""),
            actor=request.user,
        )
        return Response(MessageOutputSerializer(message).data)
