"""Sending through the real SDKs against local fakes: what the provider received, exactly once."""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import pytest
import redis.asyncio as aioredis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.config import Settings
from fibonacco.crm.models import Customer, CustomerEvent
from fibonacco.integrations.errors import TransientProviderError
from fibonacco.kit.clock import utcnow
from fibonacco.kit.db import UnitOfWork
from fibonacco.kit.ratelimit import acquire_token
from fibonacco.messages import service, tasks
from fibonacco.messages.models import Message, MessageStatus, TtsAudio, TtsStatus
from fibonacco.messages.providers import Providers
from fibonacco.messages.schemas import CallCreate, EmailCreate, SmsCreate
from fibonacco.tenant.models import Tenant
from tests.fakes.aws import MotoServer
from tests.fakes.twilio_fake import INVALID_NUMBER, FakeTwilio
from tests.fixtures import MakeTenant


@dataclass
class Outbox:
    """One tenant's messages and the jobs that send them, wired to whichever providers the test chose."""

    session: AsyncSession
    new_unit: UnitOfWork
    redis: aioredis.Redis
    tenant: Tenant
    providers: Providers

    async def create(self, data: EmailCreate | SmsCreate | CallCreate) -> Message:
        message = await service.create_message(self.session, self.tenant.id, data)
        await self.session.commit()
        return message

    async def send(self, message: Message) -> MessageStatus | None:
        """Run the send job once, as a worker would; the row is reloaded afterwards."""
        try:
            return await tasks.send_message(self.new_unit, self.redis, self.providers, message.id, self.tenant.id)
        finally:
            await self.session.refresh(message)

    async def speak(self, text: str) -> TtsAudio:
        audio = await service.request_speech(self.session, self.tenant.id, text, None, self.providers)
        await self.session.commit()
        status = await tasks.generate_speech(self.new_unit, self.redis, self.providers, audio.id, self.tenant.id)
        assert status == TtsStatus.completed
        await self.session.refresh(audio)
        return audio


@pytest.fixture
async def outbox(
    session: AsyncSession,
    new_unit: UnitOfWork,
    redis: aioredis.Redis,
    make_tenant: MakeTenant,
    provider_settings: Settings,
) -> Outbox:
    """Every provider real, pointed at its local fake."""
    return Outbox(session, new_unit, redis, await make_tenant(), Providers(provider_settings))


def sms(to: str = "+15551230000", body: str = "Ready") -> SmsCreate:
    return SmsCreate(channel="sms", to=to, body_text=body)


class TestSendEmail:
    async def test_ses_receives_the_email_once(self, outbox: Outbox, moto_server: MotoServer) -> None:
        message = await outbox.create(
            EmailCreate(
                channel="email",
                to="buyer@example.com",
                subject="Your guide",
                body_text="Hello",
                body_html="<p>Hello</p>",
                unsubscribe_url="https://example.com/u/1",
            )
        )
        assert await outbox.send(message) == MessageStatus.sent
        # A redelivered or retried job finds the message sent and does nothing.
        assert await outbox.send(message) is None

        (sent,) = moto_server.sent_emails()
        assert sent.destinations["ToAddresses"] == ["buyer@example.com"]
        assert sent.subject == "Your guide"
        assert message.status == MessageStatus.sent and message.provider == "ses" and message.provider_id
        assert message.sent_at is not None and message.attempts == 1


class TestSendTwilio:
    async def test_sms_reaches_twilio_with_status_callback(self, outbox: Outbox, fake_twilio: FakeTwilio) -> None:
        message = await outbox.create(sms())
        await outbox.send(message)
        (request,) = fake_twilio.messages
        assert request.field("To") == "+15551230000" and request.field("Body") == "Ready"
        assert request.field("From") == outbox.providers.settings.TWILIO_PHONE_NUMBER
        callback = f"{outbox.providers.settings.APP_URL}/api/v1/outbound/sms/sms-status?message_id={message.id}"
        assert request.field("StatusCallback") == callback  # our id travels with it
        assert message.provider_id and message.provider_id.startswith("SM")

    async def test_call_carries_the_script_as_twiml(self, outbox: Outbox, fake_twilio: FakeTwilio) -> None:
        message = await outbox.create(
            CallCreate(channel="call", to="+15551230000", script="Welcome to Fibonacco.\n\nBye.")
        )
        await outbox.send(message)
        (request,) = fake_twilio.calls
        twiml = request.field("Twiml") or ""
        assert "Welcome to Fibonacco." in twiml and "<Pause" in twiml
        callback = f"{outbox.providers.settings.APP_URL}/api/v1/outbound/phone/call-status?message_id={message.id}"
        assert request.field("StatusCallback") == callback

    async def test_transient_error_is_retried_then_sent_once(self, outbox: Outbox, fake_twilio: FakeTwilio) -> None:
        message = await outbox.create(sms())
        fake_twilio.fail_next(503, {"code": 20500, "message": "Service unavailable", "status": 503})
        with pytest.raises(TransientProviderError):
            await outbox.send(message)
        assert message.status == MessageStatus.queued and message.error
        assert await outbox.send(message) == MessageStatus.sent
        assert len(fake_twilio.messages) == 2  # the refused attempt and the one that went through
        assert message.status == MessageStatus.sent and message.error is None and message.attempts == 2

    async def test_permanent_error_is_recorded_not_retried(self, outbox: Outbox, fake_twilio: FakeTwilio) -> None:
        message = await outbox.create(sms(to=INVALID_NUMBER))
        assert await outbox.send(message) == MessageStatus.failed
        assert "not a valid phone number" in (message.error or "")
        assert len(fake_twilio.messages) == 1


async def timeline(session: AsyncSession, customer: Customer) -> list[tuple[str, str | None]]:
    rows = await session.execute(
        select(CustomerEvent.type, CustomerEvent.source_id)
        .where(CustomerEvent.customer_id == customer.id, CustomerEvent.source == "messages")
        .order_by(CustomerEvent.occurred_at, CustomerEvent.id)
    )
    return [(row.type, row.source_id) for row in rows]


class TestCustomerTimeline:
    """A message to a CRM customer puts each of its statuses on that customer's timeline, once."""

    async def customer(self, outbox: Outbox) -> Customer:
        customer = Customer(
            tenant_id=outbox.tenant.id, name="Joe's Diner", slug="joes-diner", stage_changed_at=utcnow()
        )
        outbox.session.add(customer)
        await outbox.session.flush()
        return customer

    async def test_queued_sent_delivered_each_once(self, outbox: Outbox, fake_twilio: FakeTwilio) -> None:
        customer = await self.customer(outbox)
        message = await outbox.create(sms().model_copy(update={"customer_id": customer.id}))
        assert message.customer_id == customer.id
        assert await outbox.send(message) == MessageStatus.sent
        assert await outbox.send(message) is None  # a redelivered job: nothing sent, nothing appended
        assert message.provider_id
        delivered = {"MessageSid": message.provider_id, "MessageStatus": "delivered"}
        assert await service.apply_twilio_status(outbox.session, delivered, message.id)
        assert not await service.apply_twilio_status(outbox.session, delivered, message.id)  # a replayed callback
        assert await timeline(outbox.session, customer) == [
            ("message.queued", f"{message.id}:queued"),
            ("message.sent", f"{message.id}:sent"),
            ("message.delivered", f"{message.id}:delivered"),
        ]
        await outbox.session.refresh(customer)
        assert customer.last_activity_at is not None

    async def test_a_refused_send_is_message_failed(self, outbox: Outbox, fake_twilio: FakeTwilio) -> None:
        customer = await self.customer(outbox)
        message = await outbox.create(sms(to=INVALID_NUMBER).model_copy(update={"customer_id": customer.id}))
        assert await outbox.send(message) == MessageStatus.failed
        assert [kind for kind, _ in await timeline(outbox.session, customer)] == ["message.queued", "message.failed"]

    async def test_a_message_without_a_customer_appends_nothing(self, outbox: Outbox, fake_twilio: FakeTwilio) -> None:
        message = await outbox.create(sms())
        await outbox.send(message)
        events = await outbox.session.scalar(
            select(func.count()).select_from(CustomerEvent).where(CustomerEvent.tenant_id == outbox.tenant.id)
        )
        assert events == 0


class TestProviderRate:
    async def test_a_burst_waits_for_the_shared_bucket(self, redis: aioredis.Redis) -> None:
        waits = [await acquire_token(redis, "test-provider", rate=20, capacity=2) for _ in range(4)]
        assert waits[:2] == [0.0, 0.0]
        assert all(wait > 0 for wait in waits[2:])  # throttled, not failed


class TestSpeech:
    async def test_elevenlabs_audio_is_stored_and_reused(self, outbox: Outbox) -> None:
        audio = await outbox.speak("Welcome to the Learning Center")
        assert audio.content_type == "audio/mpeg"
        assert audio.storage_key and await outbox.providers.storage.exists(audio.storage_key)
        assert (await service.audio_url(outbox.providers, audio) or "").startswith("http")
        again = await service.request_speech(
            outbox.session, outbox.tenant.id, "Welcome to the Learning Center", None, outbox.providers
        )
        assert again.id == audio.id and again.status == TtsStatus.completed

    @pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
    async def test_offline_espeak_produces_audio(self, outbox: Outbox, settings: Settings) -> None:
        outbox.providers = Providers(settings)  # the offline defaults
        audio = await outbox.speak("Hello from the outbox")
        data = await outbox.providers.storage.get(audio.storage_key or "")
        assert audio.provider == "espeak" and audio.size_bytes == len(data) > 1000
