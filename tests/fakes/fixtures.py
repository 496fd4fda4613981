"""Pytest fixtures for the fake providers. Use with `pytest_plugins = ["tests.fakes.fixtures"]`.

Servers start once per session; the function-scoped fixtures hand them out reset (no recorded requests, no
queued failures, for moto no resources). `provider_overrides` are settings that point every real provider at
the fakes, for `load_settings(**provider_overrides, ...)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fibonacco.config import Settings, load_settings
from tests.fakes.aws import REGION, MotoServer
from tests.fakes.elevenlabs_fake import FakeElevenLabs
from tests.fakes.openai_fake import FakeOpenAI
from tests.fakes.twilio_fake import FakeTwilio

FAKE_SENDER = "sender@fibonacco.test"
FAKE_BUCKET = "fibonacco-test-assets"
FAKE_PHONE_NUMBER = "+15005550006"  # Twilio's "valid" magic From number


@dataclass
class FakeProviders:
    twilio: FakeTwilio
    elevenlabs: FakeElevenLabs
    openai: FakeOpenAI
    moto: MotoServer


@pytest.fixture(scope="session")
def fake_providers_session() -> Iterator[FakeProviders]:
    """All fake servers, started once per session (well under a second together)."""
    fakes = FakeProviders(FakeTwilio(), FakeElevenLabs(), FakeOpenAI(), MotoServer())
    servers = (fakes.twilio, fakes.elevenlabs, fakes.openai, fakes.moto)
    try:
        for server in servers:
            server.start()
        yield fakes
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def fake_twilio(fake_providers_session: FakeProviders) -> FakeTwilio:
    return fake_providers_session.twilio.fresh()


@pytest.fixture
def fake_elevenlabs(fake_providers_session: FakeProviders) -> FakeElevenLabs:
    return fake_providers_session.elevenlabs.fresh()


@pytest.fixture
def fake_openai(fake_providers_session: FakeProviders) -> FakeOpenAI:
    return fake_providers_session.openai.fresh()


@pytest.fixture
def moto_server(fake_providers_session: FakeProviders) -> MotoServer:
    return fake_providers_session.moto.fresh()


@pytest.fixture
def aws_overrides(moto_server: MotoServer) -> dict[str, Any]:
    """Settings for boto3 against moto, with a verified SES sender and an existing bucket."""
    import boto3

    overrides: dict[str, Any] = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL": moto_server.url,
        "AWS_BUCKET": FAKE_BUCKET,
        "MAIL_FROM_ADDRESS": FAKE_SENDER,
    }
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    session.client("sesv2", endpoint_url=moto_server.url).create_email_identity(EmailIdentity=FAKE_SENDER)
    session.client("s3", endpoint_url=moto_server.url).create_bucket(Bucket=FAKE_BUCKET)
    return overrides


@pytest.fixture
def provider_overrides(
    aws_overrides: dict[str, Any],
    fake_twilio: FakeTwilio,
    fake_elevenlabs: FakeElevenLabs,
    fake_openai: FakeOpenAI,
) -> dict[str, Any]:
    """Every capability on its real provider, every provider on a local fake."""
    return {
        **aws_overrides,
        "MAIL_MAILER": "ses",
        "SMS_DRIVER": "twilio",
        "VOICE_DRIVER": "twilio",
        "TWILIO_ACCOUNT_SID": fake_twilio.account_sid,
        "TWILIO_AUTH_TOKEN": fake_twilio.auth_token,
        "TWILIO_PHONE_NUMBER": FAKE_PHONE_NUMBER,
        "TWILIO_API_BASE_URL": fake_twilio.url,
        "TTS_DRIVER": "elevenlabs",
        "ELEVENLABS_API_KEY": fake_elevenlabs.api_key,
        "ELEVENLABS_BASE_URL": fake_elevenlabs.url,
        "LLM_PROVIDER": "openai",
        "OPENAI_API_KEY": fake_openai.api_key,
        "OPENAI_BASE_URL": f"{fake_openai.url}/v1",
        "OPENROUTER_API_KEY": fake_openai.api_key,
        "OPENROUTER_BASE_URL": f"{fake_openai.url}/api/v1",
        "EMBEDDINGS_PROVIDER": "openai",
        "FILESYSTEM_DISK": "s3",
        "METRICS_DRIVER": "cloudwatch",
    }


@pytest.fixture
def provider_settings(provider_overrides: dict[str, Any], tmp_path: Path) -> Settings:
    """Test settings with every real provider selected and pointed at the fakes."""
    return load_settings(APP_ENV="testing", DATA_DIR=tmp_path, **provider_overrides)
