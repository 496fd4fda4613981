"""What jobs run with: one engine and one Redis client per worker process, created on first use inside it
(never inherited across a fork). Kept apart from `actor` so the broker's middleware can use them too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache

import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fibonacco.clients import process_clients
from fibonacco.config import get_settings
from fibonacco.kit.clients import Clients
from fibonacco.kit.db import create_engine, create_sessionmaker, unit_of_work
from fibonacco.kit.redis import create_redis


@lru_cache(maxsize=1)
def _sessionmaker() -> async_sessionmaker[AsyncSession]:
    settings = get_settings()
    # A send holds one connection for its claim and one for its record, and the sweeper one more.
    return create_sessionmaker(create_engine(settings, pool_size=settings.WORKER_THREADS + 1))


@asynccontextmanager
async def job_session() -> AsyncIterator[AsyncSession]:
    """One unit of work for (part of) a job: committed on success, rolled back on error; jobs enqueued with
    `fibonacco.worker.enqueue` inside it are written to the outbox with it and relayed after the commit."""
    async with unit_of_work(_sessionmaker()) as session:
        yield session


@lru_cache(maxsize=1)
def job_redis() -> aioredis.Redis:
    """The worker process's Redis client for idempotency keys, locks, rate limits and caches."""
    return create_redis(get_settings())


@lru_cache(maxsize=1)
def job_clients() -> Clients:
    """The worker process's provider clients (embedder, message providers), each built on first use."""
    return process_clients(get_settings())
