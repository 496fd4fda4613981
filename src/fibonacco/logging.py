"""structlog JSON logs on stdout (CloudWatch reads them); a request or job id is bound on every line."""

from __future__ import annotations

import logging
import re
import sys

import structlog

from fibonacco.config import Settings

# Keys whose values never reach a log line, whatever code logs them.
_SECRET_KEYS = ("password", "token", "secret", "authorization", "api_key", "app_key")
# Secret-shaped text anywhere in a line (an exception's message, a careless f-string), replaced before rendering.
_SECRET_TEXT = (
    (re.compile(r"\$argon2(?:id|i|d)\$[A-Za-z0-9+/=$,.-]+"), "[password hash]"),
    (re.compile(r"(?i)\bbearer\s+[^\s'\",)]+"), "Bearer [redacted]"),
    (re.compile(r"\bfib_[A-Za-z0-9_-]{8,}"), "fib_[redacted]"),
    (re.compile(r"\b(?:sk|rk|pk)-[A-Za-z0-9_\-*]{8,}"), "[redacted]"),
    (re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"), "[email]"),
)


def redact_text(text: str) -> str:
    for pattern, replacement in _SECRET_TEXT:
        text = pattern.sub(replacement, text)
    return text


def _redact_value(value: object) -> object:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {key: _redact_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(item) for item in value]
    return value


def _redact_secrets(logger: object, name: str, event: structlog.types.EventDict) -> structlog.types.EventDict:
    # The traceback becomes text here, so the scrubbing below covers the exception's message too.
    event = structlog.processors.format_exc_info(logger, name, event)
    for key in list(event):
        if key.startswith("_"):
            continue  # structlog's own bookkeeping (the stdlib record)
        if any(part in key.lower() for part in _SECRET_KEYS):
            event[key] = "[redacted]"
        else:
            event[key] = _redact_value(event[key])
    return event


def configure_logging(settings: Settings) -> None:
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact_secrets,
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if settings.LOG_FORMAT == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.LOG_LEVEL)
    # uvicorn's own access log duplicates ours (which carries the request id).
    logging.getLogger("uvicorn.access").disabled = True
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
