"""The fake provider fixtures, also available to the rest of the suite via `tests.fakes.fixtures`."""

from tests.fakes.fixtures import (  # noqa: F401
    _elevenlabs_server,
    _moto,
    _openai_server,
    _twilio_server,
    aws_overrides,
    fake_elevenlabs,
    fake_openai,
    fake_twilio,
    moto_server,
    provider_overrides,
    provider_settings,
)
