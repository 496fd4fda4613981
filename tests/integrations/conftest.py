"""The fake provider fixtures, also available to the rest of the suite via `tests.fakes.fixtures`."""

from tests.fakes.fixtures import (  # noqa: F401
    aws_overrides,
    fake_elevenlabs,
    fake_openai,
    fake_providers_session,
    fake_twilio,
    moto_server,
    provider_overrides,
    provider_settings,
)
