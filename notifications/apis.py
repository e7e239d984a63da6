"""REST API for the calendar feed: issue/rotate/revoke the secret, serve the .ics feed."""

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from breachdesk.api.fields import AwareDateTimeField
from breachdesk.api.files import FileDownloadApi
from breachdesk.api.permissions import has_perm
from breachdesk.timeutils import now_utc
from notifications import selectors, services
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
