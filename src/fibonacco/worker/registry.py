"""What the worker and the scheduler load: the broker, then every domain's `tasks` module.

A domain declares its actors and schedules in `fibonacco/<domain>/tasks.py` (DESIGN.md §4); they are found
here, with no list to keep up to date. `fibonacco worker` runs `dramatiq fibonacco.worker.registry`.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

import fibonacco
from fibonacco.worker.broker import broker


def load_tasks(*extra_modules: str) -> list[str]:
    """Import every `fibonacco.<package>.tasks` module, then `extra_modules`; returns what was imported."""
    names = [
        f"fibonacco.{package.name}.tasks"
        for package in pkgutil.iter_modules(fibonacco.__path__)
        if package.ispkg and importlib.util.find_spec(f"fibonacco.{package.name}.tasks") is not None
    ]
    for name in [*names, *extra_modules]:
        importlib.import_module(name)
    return [*names, *extra_modules]


load_tasks()

__all__ = ["broker", "load_tasks"]
