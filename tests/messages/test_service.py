"""Sending through the real SDKs against local fakes: what the provider received, exactly once."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import pytest
import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.config import Settings
from fibonacco.integrations.errors import TransientProviderError
from fibonacco.messages import service
from fibonacco.messages.models import Message, MessageStatus, TtsStatus
from fibonacco.messages.providers import Providers
from fibonacco.messages.schemas import CallCreate, EmailCreate, SmsCreate
from tests.fakes.aws import MotoServer
from tests.fakes.twilio_fake import INVALID_NUMBER, FakeTwilio
from tests.fixtures import MakeTenant

NewUnit = Callable[[], AbstractAsyncContextManager[AsyncSession]]


async def create(session: AsyncSession, tenant_id: uuid.UUID, data: EmailCreate | SmsCreate | CallCreate) -> Message:
    message = await service.create_message(session, tenant_id, data)
    await session.commit()
    return message


class TestSendEmail:
    async def test_ses_receives_the_email_once(
        self,
        session: AsyncSession,
        new_unit: NewUnit,
        redis: aioredis.Redis,
        make_tenant: MakeTenant,
        provider_settings: Settings,
        moto_server: MotoServer,
    ) -> None:
        tenant = await make_tenant()
        data = EmailCreate(
            channel="email",
            to="buyer@example.com",
            subject="Your guide",
            body_text="Hello",
            body_html="<p>Hello</p>",
            unsubscribe_url="https://example.com/u/1",
        )
        message = await create(session, tenant.id, data)
        providers = Providers(provider_settings)

        assert await service.send_message(new_unit, redis, providers, message.id) == MessageStatus.sent
        # A redelivered or retried job finds the message sent and does nothing.
        assert await service.send_message(new_unit, redis, providers, message.id) is None

        sent = moto_server.sent_emails()
        assert len(sent) == 1
        assert sent[0].destinations["ToAddresses"] == ["buyer@example.com"]
        assert sent[0].subject == "Your guide"
        await session.refresh(message)
        assert message.status == MessageStatus.sent and message.provider == "ses" and message.provider_id
        assert message.sent_at is not None and message.attempts == 1


class TestSendTwilio:
    async def test_sms_reaches_twilio_with_status_callback(
        self,
        session: AsyncSession,
        new_unit: NewUnit,
        redis: aioredis.Redis,
        make_tenant: MakeTenant,
        provider_settings: Settings,
        fake_twilio: FakeTwilio,
    ) -> None:
        tenant = await make_tenant()
        message = await create(session, tenant.id, SmsCreate(channel="sms", to="+15551230000", body_text="Ready"))
        await service.send_message(new_unit, redis, Providers(provider_settings), message.id)
        (request,) = fake_twilio.messages
        assert request.field("To") == "+15551230000" and request.field("Body") == "Ready"
        assert request.field("From") == provider_settings.TWILIO_PHONE_NUMBER
        assert request.field("StatusCallback") == provider_settings.APP_URL + "/api/v1/outbound/sms/sms-status"
        await session.refresh(message)
        assert message.provider_id and message.provider_id.startswith("SM")

    async def test_call_carries_the_script_as_twiml(
        self,
        session: AsyncSession,
        new_unit: NewUnit,
        redis: aioredis.Redis,
        make_tenant: MakeTenant,
        provider_settings: Settings,
        fake_twilio: FakeTwilio,
    ) -> None:
        tenant = await make_tenant()
        data = CallCreate(channel="call", to="+15551230000", script="Welcome to Fibonacco.\n\nGoodbye.")
        message = await create(session, tenant.id, data)
        await service.send_message(new_unit, redis, Providers(provider_settings), message.id)
        (request,) = fake_twilio.calls
        twiml = request.field("Twiml") or ""
        assert "Welcome to Fibonacco." in twiml and "<Pause" in twiml
        assert (
            request.field(
                "StatusCallback",
            )
            == provider_settings.APP_URL + "/api/v1/outbound/phone/call-status"
        )

    async def test_transient_error_is_retried_then_sent_once(
        self,
        session: AsyncSession,
        new_unit: NewUnit,
        redis: aioredis.Redis,
        make_tenant: MakeTenant,
        provider_settings: Settings,
        fake_twilio: FakeTwilio,
    ) -> None:
        tenant = await make_tenant()
        message = await create(session, tenant.id, SmsCreate(channel="sms", to="+15551230000", body_text="Hi"))
        providers = Providers(provider_settings)
        fake_twilio.fail_next(503, {"code": 20500, "message": "Service unavailable", "status": 503})
        with pytest.raises(TransientProviderError):
            await service.send_message(new_unit, redis, providers, message.id)
        await session.refresh(message)
        assert message.status == MessageStatus.queued and message.error
        assert await service.send_message(new_unit, redis, providers, message.id) == MessageStatus.sent
        assert len(fake_twilio.messages) == 2  # the refused attempt and the one that went through
        await session.refresh(message)
        assert message.status == MessageStatus.sent and message.error is None and message.attempts == 2

    async def test_permanent_error_is_recorded_not_retried(
        self,
        session: AsyncSession,
        new_unit: NewUnit,
        redis: aioredis.Redis,
        make_tenant: MakeTenant,
        provider_settings: Settings,
        fake_twilio: FakeTwilio,
    ) -> None:
        tenant = await make_tenant()
        message = await create(session, tenant.id, SmsCreate(channel="sms", to=INVALID_NUMBER, body_text="Hi"))
        assert await service.send_message(new_unit, redis, Providers(provider_settings), message.id) == (
            MessageStatus.failed
        )
        await session.refresh(message)
        assert message.status == MessageStatus.failed and "not a valid phone number" in (message.error or "")

    async def test_job_killed_mid_send_never_sends_twice(
        self,
        session: AsyncSession,
        new_unit: NewUnit,
        redis: aioredis.Redis,
        make_tenant: MakeTenant,
        provider_settings: Settings,
        fake_twilio: FakeTwilio,
    ) -> None:
        tenant = await make_tenant()
        message = await create(session, tenant.id, SmsCreate(channel="sms", to="+15551230000", body_text="Hi"))
        providers = Providers(provider_settings)
        # The first delivery claimed the row and reached Twilio, then its worker was killed before recording.
        claimed = await service._claim_for_sending(new_unit, message.id)
        assert claimed is not None
        await providers.send(claimed)
        assert await service.send_message(new_unit, redis, providers, message.id) is None
        assert len(fake_twilio.messages) == 1
        await session.refresh(message)
        assert message.status == MessageStatus.failed and message.error == service.INTERRUPTED_ERROR


class TestProviderRate:
    async def test_a_burst_waits_for_the_shared_bucket(self, redis: aioredis.Redis) -> None:
        from fibonacco.kit.ratelimit import acquire_token

        waits = [await acquire_token(redis, "test-provider", rate=20, capacity=2) for _ in range(4)]
        assert waits[:2] == [0.0, 0.0]
        assert all(wait > 0 for wait in waits[2:])  # throttled, not failed


class TestSpeech:
    async def test_elevenlabs_audio_is_stored_and_reused(
        self,
        session: AsyncSession,
        new_unit: NewUnit,
        redis: aioredis.Redis,
        make_tenant: MakeTenant,
        provider_settings: Settings,
    ) -> None:
        tenant = await make_tenant()
        providers = Providers(provider_settings)
        audio = await service.request_speech(session, tenant.id, "Welcome to the Learning Center", None, providers)
        await session.commit()
        assert await service.generate_speech(new_unit, redis, providers, audio.id) == TtsStatus.completed
        await session.refresh(audio)
        assert audio.status == TtsStatus.completed and audio.content_type == "audio/mpeg"
        assert audio.storage_key and await providers.storage.exists(audio.storage_key)
        assert (await service.audio_url(providers, audio) or "").startswith("http")
        again = await service.request_speech(session, tenant.id, "Welcome to the Learning Center", None, providers)
        assert again.id == audio.id

    @pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
    async def test_offline_espeak_produces_audio(
        self,
        session: AsyncSession,
        new_unit: NewUnit,
        redis: aioredis.Redis,
        make_tenant: MakeTenant,
        settings: Settings,
    ) -> None:
        tenant = await make_tenant()
        providers = Providers(settings)
        audio = await service.request_speech(session, tenant.id, "Hello from the outbox", None, providers)
        await session.commit()
        assert await service.generate_speech(new_unit, redis, providers, audio.id) == TtsStatus.completed
        await session.refresh(audio)
        data = await providers.storage.get(audio.storage_key or "")
        assert audio.size_bytes == len(data) > 1000
