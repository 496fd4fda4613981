"""structlog logs on stdout: JSON for CloudWatch, or one coloured console format in development.

A request or job id is bound on every line, and the process that wrote it (api, worker, scheduler), so the
interleaved output of `fibonacco dev` stays readable.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import sys

import structlog
from structlog.dev import Column, ConsoleRenderer, KeyValueColumnFormatter

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


# What each pattern above needs to match at all: one search of most values (a path, an id, a status) finds none
# of these and skips the five substitutions (the access line of every request runs this for each of its values).
_MAY_HOLD_SECRET = re.compile(r"(?i)\$argon2|bearer|fib_|\b[srp]k-|@")


def redact_text(text: str) -> str:
    if not _MAY_HOLD_SECRET.search(text):
        return text
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


# The process name shown on every line; configure_logging(process=None) keeps it (a forked worker process keeps
# the name its `fibonacco worker` parent set).
_process: str | None = None
PROCESS_NAME_WIDTH = len("scheduler")


def _add_process(_: object, __: str, event: structlog.types.EventDict) -> structlog.types.EventDict:
    if _process is not None:
        event.setdefault("process", _process)
    return event


def _colours_wanted() -> bool:
    """NO_COLOR / FORCE_COLOR as everywhere; else colour when stdout is a terminal.

    The original stdout is asked: Dramatiq hands its worker processes a pipe as `sys.stdout`, which their parent
    copies to the same terminal.
    """
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    stream = sys.__stdout__
    return stream is not None and stream.isatty()


def _console_renderer() -> ConsoleRenderer:
    renderer = ConsoleRenderer(colors=_colours_wanted())
    columns = renderer.columns
    at = next(index for index, column in enumerate(columns) if column.key == "timestamp")
    timestamp = columns[at].formatter
    assert isinstance(timestamp, KeyValueColumnFormatter)
    process = Column("process", dataclasses.replace(timestamp, width=PROCESS_NAME_WIDTH))  # styled as the time
    renderer.columns = [*columns[: at + 1], process, *columns[at + 1 :]]
    return renderer


def _timestamper(settings: Settings) -> structlog.processors.TimeStamper:
    if settings.LOG_FORMAT == "console":
        return structlog.processors.TimeStamper(fmt="%H:%M:%S", utc=False)  # a person reads local time
    return structlog.processors.TimeStamper(fmt="iso", utc=True)


def configure_logging(settings: Settings, process: str | None = None) -> None:
    """Log through structlog in LOG_FORMAT; `process` (api, worker, scheduler) is named on every line."""
    global _process
    _process = process or _process
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        _timestamper(settings),
        _redact_secrets,
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if settings.LOG_FORMAT == "json" else _console_renderer()
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
            _add_process,
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
    # APScheduler announces each run of each job; the scheduler's own `schedule_fired` says what matters.
    if settings.LOG_LEVEL != "DEBUG":
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
