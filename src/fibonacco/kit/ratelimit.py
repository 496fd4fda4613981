"""Fixed-window rate limits in Redis, shared by every API process."""

from __future__ import annotations

import redis.asyncio as aioredis

from fibonacco.kit.errors import TooManyRequests


async def enforce_rate_limit(redis: aioredis.Redis, key: str, *, limit: int, window_seconds: int) -> None:
    """Count one hit on `key`; raise 429 with `Retry-After` once `limit` hits fall in the current window."""
    full_key = f"ratelimit:{key}"
    async with redis.pipeline(transaction=True) as pipe:
        # SET NX starts the window (works on Redis 6, which has no EXPIRE NX); INCR counts the hit.
        pipe.set(full_key, 0, ex=window_seconds, nx=True)
        pipe.incr(full_key)
        pipe.ttl(full_key)
        _, hits, ttl = await pipe.execute()
    if int(hits) > limit:
        raise TooManyRequests(retry_after=max(int(ttl), 1))
