"""One error base class carrying its HTTP status; one handler renders every error into the envelope."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel


class FibonaccoError(Exception):
    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "server_error"

    def __init__(self, message: str, *, details: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers

    @classmethod
    def openapi(cls) -> dict[int | str, dict[str, Any]]:
        """The route's OpenAPI `responses` entry for this error."""
        return {cls.status_code: {"model": ErrorEnvelope, "description": cls.__doc__ or cls.code}}


class BadRequest(FibonaccoError):
    """The request cannot be processed as sent."""

    status_code = 400
    code = "bad_request"


class Unauthenticated(FibonaccoError):
    """Missing, invalid, revoked or expired credentials."""

    status_code = 401
    code = "unauthenticated"

    def __init__(self, message: str = "Unauthenticated.", **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(message, **kwargs)


class Forbidden(FibonaccoError):
    """The caller is authenticated but may not do this."""

    status_code = 403
    code = "forbidden"

    def __init__(self, message: str = "You are not allowed to do this.", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)


class NotFound(FibonaccoError):
    """The resource does not exist, or belongs to someone else."""

    status_code = 404
    code = "not_found"

    def __init__(self, message: str = "Not found.", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)


class MethodNotAllowed(FibonaccoError):
    """The path exists, but not with this method; `Allow` lists the methods it has."""

    status_code = 405
    code = "method_not_allowed"


class Conflict(FibonaccoError):
    """The request conflicts with the current state (a duplicate, say)."""

    status_code = 409
    code = "conflict"


class PayloadTooLarge(FibonaccoError):
    """The request body is larger than the API accepts."""

    status_code = 413
    code = "payload_too_large"


class ValidationFailed(FibonaccoError):
    """The request body, query or path failed validation."""

    status_code = 422
    code = "validation_error"


class TooManyRequests(FibonaccoError):
    """Rate limit exceeded; retry after the number of seconds in `Retry-After`."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str = "Too many requests.", *, retry_after: int = 60, **kwargs: Any) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)}, **kwargs)


class ServiceUnavailable(FibonaccoError):
    status_code = 503
    code = "service_unavailable"


class ErrorBody(BaseModel):
    message: str
    code: str
    details: Any = None


class ErrorEnvelope(BaseModel):
    error: ErrorBody


def error_responses(*errors: type[FibonaccoError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for a route that can raise these errors."""
    responses: dict[int | str, dict[str, Any]] = {}
    for error in errors:
        responses.update(error.openapi())
    return responses
