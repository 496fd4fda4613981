from __future__ import annotations

import base64
from typing import Any

import pytest

from fibonacco.config import Settings, load_settings
from fibonacco.integrations.errors import PermanentProviderError, TransientProviderError
from fibonacco.integrations.registry import get_sms_sender, get_voice_caller
from fibonacco.integrations.sms import SmsMessage, TwilioSmsSender
from fibonacco.integrations.voice import CallRequest, TwilioVoiceCaller, build_twiml
from tests.fakes.fixtures import FAKE_PHONE_NUMBER
from tests.fakes.twilio_fake import INVALID_NUMBER, NOT_MOBILE, FakeTwilio

CALLBACK = "https://app.fibonacco.test/api/v1/webhooks/twilio/status"


def twilio_settings(fake: FakeTwilio, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "SMS_DRIVER": "twilio",
        "VOICE_DRIVER": "twilio",
        "TWILIO_ACCOUNT_SID": fake.account_sid,
        "TWILIO_AUTH_TOKEN": fake.auth_token,
        "TWILIO_PHONE_NUMBER": FAKE_PHONE_NUMBER,
        "TWILIO_API_BASE_URL": fake.url,
    }
    return load_settings(APP_ENV="testing", **(values | extra))


@pytest.fixture
def settings_twilio(fake_twilio: FakeTwilio) -> Settings:
    return twilio_settings(fake_twilio)


async def test_sms_reaches_twilio_with_number_body_and_status_callback(
    settings_twilio: Settings, fake_twilio: FakeTwilio
) -> None:
    sender = get_sms_sender(settings_twilio)
    assert isinstance(sender, TwilioSmsSender)

    result = await sender.send(SmsMessage(to="+15551234567", body="Your order shipped", status_callback=CALLBACK))

    [received] = fake_twilio.messages
    assert received.form == {
        "To": ["+15551234567"],
        "From": [FAKE_PHONE_NUMBER],
        "Body": ["Your order shipped"],
        "StatusCallback": [CALLBACK],
    }
    credentials = base64.b64encode(f"{fake_twilio.account_sid}:{fake_twilio.auth_token}".encode()).decode()
    assert received.headers["authorization"] == f"Basic {credentials}"
    assert result.provider == "twilio" and result.provider_id.startswith("SM")


async def test_call_sends_twiml_from_the_script_and_asks_for_every_status(
    settings_twilio: Settings, fake_twilio: FakeTwilio
) -> None:
    caller = get_voice_caller(settings_twilio)
    assert isinstance(caller, TwilioVoiceCaller)
    script = "Hello from Fibonacco.\n\nWe have a new guide for you & your team."

    result = await caller.call(CallRequest(to="+15557654321", script=script, status_callback=CALLBACK))

    [received] = fake_twilio.calls
    assert received.field("To") == "+15557654321" and received.field("From") == FAKE_PHONE_NUMBER
    assert received.field("StatusCallback") == CALLBACK and received.field("StatusCallbackMethod") == "POST"
    assert received.form["StatusCallbackEvent"] == ["initiated", "ringing", "answered", "completed"]
    twiml = received.field("Twiml") or ""
    assert twiml.count("<Say") == 2 and "<Pause" in twiml and twiml.rstrip().endswith("<Hangup /></Response>")
    assert "your team." in twiml and "&amp;" in twiml  # escaped, not injected
    assert result.provider_id.startswith("CA")


def test_twiml_plays_audio_instead_of_speaking_when_given() -> None:
    twiml = build_twiml(CallRequest(to="+1", script="ignored", audio_url="https://cdn.test/a.mp3"))
    assert "<Play>https://cdn.test/a.mp3</Play>" in twiml and "<Say" not in twiml


@pytest.mark.parametrize("number, code", [(INVALID_NUMBER, "21211"), (NOT_MOBILE, "21614")])
async def test_invalid_number_is_permanent(
    settings_twilio: Settings, fake_twilio: FakeTwilio, number: str, code: str
) -> None:
    with pytest.raises(PermanentProviderError) as caught:
        await get_sms_sender(settings_twilio).send(SmsMessage(to=number, body="hi"))
    assert caught.value.status == 400 and caught.value.code == code and not caught.value.retryable


@pytest.mark.parametrize("status, code", [(429, 20429), (500, 20500), (503, 20003)])
async def test_rate_limits_and_server_errors_are_transient(
    settings_twilio: Settings, fake_twilio: FakeTwilio, status: int, code: int
) -> None:
    fake_twilio.fail_next(status, {"code": code, "message": "try later", "status": status})
    with pytest.raises(TransientProviderError) as caught:
        await get_voice_caller(settings_twilio).call(CallRequest(to="+15551234567", script="hi"))
    assert caught.value.status == status and caught.value.retryable


async def test_wrong_credentials_are_permanent_and_not_echoed(fake_twilio: FakeTwilio) -> None:
    settings = twilio_settings(fake_twilio, TWILIO_AUTH_TOKEN="wrong-token-value")
    with pytest.raises(PermanentProviderError) as caught:
        await get_sms_sender(settings).send(SmsMessage(to="+15551234567", body="hi"))
    assert caught.value.status == 401 and "wrong-token-value" not in str(caught.value)


async def test_unreachable_twilio_is_transient(fake_twilio: FakeTwilio) -> None:
    settings = twilio_settings(fake_twilio, TWILIO_API_BASE_URL="http://127.0.0.1:9")
    with pytest.raises(TransientProviderError):
        await get_sms_sender(settings).send(SmsMessage(to="+15551234567", body="hi"))


async def test_outbox_drivers_send_nothing(fake_twilio: FakeTwilio) -> None:
    settings = load_settings(APP_ENV="testing")
    sms = await get_sms_sender(settings).send(SmsMessage(to="+15551234567", body="hi"))
    call = await get_voice_caller(settings).call(CallRequest(to="+15551234567", script="hi"))
    assert sms.provider_id.startswith("outbox-") and call.provider_id.startswith("outbox-")
    assert fake_twilio.requests == []
