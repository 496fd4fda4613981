from __future__ import annotations

import pytest

from fibonacco.config import ConfigurationError, Settings, load_settings
from fibonacco.integrations.email import SesEmailSender
from fibonacco.integrations.embeddings import OpenAIEmbedder
from fibonacco.integrations.llm import OpenAICompatibleLLM
from fibonacco.integrations.metrics import CloudWatchMetrics
from fibonacco.integrations.registry import (
    Integrations,
    check_configuration,
    configuration_problems,
    describe_drivers,
    get_embedder,
    get_llm,
    get_sms_sender,
    get_storage,
    get_tts,
    get_voice_caller,
)
from fibonacco.integrations.sms import TwilioSmsSender
from fibonacco.integrations.storage import S3Storage
from fibonacco.integrations.tts import ElevenLabsTTS
from fibonacco.integrations.voice import TwilioVoiceCaller


def test_defaults_are_all_offline() -> None:
    settings = load_settings(APP_ENV="testing")
    assert describe_drivers(settings) == {
        "email": "outbox",
        "sms": "outbox",
        "voice": "outbox",
        "tts": "espeak",
        "llm": "local",
        "embeddings": "hashing",
        "files": "local",
        "metrics": "log",
    }
    assert configuration_problems(settings) == []
    integrations = Integrations.from_settings(settings)
    assert {integrations.email.name, integrations.sms.name, integrations.voice.name} == {"outbox"}


@pytest.mark.parametrize(
    "overrides, factory, message",
    [
        (
            {"SMS_DRIVER": "twilio", "TWILIO_ACCOUNT_SID": "AC1"},
            get_sms_sender,
            "SMS_DRIVER=twilio needs TWILIO_AUTH_TOKEN, TWILIO_PHONE_NUMBER",
        ),
        (
            {"VOICE_DRIVER": "twilio"},
            get_voice_caller,
            "VOICE_DRIVER=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_PHONE_NUMBER",
        ),
        (
            {"TTS_DRIVER": "elevenlabs", "ELEVENLABS_API_KEY": "  "},
            get_tts,
            "TTS_DRIVER=elevenlabs needs ELEVENLABS_API_KEY",
        ),
        ({"LLM_PROVIDER": "openai"}, get_llm, "LLM_PROVIDER=openai needs OPENAI_API_KEY"),
        ({"LLM_PROVIDER": "openrouter"}, get_llm, "LLM_PROVIDER=openrouter needs OPENROUTER_API_KEY"),
        ({"EMBEDDINGS_PROVIDER": "openai"}, get_embedder, "EMBEDDINGS_PROVIDER=openai needs OPENAI_API_KEY"),
        ({"FILESYSTEM_DISK": "s3"}, get_storage, "FILESYSTEM_DISK=s3 needs AWS_BUCKET"),
    ],
)
def test_a_real_provider_without_its_variables_names_them(
    overrides: dict[str, str], factory: object, message: str
) -> None:
    settings = load_settings(APP_ENV="testing", **overrides)
    with pytest.raises(ConfigurationError, match=message):
        factory(settings)  # type: ignore[operator]
    assert message in configuration_problems(settings)


def test_check_configuration_lists_every_problem_and_no_secret() -> None:
    settings = load_settings(
        APP_ENV="testing", SMS_DRIVER="twilio", TWILIO_AUTH_TOKEN="super-secret-token", LLM_PROVIDER="openai"
    )
    with pytest.raises(ConfigurationError) as caught:
        check_configuration(settings)
    text = str(caught.value)
    assert "SMS_DRIVER=twilio needs TWILIO_ACCOUNT_SID, TWILIO_PHONE_NUMBER" in text
    assert "LLM_PROVIDER=openai needs OPENAI_API_KEY" in text
    assert "super-secret-token" not in text


def test_every_real_driver_is_built_from_settings(provider_settings: Settings) -> None:
    integrations = Integrations.from_settings(provider_settings)
    assert isinstance(integrations.email, SesEmailSender)
    assert isinstance(integrations.sms, TwilioSmsSender) and isinstance(integrations.voice, TwilioVoiceCaller)
    assert isinstance(integrations.tts, ElevenLabsTTS) and isinstance(integrations.llm, OpenAICompatibleLLM)
    assert isinstance(integrations.embedder, OpenAIEmbedder) and isinstance(integrations.storage, S3Storage)
    assert isinstance(integrations.metrics, CloudWatchMetrics)
    assert describe_drivers(provider_settings)["email"] == "ses"


def test_minilm_without_the_extra_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from fibonacco.integrations.embeddings import MiniLMEmbedder

    monkeypatch.setattr(MiniLMEmbedder, "is_available", staticmethod(lambda: False))
    with pytest.raises(ConfigurationError, match=r"fibonacco\[minilm\]"):
        get_embedder(load_settings(APP_ENV="testing", EMBEDDINGS_PROVIDER="minilm"))
