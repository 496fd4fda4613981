"""Liveness for the worker and scheduler containers: a heartbeat key in Redis, per role and host.

Worker processes and the scheduler refresh `fibonacco:liveness:<role>:<hostname>` every
WORKER_LIVENESS_INTERVAL_SECONDS with a TTL of three periods; the ECS health check runs
`fibonacco worker --check` (or `fibonacco scheduler --check`) in the same container, which exits 0 while the
key exists. A missing key means the process is hung, dead or cut off from Redis: either way, replace it.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Literal

import redis
from dramatiq import Broker, Worker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import Middleware

from fibonacco.config import Settings, get_settings

Role = Literal["worker", "scheduler"]


def liveness_key(role: Role) -> str:
    # ECS gives each task its own hostname, so the health check only ever sees its own container.
    return f"fibonacco:liveness:{role}:{socket.gethostname()}"


def beat(client: redis.Redis, role: Role, settings: Settings) -> None:
    ttl = max(1, round(3 * settings.WORKER_LIVENESS_INTERVAL_SECONDS))
    client.set(liveness_key(role), int(time.time()), ex=ttl)


def is_alive(settings: Settings, role: Role) -> bool:
    client = redis.Redis.from_url(settings.redis_url(), socket_connect_timeout=2, socket_timeout=2)
    try:
        return bool(client.exists(liveness_key(role)))
    except redis.RedisError:
        return False
    finally:
        client.close()


class Liveness(Middleware):
    """Beats from a thread of each worker process while its worker runs."""

    def __init__(self) -> None:
        self._stop = threading.Event()

    def after_worker_boot(self, broker: Broker, worker: Worker) -> None:
        assert isinstance(broker, RedisBroker)
        self._stop.clear()
        threading.Thread(target=self._beat, args=(broker.client,), name="liveness", daemon=True).start()

    def before_worker_shutdown(self, broker: Broker, worker: Worker) -> None:
        self._stop.set()

    def _beat(self, client: redis.Redis) -> None:
        settings = get_settings()
        while not self._stop.is_set():
            # On a Redis error the key expires, and the health check reports the worker as unhealthy.
            with contextlib.suppress(redis.RedisError):
                beat(client, "worker", settings)
            self._stop.wait(settings.WORKER_LIVENESS_INTERVAL_SECONDS)
