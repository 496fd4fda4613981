"""Shared fixtures: settings, a rolled-back session per test, Redis, the API client and factories.

Row-level security (DESIGN §15): the test's own `session` (and `engine`, `sessionmaker`) act as the database's
login user, a superuser that the policies do not bind, so factories and checks see every tenant. The API under
test acts as the application role, as in production: each of its units of work runs its savepoint as
`fibonacco_app` with no tenant bound until its code binds one, so a unit of work that forgets `bind_tenant` sees
nothing here too. `app_engine` is the production engine, for committed work under the policies.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI
from sqlalchemy import Connection, delete, event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, SessionTransaction

from fibonacco.app import create_app
from fibonacco.auth.models import PersonalAccessToken, Role, User
from fibonacco.auth.passwords import hash_password
from fibonacco.auth.schemas import PersonalAccessTokenCreate
from fibonacco.auth.service import issue_token
from fibonacco.config import Settings, load_settings
from fibonacco.kit.db import UnitOfWork, create_engine, create_sessionmaker, unit_of_work
from fibonacco.kit.redis import create_redis
from fibonacco.kit.tenancy import APP_ROLE, CROSS_TENANT_SETTING, TENANT_SETTING
from fibonacco.tenant.models import Tenant
from tests.helpers import Processes

TEST_PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings()


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """The login user's engine, unbound by row-level security: for the tests' own setup and checks."""
    engine = create_engine(settings, pool_size=5, role=None)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def app_engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """The application's engine, as in production: every connection acts as the application role."""
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


_UNBIND = f"SELECT set_config('{TENANT_SETTING}', '', true), set_config('{CROSS_TENANT_SETTING}', '', true)"


class ApplicationSession(Session):
    """The API's unit of work inside the test's transaction: its savepoint acts as the application role with no
    tenant bound (as a fresh production transaction does); the test's own session is itself again afterwards."""


@event.listens_for(ApplicationSession, "after_begin")
def _act_as_application(session: Session, transaction: SessionTransaction, connection: Connection) -> None:
    if transaction.parent is None:
        connection.exec_driver_sql(f"SET LOCAL ROLE {APP_ROLE}")
        connection.exec_driver_sql(_UNBIND)


@event.listens_for(ApplicationSession, "after_commit")
def _act_as_test_again(session: Session) -> None:
    # The released savepoint would keep the role and the tenant for the rest of the test's transaction.
    connection: Connection = session.info["test_connection"]
    connection.exec_driver_sql("SET LOCAL ROLE NONE")
    connection.exec_driver_sql(_UNBIND)


@pytest.fixture
def app_sessionmaker(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """The API's sessions: in the test's transaction (commits are savepoints), as the application role."""
    return async_sessionmaker(
        bind=connection,
        sync_session_class=ApplicationSession,
        info={"test_connection": connection.sync_connection},
        expire_on_commit=False,
        autoflush=False,
        join_transaction_mode="create_savepoint",
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
    app_sessionmaker: async_sessionmaker[AsyncSession],
    redis: aioredis.Redis,
) -> FastAPI:
    app = create_app(settings)
    app.state.engine = engine
    app.state.sessionmaker = app_sessionmaker
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
    sessionmaker = create_sessionmaker(engine)
    async with unit_of_work(sessionmaker) as session:
        tenant = Tenant(name="Committed", slug=f"committed-{uuid.uuid4().hex[:10]}")
        session.add(tenant)
    yield tenant
    async with unit_of_work(sessionmaker) as session:
        await session.execute(delete(Tenant).where(Tenant.id == tenant.id))


@pytest.fixture
def new_unit(sessionmaker: async_sessionmaker[AsyncSession]) -> UnitOfWork:
    """Units of work inside the test's transaction (their commits are savepoints), as a job opens them."""
    return lambda: unit_of_work(sessionmaker)


@pytest.fixture
def spawn() -> Iterator[Processes]:
    """Real `python -m fibonacco.worker …` processes, stopped after the test."""
    processes = Processes()
    yield processes
    processes.stop_all()
