"""The Dramatiq broker on Redis, created at import so every actor declared afterwards binds to it.

Tuned for "a worker killed mid-job loses nothing, and its job runs again within seconds" (DESIGN.md §12):
Dramatiq re-queues a dead worker's unacknowledged messages only from a live worker's maintenance pass, once
the dead one has missed `heartbeat_timeout`; with the defaults (60 s, 0.1 % of commands) that took minutes.

Its Redis client retries a command after a connection error (`kit.redis`), so connections left over from
before a Redis restart reconnect instead of failing a job; retries Redis cannot take go to the job outbox
(`outbox.DurableRetries`), and the workers' sweeper relays whatever the outbox holds (`outbox.Sweeper`).
"""

from __future__ import annotations

from typing import Any

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.errors import ConnectionClosed
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    CurrentMessage,
    Middleware,
    Pipelines,
    ShutdownNotifications,
    TimeLimit,
)

from fibonacco.config import Settings, get_settings
from fibonacco.kit.redis import create_sync_redis
from fibonacco.worker.health import Liveness
from fibonacco.worker.middleware import Bookkeeping, ConfigureLogging, DaemonAsyncIO, ShutdownDeadline
from fibonacco.worker.outbox import DurableRetries, Sweeper
from fibonacco.worker.queues import NAMESPACE, QUEUES

# Dead-lettered copies only back up the failed_jobs table, which is what operators retry from.
DEAD_MESSAGE_TTL_MS = 24 * 3600 * 1000
_MAINTENANCE_SCALE = 1_000_000  # Dramatiq counts maintenance chance per million commands


class Broker(RedisBroker):
    """Dramatiq's Redis broker, except that re-queueing a worker's unfinished messages at shutdown reports an
    unreachable Redis as the connection error Dramatiq handles: otherwise the worker process would die halfway
    through its shutdown. Those messages stay unacknowledged and are redelivered once this worker's heartbeat
    times out."""

    def do_requeue(self, queue_name: str, *message_ids: str) -> Any:
        try:
            return super().__getattr__("do_requeue")(queue_name, *message_ids)  # type: ignore[no-untyped-call]
        except redis.RedisError as exc:
            raise ConnectionClosed(exc) from None  # type: ignore[no-untyped-call]


def create_broker(settings: Settings) -> RedisBroker:
    # emit_after runs middleware in reverse order: Bookkeeping sits before Retries so that, when its hooks
    # run, Retries has already decided whether the message failed for good.
    middleware: list[Middleware] = [
        DaemonAsyncIO(),
        CurrentMessage(),
        ConfigureLogging(),
        Liveness(),
        Sweeper(),
        ShutdownDeadline(),
        AgeLimit(),
        TimeLimit(time_limit=int(settings.JOB_TIME_LIMIT_SECONDS * 1000)),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Bookkeeping(),
        DurableRetries(
            max_retries=settings.JOB_TRIES - 1,
            min_backoff=int(settings.JOB_MIN_BACKOFF_SECONDS * 1000),
            max_backoff=int(settings.JOB_MAX_BACKOFF_SECONDS * 1000),
        ),
    ]
    broker = Broker(  # type: ignore[no-untyped-call]  # Dramatiq leaves its constructors untyped
        client=create_sync_redis(settings, retries=3),
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
