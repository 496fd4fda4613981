"""Request id, access log and unhandled-error middleware (pure ASGI, so it also wraps streaming responses)."""

from __future__ import annotations

import re
import time
import uuid

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fibonacco.kit.handlers import error_response

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")

log = structlog.get_logger("fibonacco.http")


class RequestContextMiddleware:
    """Binds the request id to every log line, logs one access line per request, and turns an unhandled error
    into the 500 envelope, logged once here (Starlette and uvicorn never see it, so neither logs it again)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(REQUEST_ID_HEADER.lower().encode(), b"").decode("latin-1")
        # Reuse the load balancer's id when it is sane, so one id follows the request end to end.
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                headers.append((REQUEST_ID_HEADER.lower().encode(), request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled_error", method=scope["method"], path=scope["path"])
            if not response_started:
                await error_response(500, "Server error.", "server_error")(scope, receive, send_with_id)
        finally:
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )


# `\u0000` in JSON text that is a real escape (preceded by an even number of backslashes, so not `\\u0000`).
_JSON_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_INSPECTED_BODIES = (b"application/json", b"application/x-www-form-urlencoded")


def _carries_nul(data: bytes, *, urlencoded: bool) -> bool:
    if b"\x00" in data or _JSON_NUL_ESCAPE.search(data):
        return True
    return urlencoded and b"%00" in data


class RejectNulCharacters:
    """PostgreSQL text cannot hold U+0000: refuse it at the door with a 422 instead of failing at the database.

    Checks the path, the query string and JSON or form bodies (which are small; other bodies pass untouched).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or _carries_nul(scope["query_string"], urlencoded=True):
            await self._refuse(scope, receive, send)
            return
        content_type = dict(scope["headers"]).get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type not in _INSPECTED_BODIES:
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if _carries_nul(body, urlencoded=content_type == b"application/x-www-form-urlencoded"):
            await self._refuse(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            422, "The given data was invalid.", "validation_error", [{"message": "NUL characters are not allowed"}]
        )
        await response(scope, receive, send)
