"""Fake OpenAI-compatible API (OpenAI, OpenRouter): chat completions incl. SSE streaming, and embeddings."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import time
import uuid
from array import array
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from tests.fakes.server import FakeServer, Handler, RecordedRequest

MAX_EMBEDDING_INPUTS = 2048  # the real API's per-request limit
NATIVE_DIMENSIONS = {"text-embedding-3-large": 3072}


def fake_embedding(text: str, dimension: int) -> list[float]:
    """Deterministic unit vector, rounded to float32 so JSON and base64 encodings carry the same numbers."""
    seed = hashlib.sha256(text.encode()).digest()
    raw = [((seed[i % 32] + i) % 17) - 8.0 for i in range(dimension)]
    norm = math.sqrt(sum(v * v for v in raw)) or 1.0
    return list(array("f", [v / norm for v in raw]))


def encode_embedding(vector: list[float], encoding_format: str | None) -> list[float] | str:
    # The SDK asks for base64 (little-endian float32) unless told otherwise, and decodes it itself.
    if encoding_format == "base64":
        return base64.b64encode(array("f", vector).tobytes()).decode()
    return vector


def openai_error(message: str, kind: str = "invalid_request_error", code: str | None = None) -> dict[str, object]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


class FakeOpenAI(FakeServer):
    """Answers `reply` (default: echoes the last user message) and records every request.

    Use `base_url = fake.url + "/v1"` (OpenRouter's base path is `/api/v1`; both are served).
    """

    def __init__(self, api_key: str = "fake-openai-key") -> None:
        super().__init__()
        self.api_key = api_key
        self.reply: str | None = None

    def reset(self) -> None:
        super().reset()
        self.reply = None

    def routes(self) -> list[tuple[str, str, Handler]]:
        routes: list[tuple[str, str, Handler]] = []
        for prefix in ("/v1", "/api/v1"):
            routes += [
                ("POST", f"{prefix}/chat/completions", self._chat),
                ("POST", f"{prefix}/embeddings", self._embed),
            ]
        return routes

    def _refusal(self, recorded: RecordedRequest) -> Response | None:
        if recorded.headers.get("authorization") != f"Bearer {self.api_key}":
            return JSONResponse(openai_error("Incorrect API key provided", code="invalid_api_key"), status_code=401)
        return None

    def _answer(self, payload: dict[str, object]) -> str:
        if self.reply is not None:
            return self.reply
        messages: list[dict[str, str]] = payload.get("messages") or []  # type: ignore[assignment]
        last_user = next((m["content"] for m in reversed(messages) if m.get("role") == "user"), "")
        return f"Fake answer to: {last_user}"

    async def _chat(self, request: Request, recorded: RecordedRequest) -> Response:
        if refusal := self._refusal(recorded):
            return refusal
        payload = recorded.json()
        if not payload.get("model") or not payload.get("messages"):
            return JSONResponse(openai_error("model and messages are required"), status_code=400)
        answer, model, ident = self._answer(payload), payload["model"], f"chatcmpl-{uuid.uuid4().hex}"
        if payload.get("stream"):
            return StreamingResponse(self._sse(ident, model, answer), media_type="text/event-stream")
        return JSONResponse(
            {
                "id": ident,
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 11, "completion_tokens": len(answer.split()), "total_tokens": 99},
            }
        )

    async def _sse(self, ident: str, model: str, answer: str) -> AsyncIterator[bytes]:
        def event(delta: dict[str, str], finish: str | None = None) -> bytes:
            chunk = {
                "id": ident,
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            return f"data: {json.dumps(chunk)}\n\n".encode()

        yield event({"role": "assistant", "content": ""})
        words = answer.split(" ")
        for index, word in enumerate(words):
            yield event({"content": word if index == 0 else " " + word})
        yield event({}, "stop")
        yield b"data: [DONE]\n\n"

    async def _embed(self, request: Request, recorded: RecordedRequest) -> Response:
        if refusal := self._refusal(recorded):
            return refusal
        payload = recorded.json()
        inputs = payload.get("input")
        inputs = [inputs] if isinstance(inputs, str) else list(inputs or [])
        if not inputs or len(inputs) > MAX_EMBEDDING_INPUTS:
            message = f"'$.input' must have between 1 and {MAX_EMBEDDING_INPUTS} items"
            return JSONResponse(openai_error(message), status_code=400)
        model = payload.get("model", "")
        dimension = int(payload.get("dimensions") or NATIVE_DIMENSIONS.get(model, 1536))
        data = [
            {
                "object": "embedding",
                "index": i,
                "embedding": encode_embedding(fake_embedding(text, dimension), payload.get("encoding_format")),
            }
            for i, text in enumerate(inputs)
        ]
        # Out of order on purpose: clients must sort by index.
        return JSONResponse(
            {
                "object": "list",
                "data": data[::-1],
                "model": model,
                "usage": {"prompt_tokens": len(inputs), "total_tokens": len(inputs)},
            }
        )
