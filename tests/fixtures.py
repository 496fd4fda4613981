"""Shared fixtures: settings, a rolled-back session per test, Redis, the API client and factories."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from fibonacco.app import create_app
from fibonacco.auth.models import PersonalAccessToken, Role, User
from fibonacco.auth.passwords import hash_password
from fibonacco.auth.schemas import PersonalAccessTokenCreate
from fibonacco.auth.service import issue_token
from fibonacco.config import Settings, load_settings
from fibonacco.kit.db import create_engine
from fibonacco.kit.redis import create_redis
from fibonacco.tenant.models import Tenant

TEST_PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings()


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as connection:
        transaction = await connection.begin()
        yield connection
        await transaction.rollback()


@pytest.fixture
def sessionmaker(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Sessions inside the test's transaction: their commits are savepoints, rolled back after the test."""
    return async_sessionmaker(
        bind=connection, expire_on_commit=False, autoflush=False, join_transaction_mode="create_savepoint"
    )


@pytest.fixture
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        yield session


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[aioredis.Redis]:
    client = create_redis(settings)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


@pytest.fixture
def app(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    redis: aioredis.Redis,
) -> FastAPI:
    app = create_app(settings)
    app.state.engine = engine
    app.state.sessionmaker = sessionmaker
    app.state.redis = redis
    return app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@dataclass
class Actor:
    """A user with a token, ready to call the API."""

    tenant: Tenant
    user: User
    token: str
    token_row: PersonalAccessToken

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


MakeTenant = Callable[..., Awaitable[Tenant]]
MakeActor = Callable[..., Awaitable[Actor]]


@pytest.fixture
def make_tenant(session: AsyncSession) -> MakeTenant:
    async def make(slug: str | None = None, **values: object) -> Tenant:
        slug = slug or f"t-{uuid.uuid4().hex[:10]}"
        tenant = Tenant(name=values.pop("name", slug.title()), slug=slug, **values)
        session.add(tenant)
        await session.commit()
        return tenant

    return make


@pytest.fixture
def make_actor(session: AsyncSession, make_tenant: MakeTenant) -> MakeActor:
    async def make(
        role: Role = Role.owner,
        tenant: Tenant | None = None,
        abilities: list[str] | None = None,
        expires_in_days: int | None = None,
    ) -> Actor:
        tenant = tenant or await make_tenant()
        user = User(
            tenant_id=tenant.id,
            email=f"{role.value}-{uuid.uuid4().hex[:8]}@example.com",
            name=f"{role.value.title()} User",
            role=role,
            password_hash=hash_password(TEST_PASSWORD),
        )
        session.add(user)
        await session.flush()
        data = PersonalAccessTokenCreate(name="test", abilities=abilities or ["*"], expires_in_days=expires_in_days)
        token, row = await issue_token(session, user, data)
        await session.commit()
        return Actor(tenant=tenant, user=user, token=token, token_row=row)

    return make


@pytest.fixture
async def committed_tenant(engine: AsyncEngine) -> AsyncIterator[Tenant]:
    """A tenant committed for real, for rows written by another process (a worker, a CLI command) that the
    test's rolled-back transaction would hide. Deleted afterwards, with everything that cascades from it."""
    from sqlalchemy import delete

    from fibonacco.kit.db import create_sessionmaker, unit_of_work

    sessionmaker = create_sessionmaker(engine)
    async with unit_of_work(sessionmaker) as session:
        tenant = Tenant(name="Committed", slug=f"committed-{uuid.uuid4().hex[:10]}")
        session.add(tenant)
    yield tenant
    async with unit_of_work(sessionmaker) as session:
        await session.execute(delete(Tenant).where(Tenant.id == tenant.id))
