"""Process-wide clients: each built once, on first use, from the settings, then reused (SDK-backed clients keep
connection pools; an unused capability needs no keys). The API's are made in `create_app` and read through
`kit.dependencies.client`; a worker process's through `worker.resources.job_clients`."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from fibonacco.config import Settings

C = TypeVar("C")


@dataclass(frozen=True)
class ClientKey(Generic[C]):
    """Names one kind of client; the type parameter is what `Clients.get` returns for it."""

    name: str


class Clients:
    """One client per key, built by that key's factory from the settings."""

    def __init__(self, settings: Settings, factories: Mapping[ClientKey[Any], Callable[[Settings], Any]]) -> None:
        self._settings = settings
        self._factories = factories
        self._built: dict[ClientKey[Any], Any] = {}
        self._lock = threading.Lock()  # a worker's threads share one

    def get(self, key: ClientKey[C]) -> C:
        with self._lock:
            if key not in self._built:
                self._built[key] = self._factories[key](self._settings)
            return cast(C, self._built[key])

    def replace(self, key: ClientKey[C], client: C) -> None:
        """Use `client` from now on (a test's fake, say)."""
        with self._lock:
            self._built[key] = client
