"""Walking what the app is made of: its API routes, inside included routers, and each route's dependency tree."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute


def api_routes(routes: Iterable[object]) -> Iterator[APIRoute]:
    """Every API route under `routes`, inside included routers (FastAPI keeps each whole, as `original_router`)
    and mounts too."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        yield from api_routes(getattr(getattr(route, "original_router", route), "routes", []))


def dependency_calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    """The endpoint of `dependant` and every dependency under it, depth first (a shared one once per use)."""
    if dependant.call is not None:
        yield dependant.call
    for dependency in dependant.dependencies:
        yield from dependency_calls(dependency)
