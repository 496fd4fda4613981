"""SMS: Twilio Programmable Messaging and the offline outbox."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from dataclasses import dataclass

import structlog
from twilio.rest import Client

from fibonacco.integrations.base import OUTBOX, SendResult, outbox_result
from fibonacco.integrations.errors import provider_call

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class SmsMessage:
    to: str  # E.164, e.g. +15551234567
    body: str
    from_number: str | None = None  # defaults to the sender's configured number
    status_callback: str | None = None  # absolute URL Twilio POSTs delivery updates to

    def __post_init__(self) -> None:
        if not self.body.strip():
            raise ValueError("an SMS needs a body")


class SmsSender(ABC):
    name: str

    @abstractmethod
    async def send(self, message: SmsMessage) -> SendResult: ...


class OutboxSmsSender(SmsSender):
    name = OUTBOX

    async def send(self, message: SmsMessage) -> SendResult:
        return outbox_result()


class TwilioSmsSender(SmsSender):
    name = "twilio"

    def __init__(self, client: Client, *, from_number: str) -> None:
        self.client = client
        self.from_number = from_number

    async def send(self, message: SmsMessage) -> SendResult:
        with provider_call(self.name):
            created = await asyncio.to_thread(
                self.client.messages.create,
                to=message.to,
                from_=message.from_number or self.from_number,
                body=message.body,
                status_callback=message.status_callback,
            )
        log.info("sms.sent", provider=self.name, provider_id=created.sid)
        return SendResult(provider_id=str(created.sid), provider=self.name)
