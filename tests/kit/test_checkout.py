"""A pooled connection costs no round trip at checkout, and one the server closed (a restart) is replaced before
anyone uses it."""

from __future__ import annotations

import asyncio
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


async def test_a_connection_the_server_closed_is_replaced_at_checkout(
    one_connection: AsyncEngine, engine: AsyncEngine
) -> None:
    """PostgreSQL's shutdown closes every client connection as `pg_terminate_backend` does; the next unit of work
    gets a fresh connection instead of an error."""
    before = await backend_pid(one_connection)
    raw = await driver_connection(one_connection)
    async with engine.connect() as admin:
        await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": before})
    async with asyncio.timeout(10):
        while not raw.is_closed():  # the event loop reads the server's goodbye
            await asyncio.sleep(0.01)

    after = await backend_pid(one_connection)

    assert after != before
