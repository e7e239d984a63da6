"""The one exception handler: domain errors, Django validation errors and DRF errors."""

from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from breachdesk.api.parsers import PayloadTooLarge, body_limit
from breachdesk.errors import DomainError


class TooManyParts(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The request has too many form fields or files."
    default_code = "too_many_fields"


def _suspicious(exc: SuspiciousOperation) -> exceptions.APIException:
    """Django's refusals of a body (over DATA_UPLOAD_* limits) as API errors, not HTML 400s."""
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge(
            f"The request body is over the limit of {body_limit()} bytes "
            "(DATA_UPLOAD_MAX_MEMORY_SIZE)."
        )
    if isinstance(exc, TooManyFieldsSent):
        return TooManyParts(
            f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} form fields "
            "(DATA_UPLOAD_MAX_NUMBER_FIELDS)."
        )
    if isinstance(exc, TooManyFilesSent):
        return TooManyParts(
            f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files "
            "(DATA_UPLOAD_MAX_NUMBER_FILES)."
        )
    return exceptions.ParseError("The request was refused as malformed.")


def _first_message(detail) -> str:
    if isinstance(detail, dict):
        for key, value in detail.items():
            return f"{key}: {_first_message(value)}"
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        errors = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(errors)
    if isinstance(exc, IntegrityError):
        return Response(
            {"code": "conflict", "detail": "The change conflicts with existing data."},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, SuspiciousOperation):
        exc = _suspicious(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "code": "invalid",
            "detail": _first_message(exc.detail),
            "errors": exc.detail
            if isinstance(exc.detail, dict)
            else {"non_field_errors": exc.detail},
        }
    elif isinstance(exc, exceptions.APIException):
        response.data = {"code": exc.default_code, "detail": str(exc.detail)}
    return response
