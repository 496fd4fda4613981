"""Provider errors, classified in one place so every job makes the same retry decision.

`TransientProviderError` (timeouts, connection failures, 429, 5xx, throttling codes): retry with backoff.
`PermanentProviderError` (invalid number, unverified address, other 4xx, bad configuration): record on the
message and do not retry.
`OutcomeUnknownError`, a transient error, says more: the request may have reached the provider and been acted
on (a read timeout, a connection reset after the request went out, a 500/502/504). Retrying an idempotent call
(a completion, an embedding) is fine; a send must not be repeated blindly but reconciled with the provider first.
A connection that was never established (refused, connect timeout) and an explicit "try later" (429, 503,
throttling codes) are plain transient errors: the provider did nothing.

Messages carry the provider's own explanation, truncated and with anything key-shaped redacted, so they can be
stored on a message row and logged. SDK exceptions are inspected by duck typing after checking the module they
come from, which keeps this module free of heavy SDK imports.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar

# Statuses worth retrying: request timeout, too early, rate limited, and every server-side failure.
_TRANSIENT_STATUSES = frozenset({408, 425, 429})
# Answers that say the request was refused before anything happened; any other 5xx may follow a side effect.
_NOT_ACTED_ON_STATUSES = frozenset({425, 429, 503})

# AWS error codes that mean "slow down / try later" even when the HTTP status is 400.
_AWS_TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "LimitExceededException",
        "SlowDown",
        "RequestTimeout",
        "RequestTimeoutException",
        "ServiceUnavailable",
        "InternalError",
        "InternalFailure",
    }
)

# Twilio's "too many requests" and "queue overflow" arrive with their own codes.
_TWILIO_TRANSIENT_CODES = frozenset({20429, 30001})

_MAX_MESSAGE = 500
_SECRET_PATTERNS = (
    (re.compile(r"\b(?:sk|rk|pk)-[A-Za-z0-9_\-*]{8,}"), "[redacted]"),
    (re.compile(r"(?i)\bbearer\s+\S+"), "Bearer [redacted]"),
    (
        re.compile(r"(?i)\b(xi-api-key|api[_-]?key|auth[_-]?token|password)(['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+"),
        r"\1\2[redacted]",
    ),
)


def redact(text: str) -> str:
    """Strip anything that looks like a credential and cap the length (messages end up in rows and logs)."""
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


class ProviderError(Exception):
    """A provider call failed. `retryable` tells the job layer whether to try again."""

    retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status: int | None = None,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.message = redact(message)
        self.provider = provider
        self.status = status
        self.code = code
        self.retry_after = retry_after
        super().__init__(self.message)

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments defeat Exception's default pickling (worker processes may pickle errors).
        return (_rebuild, (type(self), self.message, self.provider, self.status, self.code, self.retry_after))

    def __str__(self) -> str:
        details = ", ".join(
            part
            for part in (
                f"status {self.status}" if self.status else "",
                f"code {self.code}" if self.code else "",
            )
            if part
        )
        return f"{self.provider}: {self.message}" + (f" ({details})" if details else "")


def _rebuild(
    cls: type[ProviderError],
    message: str,
    provider: str,
    status: int | None,
    code: str | None,
    retry_after: float | None,
) -> ProviderError:
    return cls(message, provider=provider, status=status, code=code, retry_after=retry_after)


class TransientProviderError(ProviderError):
    """Worth retrying later: the provider was slow, unreachable, rate limiting or failing on its side."""

    retryable = True


class OutcomeUnknownError(TransientProviderError):
    """The provider may or may not have acted on the request: the answer was lost (timeout, reset, 5xx)."""


class PermanentProviderError(ProviderError):
    """Retrying cannot help: the request itself (number, address, content, credentials) was refused."""

    retryable = False


def status_is_transient(status: int | None) -> bool:
    """No status means the request never got an answer (timeout, connection reset): worth retrying."""
    return status is None or status in _TRANSIENT_STATUSES or status >= 500


def error_for_status(
    provider: str,
    status: int | None,
    message: str,
    *,
    code: str | None = None,
    retry_after: float | None = None,
) -> ProviderError:
    cls: type[ProviderError] = PermanentProviderError
    if status is None or (status >= 500 and status not in _NOT_ACTED_ON_STATUSES):
        cls = OutcomeUnknownError
    elif status_is_transient(status):
        cls = TransientProviderError
    return cls(message, provider=provider, status=status, code=code, retry_after=retry_after)


# Failures that happen before a request is sent: the provider cannot have acted on it.
_NEVER_SENT = frozenset(
    {
        "ConnectionRefusedError",
        "NewConnectionError",
        "NameResolutionError",
        "ConnectTimeoutError",
        "ConnectTimeout",
        "EndpointConnectionError",
        "ConnectError",
        "gaierror",
    }
)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, its causes and contexts, and the errors SDKs wrap in `args` or `reason`."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
        pending.extend(item for item in linked if isinstance(item, BaseException))


def connection_error(exc: BaseException, provider: str) -> TransientProviderError:
    """A transport failure: plain transient if the request never left, `OutcomeUnknownError` otherwise."""
    never_sent = any(type(item).__name__ in _NEVER_SENT for item in _chain(exc))
    cls = TransientProviderError if never_sent else OutcomeUnknownError
    return cls(f"connection failed: {type(exc).__name__}", provider=provider)


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    if not headers:
        return None
    value = {k.lower(): v for k, v in headers.items()}.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:  # an HTTP date: let the job's own backoff decide
        return None


def _classify_botocore(exc: Exception, provider: str) -> ProviderError:
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.exceptions import (
        ConnectionError as BotoConnectionError,  # SDKs: imported by the classifier of their own provider only
    )

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "") or None
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        message = str(error.get("Message") or code or "request refused")
        if code in _AWS_TRANSIENT_CODES and status not in (500, 502, 504):
            return TransientProviderError(message, provider=provider, status=status, code=code)
        return error_for_status(provider, status, message, code=code)
    if isinstance(exc, BotoConnectionError | HTTPClientError):
        return connection_error(exc, provider)
    # NoCredentialsError, ParamValidationError, ...: a configuration or programming problem.
    return PermanentProviderError(str(exc), provider=provider)


def _classify_twilio(exc: Exception, provider: str) -> ProviderError:
    from twilio.base.exceptions import TwilioRestException  # the provider's SDK: only when its error is classified

    if isinstance(exc, TwilioRestException):
        code = exc.code if isinstance(exc.code, int) else None
        message = str(exc.msg or "request refused")
        if code in _TWILIO_TRANSIENT_CODES:
            return TransientProviderError(message, provider=provider, status=exc.status, code=str(code))
        return error_for_status(provider, exc.status, message, code=str(code) if code else None)
    return PermanentProviderError(str(exc), provider=provider)


def _classify_openai(exc: Exception, provider: str) -> ProviderError:
    import openai  # the provider's SDK: only when its error is classified

    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return connection_error(exc, provider)
    if isinstance(exc, openai.APIStatusError):
        code = getattr(exc, "code", None)
        return error_for_status(
            provider,
            exc.status_code,
            exc.message,
            code=str(code) if code else None,
            retry_after=_retry_after(exc.response.headers),
        )
    return PermanentProviderError(str(exc), provider=provider)


def _elevenlabs_message(body: Any) -> str:
    # The API answers {"detail": {"status": ..., "message": ...}} or {"detail": "..."}.
    detail = body.get("detail", body) if isinstance(body, dict) else body
    if isinstance(detail, dict):
        return str(detail.get("message") or detail.get("status") or detail)
    return str(detail or "request refused")


def _classify_elevenlabs(exc: Exception, provider: str) -> ProviderError:
    from elevenlabs.core.api_error import ApiError  # the provider's SDK: only when its error is classified

    if isinstance(exc, ApiError):
        return error_for_status(
            provider, exc.status_code, _elevenlabs_message(exc.body), retry_after=_retry_after(exc.headers)
        )
    return PermanentProviderError(str(exc), provider=provider)


def _classify_transport(exc: Exception, provider: str) -> ProviderError:
    # httpx / requests failures below the SDKs (timeouts, resets, refused connections): the network, not us.
    return connection_error(exc, provider)


_CLASSIFIERS = {
    "botocore": _classify_botocore,
    "twilio": _classify_twilio,
    "openai": _classify_openai,
    "elevenlabs": _classify_elevenlabs,
    "httpx": _classify_transport,
    "httpx2": _classify_transport,
    "httpcore": _classify_transport,
    "requests": _classify_transport,
    "urllib3": _classify_transport,
}


def classify_exception(exc: BaseException, provider: str) -> ProviderError | None:
    """The classified error for an SDK or transport exception; None for anything else (a bug stays a bug)."""
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, TimeoutError | ConnectionError):
        return connection_error(exc, provider)
    if not isinstance(exc, Exception):
        return None
    classifier = _CLASSIFIERS.get(type(exc).__module__.partition(".")[0])
    return classifier(exc, provider) if classifier else None


@contextmanager
def provider_call(provider: str) -> Iterator[None]:
    """Wrap one provider call (sync or awaited inside) so SDK exceptions leave as `ProviderError`s."""
    try:
        yield
    except Exception as exc:
        classified = classify_exception(exc, provider)
        if classified is None or classified is exc:
            raise
        raise classified from exc
