"""`fill_pool`: the API opens its pool's connections before the first burst of requests, and a database it cannot
reach yet does not keep it from starting."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import event

from fibonacco.config import Settings
from fibonacco.devstack.embedded import free_port
from fibonacco.kit.db import create_engine, fill_pool


async def test_the_pool_is_open_before_the_first_burst(settings: Settings) -> None:
    engine = create_engine(settings, pool_size=3, fixed_pool=True)
    try:
        assert await fill_pool(engine, 3) == 3
        assert engine.pool.checkedin() == 3  # type: ignore[attr-defined]  # QueuePool's count
        connects: list[object] = []
        event.listen(engine.sync_engine, "connect", lambda *args: connects.append(args))

        async def read() -> None:
            async with engine.connect() as connection:
                await connection.exec_driver_sql("SELECT pg_sleep(0.05)")

        await asyncio.gather(*(read() for _ in range(3)))  # a burst as wide as the pool
        assert connects == []  # served by the connections opened at start, none opened on demand
    finally:
        await engine.dispose()


async def test_a_database_that_refuses_leaves_the_pool_to_connect_on_demand(settings: Settings) -> None:
    engine = create_engine(settings.model_copy(update={"DB_PORT": free_port()}), pool_size=2, fixed_pool=True)
    try:
        assert await fill_pool(engine, 2) == 0
    finally:
        await engine.dispose()


async def test_a_database_that_does_not_answer_delays_the_start_by_the_timeout_only(settings: Settings) -> None:
    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(10)
        writer.close()

    silent = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    engine = create_engine(settings.model_copy(update={"DB_HOST": "127.0.0.1", "DB_PORT": port}), pool_size=2)
    try:
        started = time.monotonic()
        assert await fill_pool(engine, 2, seconds=0.3) == 0
        assert time.monotonic() - started < 5  # the timeout, not asyncpg's own 60 s connect timeout
    finally:
        await engine.dispose()
        silent.close()
