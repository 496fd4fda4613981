"""Typed FastAPI dependencies shared by every domain: the unit-of-work session, Redis and settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import redis.asyncio as aioredis
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.config import Settings
from fibonacco.kit.db import unit_of_work


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with unit_of_work(request.app.state.sessionmaker) as session:
        yield session


def _redis(request: Request) -> aioredis.Redis:
    redis: aioredis.Redis = request.app.state.redis
    return redis


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# scope="function": commit before the response is sent, so a failed commit is an error response, not a lie.
SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]
RedisDep = Annotated[aioredis.Redis, Depends(_redis)]
SettingsDep = Annotated[Settings, Depends(_settings)]
