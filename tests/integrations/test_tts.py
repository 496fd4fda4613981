from __future__ import annotations

import shutil

import pytest

from fibonacco.config import Settings, load_settings
from fibonacco.integrations.errors import PermanentProviderError, TransientProviderError
from fibonacco.integrations.registry import get_tts
from fibonacco.integrations.tts import ElevenLabsTTS, EspeakTTS, tts_cache_key
from tests.fakes.elevenlabs_fake import FakeElevenLabs, fake_audio


@pytest.fixture
def eleven_settings(fake_elevenlabs: FakeElevenLabs) -> Settings:
    return load_settings(
        APP_ENV="testing",
        TTS_DRIVER="elevenlabs",
        ELEVENLABS_API_KEY=fake_elevenlabs.api_key,
        ELEVENLABS_BASE_URL=fake_elevenlabs.url,
        ELEVENLABS_VOICE_ID="voice-123",
        ELEVENLABS_MODEL_ID="eleven_turbo_v2_5",
    )


async def test_elevenlabs_receives_voice_model_and_text(
    eleven_settings: Settings, fake_elevenlabs: FakeElevenLabs
) -> None:
    tts = get_tts(eleven_settings)
    assert isinstance(tts, ElevenLabsTTS)

    audio = await tts.synthesize("Welcome to the Learning Center.")

    [received] = fake_elevenlabs.requests
    assert received.path == "/v1/text-to-speech/voice-123"
    assert received.headers["xi-api-key"] == fake_elevenlabs.api_key
    assert received.query["output_format"] == "mp3_44100_128"
    body = received.json()
    assert body["text"] == "Welcome to the Learning Center." and body["model_id"] == "eleven_turbo_v2_5"
    assert audio.data == fake_audio("Welcome to the Learning Center.", "voice-123")  # all chunks, in order
    assert (audio.content_type, audio.extension) == ("audio/mpeg", "mp3")


async def test_elevenlabs_voice_can_be_chosen_per_request(
    eleven_settings: Settings, fake_elevenlabs: FakeElevenLabs
) -> None:
    await get_tts(eleven_settings).synthesize("Hi", voice="other-voice")
    assert fake_elevenlabs.requests[0].path == "/v1/text-to-speech/other-voice"


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_elevenlabs_overload_is_transient(
    eleven_settings: Settings, fake_elevenlabs: FakeElevenLabs, status: int
) -> None:
    fake_elevenlabs.fail_next(
        status, {"detail": {"status": "busy", "message": "try later"}}, headers={"Retry-After": "3"}
    )
    with pytest.raises(TransientProviderError) as caught:
        await get_tts(eleven_settings).synthesize("Hello")
    assert caught.value.status == status and caught.value.retry_after == 3.0
    assert len(fake_elevenlabs.requests) == 1  # the job retries, not the SDK


async def test_elevenlabs_refusals_are_permanent(eleven_settings: Settings, fake_elevenlabs: FakeElevenLabs) -> None:
    with pytest.raises(PermanentProviderError) as caught:
        await get_tts(eleven_settings).synthesize("   ")
    assert caught.value.status == 400 and caught.value.message == "text is empty"


def test_cache_key_is_stable_and_separates_text_voice_and_provider() -> None:
    key = tts_cache_key("Hello", "v1", "elevenlabs")
    assert key == tts_cache_key("Hello", "v1", "elevenlabs") and len(key) == 64
    assert (
        len(
            {
                key,
                tts_cache_key("Hello!", "v1", "elevenlabs"),
                tts_cache_key("Hello", "v2", "elevenlabs"),
                tts_cache_key("Hello", "v1", "espeak"),
            }
        )
        == 4
    )
    espeak = EspeakTTS()
    assert espeak.cache_key("Hello") == espeak.cache_key("Hello", "en-us") != espeak.cache_key("Hello", "en-gb")


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (make system-deps)")
async def test_espeak_produces_real_audio() -> None:
    tts = get_tts(load_settings(APP_ENV="testing"))
    assert isinstance(tts, EspeakTTS)
    audio = await tts.synthesize("-v this text starts like an option but is only spoken. Hello from Fibonacco.")
    if shutil.which("lame") or shutil.which("ffmpeg"):
        assert audio.content_type == "audio/mpeg"
        assert audio.data[:3] == b"ID3" or audio.data[0] == 0xFF  # ID3 tag or an MPEG frame sync
    else:
        assert audio.content_type == "audio/wav" and audio.data[:4] == b"RIFF"
    assert len(audio.data) > 2000  # seconds of speech, not an empty file


async def test_espeak_refuses_voice_names_that_could_be_options() -> None:
    with pytest.raises(PermanentProviderError):
        await EspeakTTS().synthesize("Hello", voice="--stdout")
