"""Local fake provider servers for tests (127.0.0.1 only): Twilio, ElevenLabs, OpenAI API; moto for AWS.

Fixtures live in `tests.fakes.fixtures`; add it to `pytest_plugins` to use them anywhere.
"""
