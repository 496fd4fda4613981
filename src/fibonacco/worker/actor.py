"""The `actor` decorator every domain uses, and the resources a job runs with.

    @actor("campaign.send_email", queue="emails", time_limit=timedelta(seconds=60))
    async def send_campaign_email(recipient_id: str, *, tenant_id: str) -> None:
        async with job_session() as session:  # one unit of work: committed, then its jobs are sent
            ...

Jobs take ids and plain values (JSON), never ORM objects. A job working for a tenant takes `tenant_id` as a
keyword argument, so its failure is shown to that tenant's admins.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, ParamSpec

import dramatiq
import structlog
from dramatiq.asyncio import async_to_sync
from dramatiq.middleware import CurrentMessage

from fibonacco.integrations.errors import PermanentProviderError
from fibonacco.worker.broker import broker
from fibonacco.worker.queues import QUEUES, Queue
from fibonacco.worker.resources import job_redis, job_session

P = ParamSpec("P")
Actor = dramatiq.Actor[P, None]

_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


def _ms(value: timedelta | None) -> int | None:
    return None if value is None else int(value.total_seconds() * 1000)


def actor(
    name: str,
    *,
    queue: Queue = "default",
    tries: int | None = None,
    time_limit: timedelta | None = None,
    min_backoff: timedelta | None = None,
    max_backoff: timedelta | None = None,
    throws: tuple[type[BaseException], ...] = (PermanentProviderError,),
) -> Callable[[Callable[P, Awaitable[None]]], Actor[P]]:
    """Declare an async job named `"domain.event"` on `queue`.

    `tries` (default JOB_TRIES) counts the first run; retries back off exponentially from `min_backoff`
    (JOB_MIN_BACKOFF_SECONDS). `time_limit` (JOB_TIME_LIMIT_SECONDS) bounds each try. Exceptions in `throws`
    are not retried: a permanent provider error goes straight to failed jobs.
    """
    if not _NAME.fullmatch(name):
        raise ValueError(f"actor name {name!r} must look like 'domain.event' (lowercase, one dot)")
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}; queues are {', '.join(QUEUES)}")
    if tries is not None and tries < 1:
        raise ValueError("tries must be at least 1")
    options = {
        "max_retries": None if tries is None else tries - 1,
        "time_limit": _ms(time_limit),
        "min_backoff": _ms(min_backoff),
        "max_backoff": _ms(max_backoff),
        "throws": throws or None,
    }

    def decorate(fn: Callable[P, Awaitable[None]]) -> Actor[P]:
        # Unset options fall back to the broker-wide defaults taken from settings.
        declared: dict[str, Any] = {key: value for key, value in options.items() if value is not None}
        return dramatiq.actor(actor_name=name, queue_name=queue, broker=broker, **declared)(_with_job_context(fn))

    return decorate


def _with_job_context(fn: Callable[P, Awaitable[None]]) -> Callable[P, None]:
    """Run the async job on the worker's event loop (as Dramatiq would), with the job's id and actor bound to
    every log line it writes: the coroutine runs on the loop thread, where the message is otherwise unknown."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        message = CurrentMessage.get_current_message()  # set on this worker thread for the message in hand
        job = {"job_id": message.message_id, "actor": message.actor_name} if message else {}

        async def with_context() -> None:
            structlog.contextvars.bind_contextvars(**job)  # this task's own context: no other job sees it
            await fn(*args, **kwargs)

        async_to_sync(with_context)()

    return run


__all__ = ["Actor", "Queue", "actor", "job_redis", "job_session"]
