"""Run a job's side effect once, although delivery is at-least-once (a retried or redelivered job runs again).

    async with once(redis, f"campaign-email:{recipient_id}") as first:
        if first:
            await send_email(...)

The key is claimed for `lease_seconds` while the effect runs and marked done when the block exits cleanly; a
failed block releases it so the next try does the work. A worker killed inside the block leaves the lease to
expire, after which a redelivered job may run the effect again: keep the block to the side effect itself.
When the effect is a database write, a unique constraint in the job's own unit of work is stronger still.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as aioredis

from fibonacco.worker.locks import RELEASE_IF_OWNER

DONE = "done"
DONE_TTL_SECONDS = 7 * 24 * 3600  # longer than any retry or redelivery of the same job
KEY_PREFIX = "fibonacco:once:"


class EffectInProgress(RuntimeError):
    """Another delivery of this job holds the key right now; raised so the job is retried after a backoff."""


@asynccontextmanager
async def once(
    redis: aioredis.Redis, key: str, *, lease_seconds: int = 600, done_ttl_seconds: int = DONE_TTL_SECONDS
) -> AsyncIterator[bool]:
    """Yield True to the one caller that should perform the effect `key`, False once it has been done."""
    full_key = KEY_PREFIX + key
    token = uuid.uuid4().hex
    if not await redis.set(full_key, token, nx=True, ex=lease_seconds):
        state = await redis.get(full_key)
        if state in (DONE, DONE.encode()):
            yield False
            return
        raise EffectInProgress(f"the effect '{key}' is being performed by another delivery of this job")
    try:
        yield True
    except BaseException:
        await redis.eval(RELEASE_IF_OWNER, 1, full_key, token)
        raise
    await redis.set(full_key, DONE, ex=done_ttl_seconds)
