"""Text to speech: ElevenLabs (official async SDK) and espeak-ng (offline; WAV → MP3 with an encoder)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import shutil
import tempfile
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

from fibonacco.integrations.errors import PermanentProviderError, TransientProviderError, provider_call

if TYPE_CHECKING:  # the SDK takes a while to import; only the registry needs it at run time
    from elevenlabs.client import AsyncElevenLabs

log = structlog.get_logger(__name__)

MP3 = "audio/mpeg"
WAV = "audio/wav"
_EXTENSIONS = {MP3: "mp3", WAV: "wav"}
_ESPEAK_VOICE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_+\-]{0,39}$")
_SUBPROCESS_TIMEOUT = 120.0


@dataclass(frozen=True, slots=True)
class SpeechAudio:
    data: bytes
    content_type: str

    @property
    def extension(self) -> str:
        return _EXTENSIONS.get(self.content_type, "bin")


def tts_cache_key(text: str, voice: str, provider: str) -> str:
    """Stable key for (text, voice, provider): identical requests reuse the stored audio."""
    payload = json.dumps([provider, voice, text], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


class TextToSpeech(ABC):
    name: str
    model: str
    default_voice: str

    @abstractmethod
    async def synthesize(self, text: str, voice: str | None = None) -> SpeechAudio: ...

    def cache_key(self, text: str, voice: str | None = None) -> str:
        # The model is part of the provider identity: another model sounds different, so no audio reuse.
        return tts_cache_key(text, voice or self.default_voice, f"{self.name}:{self.model}")


class ElevenLabsTTS(TextToSpeech):
    name = "elevenlabs"

    def __init__(
        self,
        client: AsyncElevenLabs,
        *,
        voice_id: str,
        model_id: str,
        output_format: str = "mp3_44100_128",
        max_retries: int = 0,  # the tts job retries with backoff; SDK retries would multiply that
    ) -> None:
        self.client = client
        self.default_voice = voice_id
        self.model = model_id
        self.output_format = output_format
        self.max_retries = max_retries

    async def synthesize(self, text: str, voice: str | None = None) -> SpeechAudio:
        with provider_call(self.name):
            chunks = self.client.text_to_speech.convert(
                voice or self.default_voice,
                text=text,
                model_id=self.model,
                output_format=self.output_format,
                request_options={"max_retries": self.max_retries},
            )
            data = b"".join([chunk async for chunk in chunks])
        if not data:
            raise TransientProviderError("empty audio response", provider=self.name)
        return SpeechAudio(data=data, content_type=MP3 if self.output_format.startswith("mp3") else WAV)


async def _run(command: list[str], *, stdin: bytes | None = None) -> None:
    process = await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, stderr = await asyncio.wait_for(process.communicate(stdin), timeout=_SUBPROCESS_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise TransientProviderError(f"{Path(command[0]).name} timed out", provider="espeak") from None
    if process.returncode != 0:
        detail = stderr.decode(errors="replace").strip()[:200]
        raise PermanentProviderError(
            f"{Path(command[0]).name} exited with {process.returncode}: {detail}", provider="espeak"
        )


def _mp3_command(wav: Path, mp3: Path) -> list[str] | None:
    if lame := shutil.which("lame"):
        return [lame, "--quiet", "-b", "64", str(wav), str(mp3)]
    if ffmpeg := shutil.which("ffmpeg"):
        return [ffmpeg, "-nostdin", "-loglevel", "error", "-y", "-i", str(wav), "-b:a", "64k", str(mp3)]
    return None


class EspeakTTS(TextToSpeech):
    """Offline speech with espeak-ng; robotic, but real audio with no key and no network."""

    name = "espeak"
    model = "espeak-ng"

    def __init__(self, *, voice: str = "en-us", words_per_minute: int = 160) -> None:
        self.default_voice = voice
        self.words_per_minute = words_per_minute

    async def synthesize(self, text: str, voice: str | None = None) -> SpeechAudio:
        voice = voice or self.default_voice
        if not _ESPEAK_VOICE.match(voice):
            raise PermanentProviderError(f"not an espeak-ng voice name: {voice!r}", provider=self.name)
        espeak = shutil.which("espeak-ng")
        if espeak is None:
            raise PermanentProviderError(
                "espeak-ng is not installed (apt-get install espeak-ng), or set TTS_DRIVER=elevenlabs",
                provider=self.name,
            )
        with tempfile.TemporaryDirectory(prefix="fibonacco-tts-") as tmp:
            wav, mp3 = Path(tmp, "speech.wav"), Path(tmp, "speech.mp3")
            # Text goes through stdin: no length limit and no chance of being read as an option.
            command = [espeak, "-v", voice, "-s", str(self.words_per_minute), "-w", str(wav), "--stdin"]
            await _run(command, stdin=text.encode())
            encode = _mp3_command(wav, mp3)
            if encode is not None:
                await _run(encode)
            output, content_type = (mp3, MP3) if encode is not None else (wav, WAV)
            return SpeechAudio(data=await asyncio.to_thread(output.read_bytes), content_type=content_type)
