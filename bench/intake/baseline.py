"""Baseline for the intake benchmark: the same token authentication and body read as the
real endpoint, then exactly one INSERT (an alert row with a fresh key), and nothing else:
no JSON parsing, no adapter, no dedup, no grouping, no incident, no idempotency."""

import uuid

from django.db import transaction
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from breachdesk.timeutils import now_utc
from incidents.intake.apis import IntegrationTokenAuthentication, read_body
from incidents.intake.models import Alert, Integration


class IsIntegration(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, Integration)


class BaselineApi(APIView):
    authentication_classes = [IntegrationTokenAuthentication]
    permission_classes = [IsIntegration]
    throttle_classes: list = []

    def post(self, request):
        read_body(request)
        now = now_utc()
        with transaction.atomic():
            alert = Alert.objects.create(
                integration=request.auth,
                source=request.auth.source,
                dedup_key=f"baseline-{uuid.uuid4().hex}",
                title="baseline",
                severity="info",
                status="firing",
                occurred_at=now,
                first_seen_at=now,
                last_seen_at=now,
            )
        return Response({"alert": alert.pk}, status=202)
