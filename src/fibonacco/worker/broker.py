"""The Dramatiq broker on Redis, created at import so every actor declared afterwards binds to it.

Tuned for "a worker killed mid-job loses nothing, and its job runs again within seconds" (DESIGN.md §12):
Dramatiq re-queues a dead worker's unacknowledged messages only from a live worker's maintenance pass, once
the dead one has missed `heartbeat_timeout`; with the defaults (60 s, 0.1 % of commands) that took minutes.
"""

from __future__ import annotations

from dataclasses import dataclass

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import (
    AgeLimit,
    AsyncIO,
    Callbacks,
    CurrentMessage,
    Middleware,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from fibonacco.config import Settings, get_settings

QUEUES = ("default", "emails", "sms", "calls", "tts", "embeddings")
NAMESPACE = "dramatiq"
# Dead-lettered copies only back up the failed_jobs table, which is what operators retry from.
DEAD_MESSAGE_TTL_MS = 24 * 3600 * 1000
_MAINTENANCE_SCALE = 1_000_000  # Dramatiq counts maintenance chance per million commands


@dataclass(frozen=True)
class QueueKeys:
    """Where Dramatiq's Redis broker keeps one queue (see dramatiq/brokers/redis/dispatch.lua)."""

    ready: str  # list of message ids waiting for a worker
    messages: str  # hash id -> message for waiting and in-flight messages
    delayed: str  # hash id -> message for retries waiting out their backoff
    dead: str  # sorted set of dead-lettered ids

    @classmethod
    def of(cls, queue: str) -> QueueKeys:
        base = f"{NAMESPACE}:{queue}"
        return cls(ready=base, messages=f"{base}.msgs", delayed=f"{base}.DQ.msgs", dead=f"{base}.XQ")


def create_broker(settings: Settings) -> RedisBroker:
    from fibonacco.worker.health import Liveness
    from fibonacco.worker.middleware import Bookkeeping, ConfigureLogging

    # emit_after runs middleware in reverse order: Bookkeeping sits before Retries so that, when its hooks
    # run, Retries has already decided whether the message failed for good.
    middleware: list[Middleware] = [
        AsyncIO(),
        CurrentMessage(),
        ConfigureLogging(),
        Liveness(),
        AgeLimit(),
        TimeLimit(time_limit=int(settings.JOB_TIME_LIMIT_SECONDS * 1000)),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Bookkeeping(),
        Retries(
            max_retries=settings.JOB_TRIES - 1,
            min_backoff=int(settings.JOB_MIN_BACKOFF_SECONDS * 1000),
            max_backoff=int(settings.JOB_MAX_BACKOFF_SECONDS * 1000),
        ),
    ]
    broker = RedisBroker(  # type: ignore[no-untyped-call]  # Dramatiq leaves its constructors untyped
        url=settings.redis_url(),
        namespace=NAMESPACE,
        middleware=middleware,
        heartbeat_timeout=int(settings.WORKER_HEARTBEAT_TIMEOUT_SECONDS * 1000),
        maintenance_chance=max(1, int(settings.WORKER_MAINTENANCE_CHANCE * _MAINTENANCE_SCALE)),
        dead_message_ttl=DEAD_MESSAGE_TTL_MS,
    )
    # Declared up front so `fibonacco worker` consumes every queue even before a domain declares its actors.
    for queue in QUEUES:
        broker.declare_queue(queue)
    return broker


broker = create_broker(get_settings())
dramatiq.set_broker(broker)
