"""Redis clients (cache, rate limits, locks; Dramatiq has its own connection pool).

Every client retries a command that fails on a connection error or a timeout, reconnecting with exponential
backoff, so connections left over from before a Redis restart cost a reconnect instead of an error. The budget
(about five seconds) covers a restart or failover; a longer outage surfaces as `redis.ConnectionError`.
"""

from __future__ import annotations

import redis
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from fibonacco.config import Settings

RETRIED_ERRORS = (RedisConnectionError, RedisTimeoutError)
_RETRIES = 8  # 0.05 + 0.1 + 0.2 + 0.4 + 0.8 + 1 + 1 + 1 seconds between tries: ~4.5 s in all
_BACKOFF_CAP_SECONDS = 1.0
_BACKOFF_BASE_SECONDS = 0.05


def _backoff() -> ExponentialBackoff:
    return ExponentialBackoff(cap=_BACKOFF_CAP_SECONDS, base=_BACKOFF_BASE_SECONDS)


def create_redis(settings: Settings) -> aioredis.Redis:
    return aioredis.Redis.from_url(
        settings.redis_url(),
        decode_responses=True,
        socket_connect_timeout=2,
        socket_timeout=5,
        retry=AsyncRetry(_backoff(), _RETRIES, supported_errors=RETRIED_ERRORS),
    )


def create_sync_redis(settings: Settings, *, retries: int = _RETRIES) -> redis.Redis:
    """A blocking client with the same retry policy (the Dramatiq broker's)."""
    return redis.Redis.from_url(
        settings.redis_url(),
        socket_connect_timeout=2,
        socket_timeout=5,
        retry=Retry(_backoff(), retries, supported_errors=RETRIED_ERRORS),
    )
