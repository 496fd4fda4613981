"""The queue-depth metric the workers scale on, published by the scheduler process itself.

A job cannot measure the queues: with every worker busy it waits behind the very backlog it should report, and
the scaling policy sees no data exactly when it should scale out. So the scheduler (the continuous one while it
leads, and `fibonacco schedule run` on each EventBridge tick) reads the broker's keys in Redis directly, every
`QUEUE_METRICS_INTERVAL_SECONDS`, and publishes `Fibonacco/Queues` `QueueDepth` (jobs waiting) per `Queue`.
Reading Redis is a measurement, not work: no backlog can delay it.
"""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from fibonacco.config import Settings
from fibonacco.integrations.metrics import Metrics
from fibonacco.integrations.registry import get_metrics
from fibonacco.kit.redis import create_redis
from fibonacco.worker.service import queue_depths

QUEUE_DEPTH_NAMESPACE = "Fibonacco/Queues"
QUEUE_DEPTH_METRIC = "QueueDepth"


async def publish_queue_depths(redis: aioredis.Redis, metrics: Metrics) -> dict[str, int]:
    """Publish each queue's waiting jobs; returns what was published."""
    waiting = {queue: depth[0] for queue, depth in (await queue_depths(redis)).items()}
    for queue, count in waiting.items():
        await metrics.put(QUEUE_DEPTH_NAMESPACE, QUEUE_DEPTH_METRIC, count, {"Queue": queue})
    return waiting


class QueueDepthPublisher:
    """One publication per `publish()` call, from the scheduler's (synchronous) threads."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.metrics = get_metrics(settings)

    def publish(self) -> dict[str, int]:
        return asyncio.run(self._publish())

    async def _publish(self) -> dict[str, int]:
        # A connection of its own per publication: the event loop is new each time, and once a minute is cheap.
        redis = create_redis(self.settings)
        try:
            return await publish_queue_depths(redis, self.metrics)
        finally:
            await redis.aclose()
