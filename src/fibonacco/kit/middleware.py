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
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_JSON_BRACKET = re.compile(rb"[\[\]{}]")
_INSPECTED_BODIES = (b"application/json", b"application/x-www-form-urlencoded")
# Every JSON or form body the API takes is far smaller; a bigger one is refused before it is parsed.
MAX_BODY_BYTES = 1024 * 1024
# Deeper nesting than any schema here has; parsing and validating very deep documents costs stack and time.
MAX_JSON_DEPTH = 32


def _carries_nul(data: bytes, *, urlencoded: bool) -> bool:
    if b"\x00" in data or _JSON_NUL_ESCAPE.search(data):
        return True
    return urlencoded and b"%00" in data


def _json_depth(data: bytes) -> int:
    depth = deepest = 0
    for bracket in _JSON_BRACKET.findall(_JSON_STRING.sub(b"", data)):
        depth += 1 if bracket in (b"[", b"{") else -1
        deepest = max(deepest, depth)
    return deepest


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        self.status, self.code, self.message = status, code, message


class RefuseHostileInput:
    """Refuse at the door, in the error envelope, what would otherwise fail deep inside the application:

    - U+0000 in the path, the query string or a JSON/form body (PostgreSQL text cannot hold it): 422;
    - a JSON or form body over `MAX_BODY_BYTES`: 413;
    - JSON nested deeper than `MAX_JSON_DEPTH`: 422.

    Only JSON and form bodies are read here (other bodies pass untouched).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        try:
            if "\x00" in scope["path"] or _carries_nul(scope["query_string"], urlencoded=True):
                raise _Refused(422, "validation_error", "NUL characters are not allowed")
            if content_type not in _INSPECTED_BODIES:
                await self.app(scope, receive, send)
                return
            body = await self._read_body(headers, receive)
            if _carries_nul(body, urlencoded=content_type == b"application/x-www-form-urlencoded"):
                raise _Refused(422, "validation_error", "NUL characters are not allowed")
            if content_type == b"application/json" and _json_depth(body) > MAX_JSON_DEPTH:
                raise _Refused(422, "validation_error", f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        except _Refused as refused:
            message = "The given data was invalid." if refused.status == 422 else "The request body is too large."
            response = error_response(refused.status, message, refused.code, [{"message": refused.message}])
            await response(scope, receive, send)
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
    async def _read_body(headers: dict[bytes, bytes], receive: Receive) -> bytes:
        too_large = _Refused(413, "payload_too_large", f"at most {MAX_BODY_BYTES} bytes")
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise too_large
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise too_large
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)
