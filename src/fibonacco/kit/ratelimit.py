"""Fixed-window rate limits in Redis, shared by every API process."""

from __future__ import annotations

import redis.asyncio as aioredis

from fibonacco.kit.errors import TooManyRequests


async def enforce_rate_limit(redis: aioredis.Redis, key: str, *, limit: int, window_seconds: int) -> None:
    """Count one hit on `key`; raise 429 with `Retry-After` once `limit` hits fall in the current window."""
    full_key = f"ratelimit:{key}"
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(full_key)
        pipe.expire(full_key, window_seconds, nx=True)
        pipe.ttl(full_key)
        hits, _, ttl = await pipe.execute()
    if int(hits) > limit:
        raise TooManyRequests(retry_after=max(int(ttl), 1))
