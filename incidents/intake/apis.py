"""Alert intake API: monitoring tools post alerts; people read, attach and detach them.

Order of checks on `POST /api/v1/alerts/{source}/`, cheapest first, body read only once:
unknown source 404 -> token 401 -> token of another source 403 -> rate limit 429 ->
size 413 -> signature 401 -> JSON 400 -> format 400 -> Idempotency-Key 409 -> 202.
"""

import hashlib
import logging
import time
from typing import Any

from django.core.cache import cache
from django.http import HttpResponse
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed, NotFound, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from breachdesk.api.fields import AwareDateTimeField
from breachdesk.api.parsers import read_limited
from breachdesk.api.permissions import has_perm
from breachdesk.errors import InvalidInput
from breachdesk.timeutils import now_utc
from incidents.intake import ingest, links, selectors
from incidents.intake.adapters import BATCH_SOURCES, SOURCES, PayloadError, normalize
from incidents.intake.adapters.body import parse_json
from incidents.intake.models import Alert, Integration
from incidents.intake.signatures import (
    REPLAY_WINDOW_SECONDS,
    SEEN_SIGNATURE_SCHEMES,
    SignatureError,
    verify,
)

logger = logging.getLogger(__name__)

CanView = has_perm("incidents.view_incident")
CanTriage = has_perm("incidents.triage_incident")
# Headers the adapters and signature checks may look at (lower-case).
FORWARDED_HEADERS = (
    "sentry-hook-resource",
    "sentry-hook-timestamp",
    "sentry-hook-signature",
    "x-breachdesk-timestamp",
    "x-breachdesk-signature",
    "x-grafana-alerting-signature",
    "x-grafana-alerting-timestamp",
)


def read_body(request) -> bytes:
    """The raw body, read once and at most limit + 1 bytes: 413 before anything parses it."""
    django_request = getattr(request, "_request", request)
    cached = getattr(django_request, "_intake_body", None)
    if cached is not None:
        return cached
    declared = django_request.META.get("CONTENT_LENGTH") or ""
    if declared and not declared.strip().isdigit():
        raise InvalidInput("Content-Length is not a number.", field="Content-Length")
    data = read_limited(django_request, declared=declared)
    django_request._intake_body = data
    django_request._body = data  # so request.body still works for error reporting
    return data


class IntegrationUser:
    """The principal of an integration request: authenticated, with no permissions at all."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None

    def __init__(self, integration: Integration) -> None:
        self.integration = integration

    def get_username(self) -> str:
        return self.integration.actor

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False

    def __str__(self) -> str:
        return self.integration.actor


class IntegrationTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>`; or `?token=` for tools that cannot set headers
    (Sentry); or, for PagerDuty-compatible senders, the body's `routing_key`."""

    def authenticate(self, request):
        token = self._token(request)
        if not token:
            return None
        integration = selectors.integration_by_token(token)
        if integration is None:
            raise AuthenticationFailed("Invalid integration token.")
        if not integration.is_active:
            raise AuthenticationFailed(f"Integration {integration.name!r} is disabled.")
        return IntegrationUser(integration), integration

    def _token(self, request) -> str:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header:
            scheme, _, credentials = header.strip().partition(" ")
            if scheme.lower() != "bearer" or not credentials.strip():
                raise AuthenticationFailed("Use Authorization: Bearer <integration token>.")
            return credentials.strip()
        token = request.query_params.get("token", "")
        if token:
            return token
        source = getattr(request, "parser_context", {}).get("kwargs", {}).get("source")
        if source == "pagerduty":
            try:
                payload = parse_json(read_body(request))
            except PayloadError:
                return ""
            key = payload.get("routing_key") if isinstance(payload, dict) else None
            return key if isinstance(key, str) else ""
        return ""

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="breachdesk-alerts"'


class IntegrationTokenScheme(OpenApiAuthenticationExtension):
    target_class = IntegrationTokenAuthentication
    name = "integrationToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Integration token from `manage.py create_integration` or the admin. "
            "Valid only for POST /api/v1/alerts/{source}/ of the integration's own source.",
        }


class TokenMatchesSource(BasePermission):
    def has_permission(self, request, view) -> bool:
        integration = request.auth
        if not isinstance(integration, Integration):
            return False
        source = view.kwargs["source"]
        if integration.source != source:
            raise PermissionDenied(
                f"This token belongs to integration {integration.name!r}, which posts "
                f"{integration.source} alerts; it cannot post to /alerts/{source}/."
            )
        return True


class IntegrationRateThrottle(BaseThrottle):
    """Fixed one-minute window per integration in the Django cache (shared when Redis is
    configured; per process with the local-memory cache)."""

    def allow_request(self, request, view) -> bool:
        integration = request.auth
        if not isinstance(integration, Integration) or not integration.rate_limit_per_minute:
            return True
        now = time.time()
        key = f"intake:rate:{integration.pk}:{int(now // 60)}"
        try:
            cache.add(key, 0, timeout=120)
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=120)
                count = 1
        except Exception:  # a cache outage must not stop alerts: fail open, loudly
            logger.exception("intake rate limiter: cache unavailable")
            return True
        if count > integration.rate_limit_per_minute:
            self._wait = 60 - (now % 60)
            return False
        return True

    def wait(self) -> float:
        return self._wait


class AlertIntakeApi(APIView):
    authentication_classes = [IntegrationTokenAuthentication]
    permission_classes = [TokenMatchesSource]
    throttle_classes = [IntegrationRateThrottle]

    def initial(self, request, *args, **kwargs):
        if kwargs.get("source") not in SOURCES:
            raise NotFound(f"Unknown alert source; use one of: {', '.join(SOURCES)}.")
        super().initial(request, *args, **kwargs)

    @extend_schema(
        operation_id="alerts_ingest",
        request=OpenApiTypes.OBJECT,
        parameters=[
            OpenApiParameter("source", str, OpenApiParameter.PATH, enum=list(SOURCES)),
            OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False),
        ],
        responses={
            202: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Accepted: {alert, incident, "
                "deduplicated, occurrences} or {alerts: [...]} for batches.",
            ),
            400: OpenApiResponse(description="Not JSON, or not this source's format."),
            401: OpenApiResponse(description="Missing/invalid token or signature."),
            403: OpenApiResponse(description="The token belongs to another source."),
            409: OpenApiResponse(description="Idempotency-Key reused with another body."),
            413: OpenApiResponse(description="Body over 1 MB."),
            429: OpenApiResponse(description="Rate limit; see Retry-After."),
        },
    )
    def post(self, request, source: str):
        integration: Integration = request.auth
        body = read_body(request)
        headers = _forwarded_headers(request, source)
        if integration.signing_secret:
            try:
                scheme = verify(
                    integration.signing_secret, headers, body, now=time.time(), source=source
                )
            except SignatureError as exc:
                raise AuthenticationFailed(str(exc)) from None
            if scheme in SEEN_SIGNATURE_SCHEMES:
                _refuse_replayed_signature(integration, headers[f"{scheme}-hook-signature"])
        received_at = now_utc()
        try:
            alerts = normalize(source, parse_json(body), received_at=received_at, headers=headers)
        except PayloadError as exc:
            raise InvalidInput(str(exc), field=exc.path or "body") from None
        result = ingest.alerts_ingest(
            integration=integration,
            alerts=alerts,
            now=received_at,
            idempotency_key=request.headers.get("Idempotency-Key", "").strip(),
            fingerprint=_fingerprint(body),
            raw_body="" if source in BATCH_SOURCES else body.decode("utf-8-sig"),
        )
        response = Response(result.body, status=result.status_code)
        if result.replayed:
            response["Idempotent-Replayed"] = "true"
        return response

    @extend_schema(exclude=True)
    def options(self, request, *args, **kwargs):
        """The CloudEvents webhook validation handshake (HTTP 1.1 Web Hooks for Event
        Delivery, section 4.2; Azure Event Grid uses it): an authenticated OPTIONS request
        with `WebHook-Request-Origin` is allowed, with this integration's rate."""
        origin = request.headers.get("WebHook-Request-Origin", "").strip()
        if kwargs.get("source") != "cloudevents" or not origin:
            return super().options(request, *args, **kwargs)
        response = Response(status=status.HTTP_200_OK)
        response["WebHook-Allowed-Origin"] = origin
        rate = request.auth.rate_limit_per_minute
        response["WebHook-Allowed-Rate"] = str(rate) if rate else "*"
        response["Allow"] = "POST, OPTIONS"
        return response


def _forwarded_headers(request, source: str) -> dict[str, str]:
    headers = {name: request.headers[name] for name in FORWARDED_HEADERS if name in request.headers}
    if source == "cloudevents":  # binary mode: the event's attributes are ce-* headers
        headers.update(
            (name.lower(), value)
            for name, value in request.headers.items()
            if name.lower().startswith("ce-")
        )
        if "ce-specversion" in headers:
            headers["content-type"] = request.headers.get("Content-Type", "")
    return headers


def _refuse_replayed_signature(integration: Integration, signature: str) -> None:
    """A signature whose timestamp it does not cover is accepted once per replay window (the
    cache is shared by every worker when REDIS_URL is set)."""
    key = f"intake:seen-signature:{integration.pk}:{signature.strip().lower()[:128]}"
    if not cache.add(key, 1, timeout=2 * REPLAY_WINDOW_SECONDS):
        raise AuthenticationFailed(
            "This signature was already used: the request is a replay. Each delivery must "
            "be signed afresh."
        )


def _fingerprint(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


# -- reading and triage (people: session or user token) --------------------------------------


class IntegrationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    source = serializers.CharField()


class IncidentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()


class AlertOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    source = serializers.CharField()
    integration = IntegrationRefSerializer()
    dedup_key = serializers.CharField()
    external_id = serializers.CharField()
    group_key = serializers.CharField()
    title = serializers.CharField()
    severity = serializers.CharField()
    status = serializers.CharField()
    labels = serializers.JSONField()
    link = serializers.CharField()
    occurred_at = AwareDateTimeField()
    first_seen_at = AwareDateTimeField()
    last_seen_at = AwareDateTimeField()
    resolved_at = AwareDateTimeField(allow_null=True)
    occurrences = serializers.IntegerField()
    payloads_pruned = serializers.SerializerMethodField(
        help_text="How many of its occurrences' raw payloads are no longer kept."
    )
    incident = IncidentRefSerializer(allow_null=True)

    def get_payloads_pruned(self, alert: Alert) -> int:
        pruned = getattr(alert, "payloads_pruned", None)
        if pruned is None:  # a list row: it knows how many payloads are stored
            pruned = alert.occurrences - min(alert.payloads_stored, selectors.keep_payloads())
        return pruned


class AlertDetailOutputSerializer(AlertOutputSerializer):
    description = serializers.CharField()
    payloads = serializers.JSONField(
        help_text="The most recent raw payloads, oldest first: [{seq, received_at, payload}]."
    )


class AlertListApi(generics.ListAPIView):
    permission_classes = [CanView]
    serializer_class = AlertOutputSerializer
    filterset_class = selectors.AlertFilter

    def get_queryset(self):
        return selectors.alert_list()


def _alert_or_404(pk: int) -> Alert:
    alert = selectors.alert_get(pk)
    if alert is None:
        raise NotFound("Alert not found.")
    return alert


class AlertDetailApi(APIView):
    permission_classes = [CanView]

    @extend_schema(responses=AlertDetailOutputSerializer)
    def get(self, request, pk: int):
        return Response(AlertDetailOutputSerializer(_alert_or_404(pk)).data)


class AlertPayloadRawApi(APIView):
    """One kept raw payload exactly as stored: the request body byte for byte for a
    single-alert delivery, the entry's part of a batch otherwise (evidence for the file)."""

    permission_classes = [CanView]

    @extend_schema(responses={(200, "application/json"): OpenApiTypes.OBJECT})
    def get(self, request, pk: int, seq: int):
        body = selectors.alert_payload_raw(pk, seq)
        if body is None:
            raise NotFound("No such payload: it may have been pruned (see payloads_pruned).")
        return HttpResponse(body, content_type="application/json; charset=utf-8")


class AlertAttachInputSerializer(serializers.Serializer):
    incident = serializers.IntegerField(min_value=1)


class AlertDetachInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class AlertAttachApi(APIView):
    permission_classes = [CanTriage]

    @extend_schema(request=AlertAttachInputSerializer, responses=AlertDetailOutputSerializer)
    def post(self, request, pk: int):
        data = AlertAttachInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _alert_or_404(pk)
        alert = links.alert_attach(
            alert_id=pk, incident_id=data.validated_data["incident"], actor=request.user
        )
        return Response(AlertDetailOutputSerializer(selectors.alert_get(alert.pk)).data)


class AlertDetachApi(APIView):
    permission_classes = [CanTriage]

    @extend_schema(request=AlertDetachInputSerializer, responses=AlertDetailOutputSerializer)
    def post(self, request, pk: int):
        data = AlertDetachInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _alert_or_404(pk)
        alert = links.alert_detach(
            alert_id=pk, actor=request.user, reason=data.validated_data.get("reason", "")
        )
        return Response(AlertDetailOutputSerializer(selectors.alert_get(alert.pk)).data)
