"""Provider callbacks: verified signatures, idempotent replays, nothing written on a bad signature."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
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

from fibonacco.clients import SNS_VERIFIER
from fibonacco.config import Settings
from fibonacco.messages import service
from fibonacco.messages.models import Message, MessageEvent, MessageStatus
from fibonacco.messages.schemas import CallCreate, EmailCreate, SmsCreate
from fibonacco.messages.sns import SnsVerifier, string_to_sign
from fibonacco.tenant.models import Tenant
from tests.fixtures import MakeTenant

TWILIO_TOKEN = "twilio-callback-token"
CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem"
TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-events"
SMS_STATUS = "/api/v1/outbound/sms/sms-status"
CALL_STATUS = "/api/v1/outbound/phone/call-status"
SES_EVENTS = "/api/v1/webhooks/ses"


def now_iso(delta: timedelta = timedelta(0)) -> str:
    return (datetime.now(UTC) + delta).isoformat().replace("+00:00", "Z")


@dataclass
class SnsSigner:
    """Signs SNS messages the way Amazon does, with a certificate made for the test."""

    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    fetched: list[str] = field(default_factory=list)

    @property
    def pem(self) -> bytes:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
        builder = x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(self.key.public_key())
        certificate = (
            builder.serial_number(1)
            .not_valid_before(datetime.now(UTC) - timedelta(days=1))
            .not_valid_after(datetime.now(UTC) + timedelta(days=1))
            .sign(self.key, hashes.SHA256())
        )
        return certificate.public_bytes(serialization.Encoding.PEM)

    async def fetch(self, url: str) -> bytes:
        self.fetched.append(url)
        return self.pem if url == CERT_URL else b""

    def sign(self, message: dict[str, Any]) -> dict[str, Any]:
        message = {"SignatureVersion": "2", "SigningCertURL": CERT_URL, "TopicArn": TOPIC, **message}
        signature = self.key.sign(string_to_sign(message), padding.PKCS1v15(), hashes.SHA256())
        return {**message, "Signature": base64.b64encode(signature).decode()}

    def notification(self, event: dict[str, Any], **overrides: Any) -> dict[str, Any]:
        fields = {"Type": "Notification", "MessageId": str(uuid.uuid4()), "Message": json.dumps(event)}
        return self.sign({**fields, "Timestamp": now_iso(), **overrides})


@dataclass
class Callbacks:
    """One tenant's sent messages, and the provider callbacks that arrive for them."""

    client: httpx.AsyncClient
    session: AsyncSession
    settings: Settings
    tenant: Tenant
    signer: SnsSigner

    async def sent(self, data: EmailCreate | SmsCreate | CallCreate, provider_id: str) -> Message:
        message = await service.create_message(self.session, self.tenant.id, data)
        message.status = MessageStatus.sent
        message.provider_id = provider_id
        await self.session.commit()
        return message

    async def unknown(self, data: EmailCreate | SmsCreate | CallCreate) -> Message:
        """A message whose send attempt lost its answer: the provider id was never recorded."""
        message = await service.create_message(self.session, self.tenant.id, data)
        message.status = MessageStatus.unknown
        message.attempts = 1
        await self.session.commit()
        return message

    async def state(self, message: Message) -> tuple[MessageStatus, int]:
        """The message's status and how many provider events were applied to it."""
        await self.session.refresh(message)
        statement = select(func.count()).where(MessageEvent.message_id == message.id)
        return message.status, int(await self.session.scalar(statement) or 0)

    async def twilio(self, path: str, params: dict[str, str], token: str = TWILIO_TOKEN) -> httpx.Response:
        signature = RequestValidator(token).compute_signature(self.settings.APP_URL + path, params)
        return await self.client.post(path, data=params, headers={"X-Twilio-Signature": signature})

    async def sns(self, message: dict[str, Any]) -> httpx.Response:
        return await self.client.post(SES_EVENTS, content=json.dumps(message), headers={"Content-Type": "text/plain"})


@pytest.fixture
async def callbacks(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, settings: Settings, make_tenant: MakeTenant
) -> Callbacks:
    settings = settings.model_copy(update={"TWILIO_AUTH_TOKEN": SecretStr(TWILIO_TOKEN)})
    app.state.settings = settings
    signer = SnsSigner()
    app.state.clients.replace(SNS_VERIFIER, SnsVerifier(fetch=signer.fetch, allowed_topics=frozenset({TOPIC})))
    return Callbacks(client, session, settings, await make_tenant(), signer)


def sms() -> SmsCreate:
    return SmsCreate(channel="sms", to="+15551230000", body_text="x")


def email(to: str = "someone@example.com") -> EmailCreate:
    return EmailCreate(channel="email", to=to, subject="Hi", body_text="x")


def ses_event(kind: str, provider_id: str, **detail: Any) -> dict[str, Any]:
    return {"eventType": kind, "mail": {"messageId": provider_id}, **detail}


class TestTwilioStatus:
    async def test_signed_callback_advances_status_once(self, callbacks: Callbacks) -> None:
        message = await callbacks.sent(sms(), "SM123")
        params = {"MessageSid": "SM123", "MessageStatus": "delivered", "AccountSid": "AC1"}
        assert (await callbacks.twilio(SMS_STATUS, params)).status_code == 204
        assert (await callbacks.twilio(SMS_STATUS, params)).status_code == 204  # a replay
        assert await callbacks.state(message) == (MessageStatus.delivered, 1)
        assert message.delivered_at is not None
        # A late 'sent' callback does not undo 'delivered'.
        await callbacks.twilio(SMS_STATUS, {**params, "MessageStatus": "sent"})
        assert (await callbacks.state(message))[0] == MessageStatus.delivered

    async def test_bad_signature_is_refused_and_nothing_written(self, callbacks: Callbacks) -> None:
        message = await callbacks.sent(sms(), "SM456")
        params = {"MessageSid": "SM456", "MessageStatus": "failed"}
        forged = await callbacks.twilio(SMS_STATUS, params, token="not-the-token")
        unsigned = await callbacks.client.post(SMS_STATUS, data=params)
        assert forged.status_code == unsigned.status_code == 403
        assert forged.json()["error"]["code"] == "forbidden"
        assert await callbacks.state(message) == (MessageStatus.sent, 0)

    async def test_call_status_maps_to_message_status(self, callbacks: Callbacks) -> None:
        message = await callbacks.sent(CallCreate(channel="call", to="+15551230000", script="Hi"), "CA789")
        for status in ("ringing", "in-progress", "no-answer"):
            params = {"CallSid": "CA789", "CallStatus": status, "SequenceNumber": status}
            assert (await callbacks.twilio(CALL_STATUS, params)).status_code == 204
        assert await callbacks.state(message) == (MessageStatus.no_answer, 3)


class TestLostAnswers:
    """A send whose answer was lost has no provider id yet: the provider's events still find it by our id."""

    async def test_twilio_callback_finds_the_message_by_the_id_in_its_url(self, callbacks: Callbacks) -> None:
        message = await callbacks.unknown(sms())
        path = f"{SMS_STATUS}?message_id={message.id}"
        params = {"MessageSid": "SM-lost", "MessageStatus": "sent", "AccountSid": "AC1"}
        assert (await callbacks.twilio(path, params)).status_code == 204
        assert await callbacks.state(message) == (MessageStatus.sent, 1)
        assert (message.provider, message.provider_id) == ("twilio", "SM-lost")
        assert message.sent_at is not None and message.error is None

    async def test_twilio_callback_for_a_settled_message_adopts_nothing(self, callbacks: Callbacks) -> None:
        message = await callbacks.sent(sms(), "SM-first")
        path = f"{SMS_STATUS}?message_id={message.id}"
        params = {"MessageSid": "SM-other", "MessageStatus": "delivered"}
        assert (await callbacks.twilio(path, params)).status_code == 204
        assert await callbacks.state(message) == (MessageStatus.sent, 0)
        assert message.provider_id == "SM-first"

    async def test_ses_send_event_with_our_tag_settles_an_unknown_email(self, callbacks: Callbacks) -> None:
        message = await callbacks.unknown(email())
        event = {"eventType": "Send", "mail": {"messageId": "ses-lost", "tags": {"message_id": [str(message.id)]}}}
        assert (await callbacks.sns(callbacks.signer.notification(event))).status_code == 204
        assert await callbacks.state(message) == (MessageStatus.sent, 1)
        assert (message.provider, message.provider_id) == ("ses", "ses-lost")


class TestSesEvents:
    async def test_permanent_bounce_suppresses_the_address(self, callbacks: Callbacks) -> None:
        message = await callbacks.sent(email("gone@example.com"), "ses-1")
        recipients = [{"emailAddress": "gone@example.com"}]
        bounce = {"bounceType": "Permanent", "bounceSubType": "General", "bouncedRecipients": recipients}
        notification = callbacks.signer.notification(ses_event("Bounce", "ses-1", bounce=bounce))
        assert (await callbacks.sns(notification)).status_code == 204
        assert (await callbacks.sns(notification)).status_code == 204  # SNS redelivers: applied once
        assert await callbacks.state(message) == (MessageStatus.bounced, 1)
        again = await service.create_message(callbacks.session, callbacks.tenant.id, email("gone@example.com"))
        assert again.status == MessageStatus.suppressed

    async def test_complaint_after_delivery(self, callbacks: Callbacks) -> None:
        message = await callbacks.sent(email(), "ses-2")
        await callbacks.sns(callbacks.signer.notification(ses_event("Delivery", "ses-2")))
        assert (await callbacks.state(message))[0] == MessageStatus.delivered
        await callbacks.sns(callbacks.signer.notification(ses_event("Complaint", "ses-2", complaint={})))
        assert await callbacks.state(message) == (MessageStatus.complained, 2)

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
        self, callbacks: Callbacks, tamper: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> None:
        message = await callbacks.sent(email(), "ses-3")
        bounce = ses_event("Bounce", "ses-3", bounce={"bounceType": "Permanent"})
        response = await callbacks.sns(tamper(callbacks.signer.notification(bounce)))
        assert response.status_code == 403
        assert await callbacks.state(message) == (MessageStatus.sent, 0)

    async def test_stale_message_is_refused(self, callbacks: Callbacks) -> None:
        stale = callbacks.signer.notification(ses_event("Delivery", "x"), Timestamp=now_iso(-timedelta(hours=2)))
        response = await callbacks.sns(stale)
        assert response.status_code == 403
        assert "too old" in response.json()["error"]["message"]

    async def test_subscription_is_confirmed(self, callbacks: Callbacks) -> None:
        subscribe = "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=abc"
        fields = {"Type": "SubscriptionConfirmation", "MessageId": "m1", "Token": "abc", "Message": "confirm"}
        message = callbacks.signer.sign({**fields, "SubscribeURL": subscribe, "Timestamp": now_iso()})
        assert (await callbacks.sns(message)).status_code == 204
        assert callbacks.signer.fetched == [CERT_URL, subscribe]

    async def test_garbage_body_is_a_validation_error(self, callbacks: Callbacks) -> None:
        response = await callbacks.client.post(SES_EVENTS, content=b"not json")
        assert response.status_code == 422
