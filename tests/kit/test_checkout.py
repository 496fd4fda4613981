"""A pooled connection costs no round trip at checkout, and one the server closed (a restart) is replaced before
anyone uses it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from fibonacco.config import Settings
from fibonacco.kit.db import create_engine


@pytest.fixture
async def one_connection(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """The application's engine with a pool of one, so every checkout meets the same connection."""
    engine = create_engine(settings, pool_size=1)
    yield engine
    await engine.dispose()


async def driver_connection(engine: AsyncEngine) -> Any:
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        return raw.driver_connection


async def backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(select(func.pg_backend_pid()))).scalar_one())


async def test_a_checkout_sends_nothing(one_connection: AsyncEngine) -> None:
    """A read is BEGIN, the statement and the pool's ROLLBACK on return: no ping (`;` between a BEGIN and a
    ROLLBACK of its own, as `pool_pre_ping` sent on every checkout)."""
    simple: list[str] = []  # what asyncpg sends outside prepared statements (transaction control, pings)
    prepared: list[str] = []
    (await driver_connection(one_connection)).add_query_logger(lambda record: simple.append(record.query))
    event.listen(one_connection.sync_engine, "before_cursor_execute", lambda *args: prepared.append(args[2]))

    async with one_connection.connect() as connection:
        await connection.execute(select(1))
    await asyncio.sleep(0.05)  # query loggers are called soon after, not during

    assert len(prepared) == 1, prepared
    assert [query.strip().rstrip(";").split(" ")[0].upper() for query in simple] == ["BEGIN", "ROLLBACK"], simple


async def terminate(engine: AsyncEngine, pid: int) -> None:
    """What PostgreSQL's shutdown does to every client connection: a FATAL error, then the end of the stream.
    Returns once the backend has exited."""
    async with engine.connect() as admin:
        await admin.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})


def terminate_blocking(settings: Settings, pid: int) -> None:
    """`terminate` from another thread and event loop, while this loop stays blocked: nothing here reads the
    terminated connection's socket meanwhile."""

    async def run() -> None:
        engine = create_engine(settings, pool_size=1, role=None)
        try:
            await terminate(engine, pid)
        finally:
            await engine.dispose()

    thread = threading.Thread(target=asyncio.run, args=(run(),))
    thread.start()
    thread.join()


async def test_a_connection_the_server_closed_is_replaced_at_checkout(
    one_connection: AsyncEngine, engine: AsyncEngine
) -> None:
    before = await backend_pid(one_connection)
    raw = await driver_connection(one_connection)
    await terminate(engine, before)
    await asyncio.sleep(0.2)  # the event loop's turns: asyncpg reads the server's goodbye
    assert raw.is_closed()

    after = await backend_pid(one_connection)  # a fresh connection, not an error

    assert after != before


async def test_it_is_replaced_before_the_event_loop_has_read_the_goodbye(
    one_connection: AsyncEngine, settings: Settings
) -> None:
    """A server restarted while the loop was blocked (or before it had a turn): asyncpg does not know yet, the
    kernel does."""
    before = await backend_pid(one_connection)
    raw = await driver_connection(one_connection)
    terminate_blocking(settings, before)
    assert not raw.is_closed()

    after = await backend_pid(one_connection)

    assert after != before
