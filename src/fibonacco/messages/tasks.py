"""Jobs of the plan: send email (`emails`), send SMS (`sms`), make a call (`calls`), generate speech (`tts`).

Each takes an id and is idempotent: the service's claim step makes a redelivered or retried job a no-op once the
provider has the message.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import lru_cache

from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.config import get_settings
from fibonacco.kit.tenancy import cross_tenant
from fibonacco.messages import service
from fibonacco.messages.models import Channel
from fibonacco.messages.providers import Providers
from fibonacco.worker.actor import actor, job_redis, job_session


@lru_cache(maxsize=1)
def _providers() -> Providers:
    return Providers(get_settings())


@asynccontextmanager
async def _job_unit() -> AsyncIterator[AsyncSession]:
    """A unit of work of these jobs. They get only a row id (not yet the row's `tenant_id`, which would let them
    `bind_tenant`), so each unit crosses tenants, logged, to find its row."""
    async with job_session() as session:
        await cross_tenant(session, "messages job: its row is found by id")
        yield session


async def _send(message_id: str) -> None:
    await service.send_message(_job_unit, job_redis(), _providers(), uuid.UUID(message_id))


@actor("messages.send_email", queue="emails", time_limit=timedelta(minutes=2))
async def send_email(message_id: str) -> None:
    await _send(message_id)


@actor("messages.send_sms", queue="sms", time_limit=timedelta(minutes=2))
async def send_sms(message_id: str) -> None:
    await _send(message_id)


@actor("messages.make_call", queue="calls", time_limit=timedelta(minutes=2))
async def make_call(message_id: str) -> None:
    await _send(message_id)


@actor("messages.generate_tts", queue="tts", time_limit=timedelta(minutes=5))
async def generate_speech(audio_id: str) -> None:
    await service.generate_speech(_job_unit, job_redis(), _providers(), uuid.UUID(audio_id))


SEND_ACTORS = {Channel.email: send_email, Channel.sms: send_sms, Channel.call: make_call}
