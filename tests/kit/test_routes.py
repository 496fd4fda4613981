"""`UnitOfWorkRoute`: a route that asks for the session runs in one unit of work, committed before its response
is sent and rolled back when anything raises; a route that does not ask opens none."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from fibonacco.kit.db import create_sessionmaker
from fibonacco.kit.dependencies import SessionDep, UnitOfWorkRoute, session_of
from fibonacco.kit.errors import Conflict
from fibonacco.kit.handlers import install_error_handlers
from fibonacco.kit.tenancy import cross_tenant
from fibonacco.tenant.models import Tenant


class _AddsTenant:
    """A dependency that reads the unit's session itself, as auth's `Authorize` does (the slug from the query)."""

    uses_session = True

    async def __call__(self, request: Request) -> str:
        slug = request.query_params["slug"]
        session_of(request).add(Tenant(name="Through a dependency", slug=slug))
        return slug


AddedTenant = Annotated[str, Depends(_AddsTenant())]


def _app(engine: AsyncEngine, slug: str) -> FastAPI:
    router = APIRouter(route_class=UnitOfWorkRoute)

    @router.post("/written")
    async def written(session: SessionDep) -> dict[str, str]:
        session.add(Tenant(name="Written", slug=slug))
        return {"slug": slug}

    @router.post("/refused")
    async def refused(session: SessionDep) -> dict[str, str]:
        session.add(Tenant(name="Refused", slug=slug))
        await session.flush()  # the row is in the database's transaction: only a rollback removes it
        raise Conflict("refused after writing")

    @router.post("/through-a-dependency")
    async def through_a_dependency(added: AddedTenant) -> dict[str, str]:
        return {"slug": added}

    @router.get("/sessionless")
    async def sessionless() -> dict[str, int]:
        return {"sessions": len(opened)}

    sessionmaker = create_sessionmaker(engine)
    opened: list[AsyncSession] = []

    def counting_sessionmaker() -> AsyncSession:
        opened.append(sessionmaker())
        return opened[-1]

    app = FastAPI()
    app.state.sessionmaker = counting_sessionmaker
    install_error_handlers(app)
    app.include_router(router)
    return app


@pytest.fixture
async def slug(engine: AsyncEngine) -> AsyncIterator[str]:
    slug = f"route-{uuid.uuid4().hex[:10]}"
    yield slug
    async with create_sessionmaker(engine)() as session:
        await cross_tenant(session, "test cleanup")
        for tenant in (await session.scalars(select(Tenant).where(Tenant.slug == slug))).all():
            await session.delete(tenant)
        await session.commit()


async def _count(engine: AsyncEngine, slug: str) -> int:
    async with engine.connect() as connection:
        count: int = await connection.scalar(select(func.count()).select_from(Tenant).where(Tenant.slug == slug))
        return count


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_what_a_route_wrote_is_committed_before_its_response(engine: AsyncEngine, slug: str) -> None:
    async with _client(_app(engine, slug)) as client:
        response = await client.post("/written")
    assert response.status_code == 200 and await _count(engine, slug) == 1


async def test_a_route_that_raises_after_writing_leaves_nothing(engine: AsyncEngine, slug: str) -> None:
    async with _client(_app(engine, slug)) as client:
        response = await client.post("/refused")
    assert response.status_code == 409 and response.json()["error"]["code"] == "conflict"
    assert await _count(engine, slug) == 0


async def test_a_dependency_that_uses_the_session_itself_gets_the_unit(engine: AsyncEngine, slug: str) -> None:
    async with _client(_app(engine, slug)) as client:
        response = await client.post("/through-a-dependency", params={"slug": slug})
    assert response.status_code == 200 and await _count(engine, slug) == 1


async def test_a_route_without_the_session_opens_no_unit(engine: AsyncEngine, slug: str) -> None:
    async with _client(_app(engine, slug)) as client:
        assert (await client.get("/sessionless")).json() == {"sessions": 0}
        await client.post("/written")
        assert (await client.get("/sessionless")).json() == {"sessions": 1}


async def test_the_session_outside_a_unit_of_work_route_is_a_clear_error(engine: AsyncEngine) -> None:
    app = FastAPI()
    app.state.sessionmaker = create_sessionmaker(engine)

    @app.get("/plain")
    async def plain(session: SessionDep) -> None:
        return None

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=True), base_url="http://testserver"
    ) as client:
        with pytest.raises(RuntimeError, match="route_class=UnitOfWorkRoute"):
            await client.get("/plain")
