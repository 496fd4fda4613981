"""Render every failure into the error envelope `{"error": {"message", "code", "details"}}`."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from fibonacco.kit.db import FOREIGN_KEY_VIOLATION, UNIQUE_VIOLATION, constraint_fields, sqlstate
from fibonacco.kit.errors import Conflict, FibonaccoError
from fibonacco.kit.openapi import allowed_methods

log = structlog.get_logger("fibonacco.errors")

_CODES_BY_STATUS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "service_unavailable",
}


def error_response(
    status: int, message: str, code: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"error": {"message": message, "code": code, "details": details}}
    return JSONResponse(body, status_code=status, headers=headers)


async def _fibonacco_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FibonaccoError)
    return error_response(exc.status_code, exc.message, exc.code, exc.details, exc.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # The offending input is left out on purpose: it may be a password.
    details = [
        {
            "field": ".".join(str(part) for part in error["loc"]),
            "message": error["msg"],
            "type": error["type"],
        }
        for error in exc.errors()
    ]
    return error_response(422, "The given data was invalid.", "validation_error", details)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _CODES_BY_STATUS.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ").capitalize()
    if exc.status_code == 404 and message == "Not Found":
        message = "The requested resource was not found."
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        # Starlette names only the methods of the first route matching the path; one path is often several.
        headers["Allow"] = ", ".join(allowed_methods(request.app, request.url.path))
    return error_response(exc.status_code, message, code, headers=headers or None)


def integrity_conflict(exc: IntegrityError) -> Conflict | None:
    """A unique or foreign-key violation as the 409 it is (two requests raced past a service's own check);
    None for any other integrity error, which is a bug."""
    driver_error = exc.orig.__cause__ if exc.orig is not None else None
    state = sqlstate(exc)
    fields = constraint_fields(str(getattr(driver_error, "constraint_name", "") or ""))
    field = ",".join(fields) or None
    if state == UNIQUE_VIOLATION:
        message = f"Another record already has this {field}." if field else "This record already exists."
        return Conflict(message, details={"field": field})
    if state == FOREIGN_KEY_VIOLATION:
        return Conflict("The record refers to one that does not exist (any more).", details={"field": field})
    return None


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, IntegrityError)
    conflict = integrity_conflict(exc)
    if conflict is None:
        raise exc  # an unexpected constraint: the server error it is, logged once by the request middleware
    return await _fibonacco_error(request, conflict)


# A dependency that is down (restarting, failing over, unreachable) is the platform's trouble, not a bug: the
# client is told to come back shortly. Redis and database clients have already retried with backoff by then.
DEPENDENCY_DOWN_RETRY_AFTER_SECONDS = 5
_DEPENDENCY_ERRORS: tuple[type[Exception], ...] = (
    RedisConnectionError,
    RedisTimeoutError,
    DBAPIError,
    ConnectionError,  # the database driver's connect: refused, reset
    TimeoutError,
    PoolTimeoutError,  # no connection of the pool came free in DB_POOL_TIMEOUT
)


def _dependency_is_down(exc: Exception) -> bool:
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)
    return True


async def _dependency_error(request: Request, exc: Exception) -> JSONResponse:
    if not _dependency_is_down(exc):
        raise exc  # a bug, not an outage: the server error it is, logged once by the request middleware
    log.warning("dependency_unavailable", path=request.url.path, error=f"{type(exc).__name__}: {exc}"[:300])
    headers = {"Retry-After": str(DEPENDENCY_DOWN_RETRY_AFTER_SECONDS)}
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        headers["X-Request-ID"] = request_id
    message = "A service the platform depends on is unavailable; try again shortly."
    return error_response(503, message, "service_unavailable", headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Unhandled errors are not here: `RequestContextMiddleware` logs them once, with the request id."""
    app.add_exception_handler(FibonaccoError, _fibonacco_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    for dependency_error in _DEPENDENCY_ERRORS:
        app.add_exception_handler(dependency_error, _dependency_error)
