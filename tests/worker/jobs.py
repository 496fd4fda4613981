"""Actors and schedules for the worker tests, imported by the test process and by worker subprocesses
(`--module tests.worker.jobs`). Each records what happened in Redis, where the test reads it."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import timedelta

import structlog

from fibonacco.tenant.models import Tenant
from fibonacco.worker.actor import actor, job_redis, job_session
from fibonacco.worker.idempotency import once
from fibonacco.worker.scheduler import schedule


@actor("tests.flaky", tries=2, min_backoff=timedelta(milliseconds=100))
async def flaky(key: str, tenant_id: str | None = None) -> None:
    """Fails while `fail:<key>` exists; records every run."""
    redis = job_redis()
    await redis.incr(f"runs:{key}")
    if await redis.exists(f"fail:{key}"):
        raise RuntimeError(f"boom {key}")
    await redis.set(f"done:{key}", 1)


@actor("tests.record_seen")
async def record_seen(key: str, tenant_id: str) -> None:
    """Records whether the tenant row the job was enqueued for is visible to the worker."""
    async with job_session() as session:
        tenant = await session.get(Tenant, uuid.UUID(tenant_id))
    await job_redis().set(f"seen:{key}", "found" if tenant else "missing")


@actor("tests.slow_effect", time_limit=timedelta(seconds=60))
async def slow_effect(key: str, hold_seconds: float) -> None:
    """Performs its side effect once (idempotency helper), then holds on its first run, so a test can kill or
    stop the worker mid-job."""
    redis = job_redis()
    await redis.rpush(f"pids:{key}", os.getpid())
    runs = await redis.incr(f"runs:{key}")
    async with once(redis, f"effect:{key}") as first:
        if first:
            await redis.incr(f"effects:{key}")
    if runs == 1:
        await asyncio.sleep(hold_seconds)
    await redis.set(f"done:{key}", 1)


@schedule(every=timedelta(seconds=1))
@actor("tests.tick")
async def tick() -> None:
    """Fired by the scheduler tests; they inspect the queued messages, no worker runs it."""


@schedule(cron="* * * * *")
@actor("tests.minutely")
async def minutely() -> None:
    """A once-a-minute schedule for the `schedule run` tests; no worker runs it."""


@schedule(cron="0 0 1 1 *", overlap=False)
@actor("tests.exclusive", min_backoff=timedelta(milliseconds=100))
async def exclusive() -> None:
    """A scheduled job that takes a while; the overlap test fires its schedule by hand."""
    redis = job_redis()
    await redis.incr("exclusive:started")
    await asyncio.sleep(1)
    await redis.incr("exclusive:finished")


@actor("tests.say")
async def say(key: str) -> None:
    """Writes one log line and records that it ran."""
    structlog.get_logger("tests.worker").info("job_says_hello", key=key)
    await job_redis().set(f"done:{key}", 1)
