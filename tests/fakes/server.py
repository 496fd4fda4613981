"""A Starlette app on 127.0.0.1 and a free port, served by uvicorn in a thread, recording every request.

Tests read `requests` to check what the provider received and call `fail_next` to make the next request(s)
answer with an error, as the real provider would (429, 500, 400 ...).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import parse_qs

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

Handler = Callable[[Request, "RecordedRequest"], Awaitable[Response]]


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    path_params: dict[str, str] = field(default_factory=dict)

    @property
    def form(self) -> dict[str, list[str]]:
        """Form fields, each with all its values (Twilio repeats a field for lists)."""
        return parse_qs(self.body.decode(), keep_blank_values=True)

    def field(self, name: str) -> str | None:
        values = self.form.get(name)
        return values[0] if values else None

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class _Failure:
    status: int
    body: Any
    headers: dict[str, str]


class FakeServer:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._failures: list[_Failure] = []
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # --- test controls ---
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._failures.clear()

    def fresh(self) -> Self:
        """This server, reset: what a function-scoped fixture hands to a test."""
        self.reset()
        return self

    def fail_next(
        self, status: int, body: Any = None, *, times: int = 1, headers: dict[str, str] | None = None
    ) -> None:
        """Answer the next `times` requests with this status and JSON body instead of handling them."""
        with self._lock:
            self._failures.extend(_Failure(status, body, headers or {}) for _ in range(times))

    # --- app ---
    def routes(self) -> list[tuple[str, str, Handler]]:
        """(method, path, handler) triples; subclasses define their API here."""
        raise NotImplementedError

    def _wrap(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            recorded = RecordedRequest(
                method=request.method,
                path=request.url.path,
                query=dict(request.query_params),
                headers={k.lower(): v for k, v in request.headers.items()},
                body=await request.body(),
                path_params={k: str(v) for k, v in request.path_params.items()},
            )
            with self._lock:
                self.requests.append(recorded)
                failure = self._failures.pop(0) if self._failures else None
            if failure is not None:
                return JSONResponse(failure.body, status_code=failure.status, headers=failure.headers)
            return await handler(request, recorded)

        return endpoint

    def start(self) -> FakeServer:
        app = Starlette(routes=[Route(path, self._wrap(h), methods=[m]) for m, path, h in self.routes()])
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"{type(self).__name__} did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
