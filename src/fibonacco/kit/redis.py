"""Redis clients (cache, rate limits, locks; Dramatiq has its own connection pool)."""

from __future__ import annotations

import redis.asyncio as aioredis

from fibonacco.config import Settings


def create_redis(settings: Settings) -> aioredis.Redis:
    return aioredis.Redis.from_url(
        settings.redis_url(), decode_responses=True, socket_connect_timeout=2, socket_timeout=5
    )
