"""While a dependency is down the API answers 503 in the error envelope, never 500, and a message it accepts is
not lost: its send job waits in the outbox (committed with the message) until Redis is back."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.app import create_app
from fibonacco.auth.models import Role
from fibonacco.config import Settings
from fibonacco.devstack.embedded import EmbeddedRedis, free_port
from fibonacco.kit.db import create_engine, create_sessionmaker
from fibonacco.kit.redis import create_redis
from fibonacco.worker.models import OutboxJob
from tests.fixtures import MakeActor

SMS = {"channel": "sms", "to": "+15551234567", "body_text": "Your order is ready"}


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "service_unavailable"
    assert response.headers["Retry-After"]


@pytest.fixture
async def unreachable_app(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The API with its database and Redis both pointing at ports nothing listens on."""
    down = settings.model_copy(update={"DB_PORT": free_port(), "REDIS_PORT": free_port()})
    app = create_app(down)
    engine = create_engine(down, pool_size=1)
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine)
    app.state.redis = create_redis(down)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
    await engine.dispose()
    await app.state.redis.aclose()


async def test_database_down_is_a_503(unreachable_app: httpx.AsyncClient) -> None:
    assert_unavailable(await unreachable_app.get("/api/v1/messages", headers={"Authorization": "Bearer fib_x"}))


async def test_redis_down_is_a_503(unreachable_app: httpx.AsyncClient) -> None:
    login = {"tenant": "someone", "email": "someone@example.com", "password": "correct horse battery"}
    assert_unavailable(await unreachable_app.post("/api/v1/auth/login", json=login))  # rate limited in Redis


async def test_a_message_accepted_while_redis_is_down_keeps_its_job(
    app: FastAPI,
    client: httpx.AsyncClient,
    make_actor: MakeActor,
    session: AsyncSession,
    embedded_redis: EmbeddedRedis,
) -> None:
    admin = await make_actor(Role.admin)
    embedded_redis.stop()
    try:
        response = await client.post("/api/v1/messages", json=SMS, headers=admin.headers)
    finally:
        embedded_redis.start()
    assert response.status_code == 202, response.text
    message_id = response.json()["data"]["id"]
    # Committed with the message, relayed later. Only this message's: tests that ran earlier in this process may
    # have left jobs of their own in the outbox (their relays had nothing to deliver to, or had not run yet).
    outbox = (await session.scalars(select(OutboxJob).where(OutboxJob.args == [message_id]))).all()
    (job,) = outbox
    assert (job.actor, job.queue, job.args) == ("messages.send_sms", "sms", [message_id])
    assert job.kwargs == {"tenant_id": str(admin.tenant.id)}
