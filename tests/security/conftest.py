"""Security regression helpers: a committed actor, and the API on the production engine (real transactions,
the application role), for races and row-level security that a rolled-back test transaction cannot show."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncEngine

from fibonacco.app import create_app
from fibonacco.auth.models import Role, User
from fibonacco.auth.passwords import hash_password
from fibonacco.auth.schemas import PersonalAccessTokenCreate
from fibonacco.auth.service import issue_token
from fibonacco.config import Settings
from fibonacco.kit.db import create_sessionmaker, unit_of_work
from fibonacco.tenant.models import Tenant
from tests.fixtures import TEST_PASSWORD, Actor


@pytest.fixture
async def committed_admin(engine: AsyncEngine, committed_tenant: Tenant) -> Actor:
    """An admin with a token, committed in `committed_tenant` (deleted with it)."""
    async with unit_of_work(create_sessionmaker(engine)) as session:
        user = User(
            tenant_id=committed_tenant.id,
            email=f"admin-{uuid.uuid4().hex[:8]}@example.com",
            name="Committed Admin",
            role=Role.admin,
            password_hash=hash_password(TEST_PASSWORD),
        )
        session.add(user)
        await session.flush()
        token, row = await issue_token(session, user, PersonalAccessTokenCreate(name="committed"))
    return Actor(tenant=committed_tenant, user=user, token=token, token_row=row)


@pytest.fixture
async def live_client(
    settings: Settings, app_engine: AsyncEngine, redis: aioredis.Redis
) -> AsyncIterator[httpx.AsyncClient]:
    """The API with its production sessions: every request its own transaction, as the application role."""
    app = create_app(settings)
    app.state.engine = app_engine
    app.state.sessionmaker = create_sessionmaker(app_engine)
    app.state.redis = redis
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
