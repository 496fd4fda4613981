"""Typed FastAPI dependencies shared by every domain: the unit-of-work session, Redis, settings, the caller's
address and the process's clients; the route class that opens the unit of work, and the router of its routes.

Every dependency is `async def`, even one that awaits nothing: FastAPI runs a plain `def` dependency in its
thread pool, a thread hop (and a GIL hand-over) per request for reading an attribute (`tests/test_app.py`
checks every route's)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

import redis.asyncio as aioredis
from fastapi import Depends, Request, Response
from fastapi.routing import APIRoute, APIRouter
from sqlalchemy.ext.asyncio import AsyncSession
from starlette._utils import get_route_path  # how Starlette and FastAPI read the path they match
from starlette.routing import Match
from starlette.types import Scope

from fibonacco.config import Settings
from fibonacco.kit.clients import ClientKey, Clients
from fibonacco.kit.db import unit_of_work
from fibonacco.kit.routes import dependency_calls

C = TypeVar("C")


_SESSION_KEY = "fibonacco.session"  # the request scope's key for its unit of work's session


def session_of(request: Request) -> AsyncSession:
    """The session of the unit of work the route opened for this request (`UnitOfWorkRoute`).

    `SessionDep` hands it out. A dependency that every request of many routes solves may read it here instead,
    saving FastAPI a level of the dependency tree per request (auth's `Authorize`, bench/README.md, API, ninth
    pass), if it declares `uses_session = True` so its routes open the unit."""
    session: AsyncSession | None = request.scope.get(_SESSION_KEY)
    if session is None:
        raise RuntimeError(f"{request.url.path}: its router needs route_class=UnitOfWorkRoute (a DomainRouter's)")
    return session


async def _session(request: Request) -> AsyncSession:
    return session_of(request)


def _uses_session(call: Callable[..., Any]) -> bool:
    return call is _session or getattr(call, "uses_session", False) is True


class UnitOfWorkRoute(APIRoute):
    """A route (every router's `route_class`) that runs in one unit of work (`kit.db.unit_of_work`) when anything
    it depends on asks for the session (`SessionDep`, or a dependency with `uses_session` that calls `session_of`):
    opened before its dependencies are solved; committed, when it wrote, after the endpoint has returned and its
    response is rendered, before anything is sent (a failed commit is an error response, not a lie); rolled back
    when anything raises, before the error handlers render the error. A route that needs no session opens none.

    What a `yield` dependency would do, without FastAPI's machinery for one, which cost a read-only request
    about as much CPU as one of its round trips (bench/README.md, API, eighth pass)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        if not any(_uses_session(call) for call in dependency_calls(self.dependant)):
            return handle

        async def handle_in_unit_of_work(request: Request) -> Response:
            async with unit_of_work(request.app.state.sessionmaker) as session:
                request.scope[_SESSION_KEY] = session
                return await handle(request)

        return handle_in_unit_of_work


class DomainRouter(APIRouter):
    """A domain's router: its routes run in units of work (`UnitOfWorkRoute`), and a request whose path lies
    outside its prefix is turned away before any route is tried.

    Why: FastAPI (0.16x) matches a request against every included router in turn, trying each route of each, and
    the chosen router's routes up to the match once more, some 20,000 CPU instructions a route: a read by id in
    the knowledge base tried eleven routes of other routers first (bench/README.md, API, twelfth pass). The
    prefix is checked up to its first path parameter (`/api/v1/public/`), which every route path of the router
    starts with; include these routers without a prefix of their own (`tests/test_app.py` checks that every
    route is reached)."""

    def __init__(self, *, prefix: str = "", **kwargs: Any) -> None:
        super().__init__(prefix=prefix, route_class=UnitOfWorkRoute, **kwargs)
        self._static_prefix = prefix.partition("{")[0]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not get_route_path(scope).startswith(self._static_prefix):
            return Match.NONE, {}
        return super().matches(scope)


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


# The request's unit-of-work session; its route (`UnitOfWorkRoute`) commits before the response is sent.
SessionDep = Annotated[AsyncSession, Depends(_session)]
RedisDep = Annotated[aioredis.Redis, Depends(_redis)]
SettingsDep = Annotated[Settings, Depends(_settings)]
# The caller's address (behind the load balancer, the forwarded one: `serve` trusts proxy headers).
ClientAddressDep = Annotated[str, Depends(_client_address)]
