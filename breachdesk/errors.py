"""One domain error type for the whole project; the API maps it to an HTTP status."""

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    INVALID = "invalid"
    CONFLICT = "conflict"
    ILLEGAL_TRANSITION = "illegal_transition"
    PRECONDITION_FAILED = "precondition_failed"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"


class DomainError(Exception):
    """A business rule refused the operation. `status` is the HTTP status the API uses."""

    status = 409
    code: str = ErrorCode.CONFLICT

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        status: int | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.field = field
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": str(self.code), "detail": self.message}
        if self.field:
            body["field"] = self.field
            body["errors"] = {self.field: [self.message]}
        body.update(self.extra)
        return body


class InvalidInput(DomainError):
    """Input that is well-formed but not acceptable (mapped to 400, naming the field)."""

    status = 400
    code = ErrorCode.INVALID


class Unprocessable(DomainError):
    status = 422
    code = ErrorCode.PRECONDITION_FAILED
