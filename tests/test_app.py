from __future__ import annotations

import gc
import inspect
import re
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute

from fibonacco.app import create_app
from fibonacco.auth.dependencies import Authorize
from fibonacco.config import Settings
from fibonacco.kit.dependencies import UnitOfWorkRoute
from fibonacco.kit.routes import api_routes, dependency_calls


class TestOpenApi:
    async def test_document_lists_routes_and_their_errors(self, client: httpx.AsyncClient) -> None:
        document = (await client.get("/openapi.json")).json()
        login = document["paths"]["/api/v1/auth/login"]["post"]
        assert {"200", "401", "422", "429"} <= set(login["responses"])
        error_schema = login["responses"]["401"]["content"]["application/json"]["schema"]["$ref"]
        assert error_schema.endswith("/ErrorEnvelope")
        for path in ("/api/v1/messages", "/api/v1/knowledge", "/api/v1/search/{mode}", "/api/v1/queue/stats"):
            assert path in document["paths"], path
        assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
        # `Authorize` reads the header itself; the document still says which operations need the token.
        assert document["paths"]["/api/v1/knowledge"]["get"]["security"] == [{"HTTPBearer": []}]
        assert document["paths"]["/api/v1/knowledge/{entry_id}"]["patch"]["security"] == [{"HTTPBearer": []}]
        assert "security" not in login and "security" not in document["paths"]["/health"]["get"]
        assert "security" not in document["paths"]["/api/v1/public/{tenant}/knowledge"]["get"]

    async def test_docs_page_is_served(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/docs")
        assert response.status_code == 200 and "swagger" in response.text.lower()


class TestStartup:
    async def test_what_startup_loaded_is_frozen_out_of_full_collections(self, settings: Settings) -> None:
        app = create_app(settings)
        gc.unfreeze()
        try:
            async with app.router.lifespan_context(app):
                assert gc.get_freeze_count() > 10_000  # the modules, routes and schemas, not collected again
        finally:
            gc.unfreeze()  # the rest of the test session collects as usual

    async def test_the_pool_is_open_when_the_api_starts(self, settings: Settings) -> None:
        app = create_app(settings.model_copy(update={"DB_POOL_SIZE": 2}))
        try:
            async with app.router.lifespan_context(app):
                assert app.state.engine.pool.checkedin() == 2
        finally:
            gc.unfreeze()  # the lifespan froze the heap; the rest of the test session collects as usual

    async def test_a_request_waits_for_the_pool_and_gets_a_503_instead_of_a_connection_more(
        self, settings: Settings
    ) -> None:
        app = create_app(settings.model_copy(update={"DB_POOL_SIZE": 1, "DB_POOL_TIMEOUT": 0.2}))
        try:
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
                async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                    headers = {"Authorization": "Bearer fib_unknown_token"}
                    async with app.state.engine.connect() as held:  # the pool's only connection
                        await held.exec_driver_sql("SELECT 1")
                        waited = await client.get("/api/v1/knowledge", headers=headers)
                    served = await client.get("/api/v1/knowledge", headers=headers)
        finally:
            gc.unfreeze()  # the lifespan froze the heap; the rest of the test session collects as usual
        assert waited.status_code == 503, waited.text
        assert waited.json()["error"]["code"] == "service_unavailable" and waited.headers["Retry-After"]
        assert served.status_code == 401  # the connection came back: the next request is served


def _runs_on_the_event_loop(call: Callable[..., Any]) -> bool:
    if inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call):
        return True
    return not inspect.isfunction(call) and inspect.iscoroutinefunction(getattr(call, "__call__", None))


def test_every_endpoint_and_dependency_runs_on_the_event_loop(settings: Settings) -> None:
    """FastAPI runs a plain `def` endpoint or dependency in its thread pool, a thread hop per request."""
    routes = list(api_routes(create_app(settings).routes))
    assert len(routes) > 50
    in_threads = {
        f"{route.path}: {getattr(call, '__qualname__', type(call).__qualname__)}"
        for route in routes
        for call in dependency_calls(route.dependant)
        if not _runs_on_the_event_loop(call)
    }
    assert in_threads == set()


def test_every_route_can_hand_out_the_unit_of_work_s_session(settings: Settings) -> None:
    """`SessionDep` is the session of the unit of work a `UnitOfWorkRoute` opens (every router's `route_class`)."""
    routes = list(api_routes(create_app(settings).routes))
    assert [route.path for route in routes if not isinstance(route, UnitOfWorkRoute)] == []


def test_no_endpoint_authenticates_twice(settings: Settings) -> None:
    """`Authorize` authenticates as well as it checks: two of them on one route would run the token's statement
    twice (FastAPI caches a dependency's result per callable, and each alias is one)."""
    counted = {
        f"{sorted(route.methods)} {route.path}": sum(
            isinstance(call, Authorize) for call in dependency_calls(route.dependant)
        )
        for route in api_routes(create_app(settings).routes)
    }
    assert {route: count for route, count in counted.items() if count > 1} == {}
    assert sum(count == 1 for count in counted.values()) > 40  # the check sees the authenticated routes


def _sample_path(path_format: str) -> str:
    """A path the route answers: each parameter given a value of its type."""
    path_format = re.sub(r"\{[^}:]+:uuid\}", str(uuid.uuid4()), path_format)
    path_format = re.sub(r"\{[^}:]+:path\}", "some/file.txt", path_format)
    return re.sub(r"\{[^}]+\}", "sample", path_format)


def test_no_path_is_answered_by_two_routers(settings: Settings) -> None:
    """`create_app` includes the routers in the order of their traffic, not of their meaning: that order must
    decide no request (within one router, the order of its routes still may)."""
    app = create_app(settings)
    routers = [route for route in app.router.routes if hasattr(route, "original_router")]
    owner = {id(route): index for index, router in enumerate(routers) for route in api_routes([router])}
    routes = list(api_routes(routers))
    clashes = [
        (route.path, other.path)
        for route in routes
        for other in routes
        if owner[id(route)] != owner[id(other)]
        and route.methods & other.methods
        and other.path_regex.match(_sample_path(route.path))
    ]
    assert len(routes) > 90 and clashes == []


_PATH_PARAMETER = re.compile(r"\{(\w+)(?::(\w+))?\}")


def _a_path_of(route: APIRoute) -> str:
    """The route's path with a value that its parameters' convertors take."""
    values = {"uuid": str(uuid.UUID(int=1)), "int": "1", "path": "a/b"}
    return _PATH_PARAMETER.sub(lambda match: values.get(match.group(2) or "", "x"), route.path)


async def test_every_route_is_reached_through_its_router(app: FastAPI) -> None:
    """`DomainRouter` turns away a path outside its prefix before trying its routes: a request for any route's
    path and method still reaches that very route (none is shadowed by another, or lost to a router's prefix)."""
    reached: dict[str, object] = {}

    async def recording(scope: Any, receive: Any, send: Any) -> None:
        await app(scope, receive, send)
        reached[f"{scope['method']} {scope['path']}"] = scope.get("route")

    transport = httpx.ASGITransport(app=recording, raise_app_exceptions=False)
    missed = []
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for route in api_routes(app.routes):
            method, path = sorted(route.methods)[0], _a_path_of(route)
            await client.request(method, path)
            if reached.get(f"{method} {path}") is not route:
                missed.append(f"{method} {route.path}")
    assert missed == []
    assert len(reached) > 60  # the check sees the app's routes
