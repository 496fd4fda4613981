"""Provider callbacks: verified signatures, idempotent replays, nothing written on a bad signature."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from twilio.request_validator import RequestValidator

from fibonacco.config import Settings
from fibonacco.messages import service
from fibonacco.messages.models import Message, MessageEvent, MessageStatus
from fibonacco.messages.schemas import EmailCreate, SmsCreate
from fibonacco.messages.sns import SnsVerifier, string_to_sign
from tests.fixtures import MakeTenant

TWILIO_TOKEN = "twilio-callback-token"
CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem"
TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-events"


async def sent_message(session: AsyncSession, tenant_id: uuid.UUID, data: Any, provider_id: str) -> Message:
    message = await service.create_message(session, tenant_id, data)
    message.status = MessageStatus.sent
    message.provider_id = provider_id
    await session.commit()
    return message


async def event_count(session: AsyncSession, message: Message) -> int:
    return int(await session.scalar(select(func.count()).where(MessageEvent.message_id == message.id)) or 0)


@pytest.fixture
def twilio_app(app: FastAPI, settings: Settings) -> FastAPI:
    app.state.settings = settings.model_copy(update={"TWILIO_AUTH_TOKEN": SecretStr(TWILIO_TOKEN)})
    return app


def twilio_post(
    client: httpx.AsyncClient,
    settings: Settings,
    path: str,
    params: dict[str, str],
    token: str = TWILIO_TOKEN,
) -> Any:
    signature = RequestValidator(token).compute_signature(settings.APP_URL + path, params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


class TestTwilioStatus:
    PATH = "/api/v1/outbound/sms/sms-status"

    async def test_signed_callback_advances_status_once(
        self,
        twilio_app: FastAPI,
        client: httpx.AsyncClient,
        session: AsyncSession,
        make_tenant: MakeTenant,
        settings: Settings,
    ) -> None:
        tenant = await make_tenant()
        message = await sent_message(
            session, tenant.id, SmsCreate(channel="sms", to="+15551230000", body_text="x"), "SM123"
        )
        params = {"MessageSid": "SM123", "MessageStatus": "delivered", "AccountSid": "AC1"}
        assert (await twilio_post(client, settings, self.PATH, params)).status_code == 204
        assert (await twilio_post(client, settings, self.PATH, params)).status_code == 204  # a replay
        await session.refresh(message)
        assert message.status == MessageStatus.delivered and message.delivered_at is not None
        assert await event_count(session, message) == 1
        # A late 'sent' callback does not undo 'delivered'.
        late = {"MessageSid": "SM123", "MessageStatus": "sent", "AccountSid": "AC1"}
        await twilio_post(client, settings, self.PATH, late)
        await session.refresh(message)
        assert message.status == MessageStatus.delivered

    async def test_bad_signature_is_refused_and_nothing_written(
        self,
        twilio_app: FastAPI,
        client: httpx.AsyncClient,
        session: AsyncSession,
        make_tenant: MakeTenant,
        settings: Settings,
    ) -> None:
        tenant = await make_tenant()
        message = await sent_message(
            session, tenant.id, SmsCreate(channel="sms", to="+15551230000", body_text="x"), "SM456"
        )
        params = {"MessageSid": "SM456", "MessageStatus": "failed"}
        forged = await twilio_post(client, settings, self.PATH, params, token="not-the-token")
        unsigned = await client.post(self.PATH, data=params)
        assert forged.status_code == unsigned.status_code == 403
        assert forged.json()["error"]["code"] == "forbidden"
        await session.refresh(message)
        assert message.status == MessageStatus.sent and await event_count(session, message) == 0

    async def test_call_status_maps_to_message_status(
        self,
        twilio_app: FastAPI,
        client: httpx.AsyncClient,
        session: AsyncSession,
        make_tenant: MakeTenant,
        settings: Settings,
    ) -> None:
        from fibonacco.messages.schemas import CallCreate

        tenant = await make_tenant()
        message = await sent_message(
            session, tenant.id, CallCreate(channel="call", to="+15551230000", script="Hi"), "CA789"
        )
        path = "/api/v1/outbound/phone/call-status"
        for status in ("ringing", "in-progress", "no-answer"):
            params = {"CallSid": "CA789", "CallStatus": status, "SequenceNumber": status}
            assert (await twilio_post(client, settings, path, params)).status_code == 204
        await session.refresh(message)
        assert message.status == MessageStatus.no_answer


class SnsSigner:
    """Signs SNS messages the way Amazon does, with a certificate made for the test."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
        now = datetime.now(UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(1)
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=1))
            .sign(self.key, hashes.SHA256())
        )
        self.pem = certificate.public_bytes(serialization.Encoding.PEM)
        self.fetched: list[str] = []

    async def fetch(self, url: str) -> bytes:
        self.fetched.append(url)
        return self.pem if url == CERT_URL else b""

    def sign(self, message: dict[str, Any]) -> dict[str, Any]:
        message = {"SignatureVersion": "2", "SigningCertURL": CERT_URL, "TopicArn": TOPIC, **message}
        signature = self.key.sign(string_to_sign(message), padding.PKCS1v15(), hashes.SHA256())
        return {**message, "Signature": base64.b64encode(signature).decode()}

    def notification(self, event: dict[str, Any], **overrides: Any) -> dict[str, Any]:
        return self.sign(
            {
                "Type": "Notification",
                "MessageId": str(uuid.uuid4()),
                "Message": json.dumps(event),
                "Timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                **overrides,
            }
        )


@pytest.fixture
def signer(app: FastAPI) -> SnsSigner:
    signer = SnsSigner()
    app.state.sns_verifier = SnsVerifier(fetch=signer.fetch, allowed_topics=frozenset({TOPIC}))
    return signer


def ses_event(kind: str, provider_id: str, **detail: Any) -> dict[str, Any]:
    return {"eventType": kind, "mail": {"messageId": provider_id}, **detail}


class TestSesEvents:
    PATH = "/api/v1/webhooks/ses"

    async def post(self, client: httpx.AsyncClient, message: dict[str, Any]) -> httpx.Response:
        return await client.post(self.PATH, content=json.dumps(message), headers={"Content-Type": "text/plain"})

    async def test_permanent_bounce_suppresses_the_address(
        self, signer: SnsSigner, client: httpx.AsyncClient, session: AsyncSession, make_tenant: MakeTenant
    ) -> None:
        tenant = await make_tenant()
        data = EmailCreate(channel="email", to="gone@example.com", subject="Hi", body_text="x")
        message = await sent_message(session, tenant.id, data, "ses-1")
        bounce = ses_event(
            "Bounce",
            "ses-1",
            bounce={
                "bounceType": "Permanent",
                "bounceSubType": "General",
                "bouncedRecipients": [{"emailAddress": "gone@example.com"}],
            },
        )
        notification = signer.notification(bounce)
        assert (await self.post(client, notification)).status_code == 204
        assert (await self.post(client, notification)).status_code == 204  # SNS redelivers: applied once
        await session.refresh(message)
        assert message.status == MessageStatus.bounced
        assert await event_count(session, message) == 1
        again = await service.create_message(session, tenant.id, data)
        assert again.status == MessageStatus.suppressed

    async def test_complaint_after_delivery(
        self, signer: SnsSigner, client: httpx.AsyncClient, session: AsyncSession, make_tenant: MakeTenant
    ) -> None:
        tenant = await make_tenant()
        data = EmailCreate(channel="email", to="angry@example.com", subject="Hi", body_text="x")
        message = await sent_message(session, tenant.id, data, "ses-2")
        await self.post(client, signer.notification(ses_event("Delivery", "ses-2")))
        await session.refresh(message)
        assert message.status == MessageStatus.delivered
        await self.post(client, signer.notification(ses_event("Complaint", "ses-2", complaint={})))
        await session.refresh(message)
        assert message.status == MessageStatus.complained

    @pytest.mark.parametrize(
        "tamper",
        [
            pytest.param(lambda m: {**m, "Message": m["Message"].replace("Permanent", "Transient")}, id="altered"),
            pytest.param(lambda m: {**m, "Signature": base64.b64encode(b"x" * 256).decode()}, id="forged"),
            pytest.param(lambda m: {**m, "SigningCertURL": "https://evil.example.com/cert.pem"}, id="foreign-cert"),
            pytest.param(lambda m: {**m, "TopicArn": "arn:aws:sns:us-east-1:1:other"}, id="other-topic"),
        ],
    )
    async def test_tampered_messages_are_refused(
        self,
        signer: SnsSigner,
        client: httpx.AsyncClient,
        session: AsyncSession,
        make_tenant: MakeTenant,
        tamper: Any,
    ) -> None:
        tenant = await make_tenant()
        data = EmailCreate(channel="email", to="x@example.com", subject="Hi", body_text="x")
        message = await sent_message(session, tenant.id, data, "ses-3")
        bounce = ses_event("Bounce", "ses-3", bounce={"bounceType": "Permanent"})
        response = await self.post(client, tamper(signer.notification(bounce)))
        assert response.status_code == 403
        await session.refresh(message)
        assert message.status == MessageStatus.sent and await event_count(session, message) == 0

    async def test_stale_message_is_refused(self, signer: SnsSigner, client: httpx.AsyncClient) -> None:
        old = (datetime.now(UTC) - timedelta(hours=2)).isoformat().replace("+00:00", "Z")
        response = await self.post(client, signer.notification(ses_event("Delivery", "x"), Timestamp=old))
        assert response.status_code == 403
        assert "too old" in response.json()["error"]["message"]

    async def test_subscription_is_confirmed(self, signer: SnsSigner, client: httpx.AsyncClient) -> None:
        subscribe = "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=abc"
        message = signer.sign(
            {
                "Type": "SubscriptionConfirmation",
                "MessageId": "m1",
                "Token": "abc",
                "Message": "confirm",
                "SubscribeURL": subscribe,
                "Timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            }
        )
        assert (await self.post(client, message)).status_code == 204
        assert signer.fetched == [CERT_URL, subscribe]

    async def test_garbage_body_is_a_validation_error(self, signer: SnsSigner, client: httpx.AsyncClient) -> None:
        response = await client.post(self.PATH, content=b"not json")
        assert response.status_code == 422
