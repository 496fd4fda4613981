"""Typed FastAPI dependencies shared by every domain: the unit-of-work session, Redis, settings, the caller's
address and the process's clients.

Every dependency is `async def`, even one that awaits nothing: FastAPI runs a plain `def` dependency in its
thread pool, a thread hop (and a GIL hand-over) per request for reading an attribute (`tests/test_app.py`
checks every route's)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any, TypeVar

import redis.asyncio as aioredis
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.config import Settings
from fibonacco.kit.clients import ClientKey, Clients
from fibonacco.kit.db import unit_of_work

C = TypeVar("C")


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with unit_of_work(request.app.state.sessionmaker) as session:
        yield session


async def _redis(request: Request) -> aioredis.Redis:
    redis: aioredis.Redis = request.app.state.redis
    return redis


async def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def client(key: ClientKey[C]) -> Any:
    """`Annotated[X, client(KEY)]`: the API process's client under `KEY`, from the `Clients` that `create_app`
    made (built on first use, then reused)."""

    async def read(request: Request) -> C:
        clients: Clients = request.app.state.clients
        return clients.get(key)

    return Depends(read)


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# scope="function": commit before the response is sent, so a failed commit is an error response, not a lie.
SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]
RedisDep = Annotated[aioredis.Redis, Depends(_redis)]
SettingsDep = Annotated[Settings, Depends(_settings)]
# The caller's address (behind the load balancer, the forwarded one: `serve` trusts proxy headers).
ClientAddressDep = Annotated[str, Depends(_client_address)]
