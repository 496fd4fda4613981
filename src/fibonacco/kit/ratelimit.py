"""Rate limits in Redis, shared by every process: fixed windows for the API, token buckets toward providers."""

from __future__ import annotations

import asyncio

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


# Token bucket: `rate` tokens per second, bursts up to `capacity`. Returns 0 when a token was taken, else the
# milliseconds to wait for the next one. Runs atomically in Redis, so every worker shares the same bucket.
_TOKEN_BUCKET = """
local key = KEYS[1]
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', key, 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + (now - at) * rate / 1000)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', key, 'tokens', tokens, 'at', now)
redis.call('PEXPIRE', key, math.ceil(capacity * 1000 / rate) + 1000)
return wait
"""


async def acquire_token(redis: aioredis.Redis, bucket: str, *, rate: float, capacity: float | None = None) -> float:
    """Wait until the shared bucket grants a token; returns the seconds spent waiting (throttled, never failed)."""
    waited = 0.0
    while True:
        wait_ms = int(await redis.eval(_TOKEN_BUCKET, 1, f"bucket:{bucket}", rate, capacity or max(rate, 1.0)))
        if wait_ms == 0:
            return waited
        await asyncio.sleep(wait_ms / 1000)
        waited += wait_ms / 1000
