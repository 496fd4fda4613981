"""Fake ElevenLabs API: text-to-speech returning recognisable MP3-looking bytes."""

from __future__ import annotations

import hashlib

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tests.fakes.server import FakeServer, Handler, RecordedRequest

AUDIO_PREFIX = b"ID3\x04\x00\x00\x00\x00\x00\x00"


def fake_audio(text: str, voice_id: str) -> bytes:
    """Deterministic per (text, voice), long enough to arrive in several chunks."""
    return AUDIO_PREFIX + hashlib.sha256(f"{voice_id}:{text}".encode()).digest() * 200


class FakeElevenLabs(FakeServer):
    def __init__(self, api_key: str = "fake-elevenlabs-key") -> None:
        super().__init__()
        self.api_key = api_key

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [("POST", "/v1/text-to-speech/{voice_id}", self._convert)]

    async def _convert(self, request: Request, recorded: RecordedRequest) -> Response:
        if recorded.headers.get("xi-api-key") != self.api_key:
            detail = {"status": "invalid_api_key", "message": "Invalid API key"}
            return JSONResponse({"detail": detail}, status_code=401)
        payload = recorded.json()
        if not str(payload.get("text", "")).strip():
            return JSONResponse({"detail": {"status": "invalid_text", "message": "text is empty"}}, status_code=400)
        return Response(fake_audio(payload["text"], recorded.path_params["voice_id"]), media_type="audio/mpeg")
