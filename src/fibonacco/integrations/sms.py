"""SMS: Twilio Programmable Messaging and the offline outbox."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime

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

    @abstractmethod
    async def find_sent(self, to: str, body: str, since: datetime) -> list[SendResult]:
        """Messages the provider holds from our number to `to` with this body, created at or after `since`,
        oldest first: how a send whose outcome was lost is reconciled."""


class OutboxSmsSender(SmsSender):
    name = OUTBOX

    async def send(self, message: SmsMessage) -> SendResult:
        return outbox_result()

    async def find_sent(self, to: str, body: str, since: datetime) -> list[SendResult]:
        return []  # the outbox sends nothing anywhere: a lost outcome is simply recorded again


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

    async def find_sent(self, to: str, body: str, since: datetime) -> list[SendResult]:
        # The Messages list filters by To, From and date sent; the body and creation time narrow it to ours.
        with provider_call(self.name):
            found = await asyncio.to_thread(
                self.client.messages.list, to=to, from_=self.from_number, date_sent_after=since, limit=200
            )
        mine = sorted(
            (m for m in found if m.body == body and m.date_created is not None and m.date_created >= since),
            key=lambda m: m.date_created,
        )
        return [SendResult(provider_id=str(m.sid), provider=self.name) for m in mine]
