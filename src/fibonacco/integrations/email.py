"""Email: Amazon SES (SESv2 `SendEmail`, simple content) and the offline outbox."""

from __future__ import annotations

import asyncio
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import formataddr
from typing import Any

import structlog

from fibonacco.integrations.base import OUTBOX, SendResult, outbox_result
from fibonacco.integrations.errors import provider_call

log = structlog.get_logger(__name__)

# SES message tags allow only these characters; anything else would make the whole send fail.
_TAG_UNSAFE = re.compile(r"[^A-Za-z0-9_\-]")


@dataclass(frozen=True, slots=True)
class EmailMessage:
    to: str
    subject: str
    html: str | None = None
    text: str | None = None
    from_address: str | None = None  # defaults to the sender's configured address
    from_name: str | None = None
    reply_to: str | None = None
    # One-click unsubscribe (RFC 8058); mailbox providers require it for bulk mail.
    unsubscribe_url: str | None = None
    # Returned in SES event notifications, e.g. {"message_id": ...} to match bounces to the message row.
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not (self.html or self.text):
            raise ValueError("an email needs an HTML or a text body")
        for name in ("to", "subject", "reply_to", "unsubscribe_url", "from_address", "from_name"):
            value = getattr(self, name)
            if value and ("\r" in value or "\n" in value):
                raise ValueError(f"line break in email {name}")  # header injection


class EmailSender(ABC):
    name: str

    @abstractmethod
    async def send(self, message: EmailMessage) -> SendResult: ...


class OutboxEmailSender(EmailSender):
    """Sends nothing; the message row is the outbox (viewable through the messages API)."""

    name = OUTBOX

    async def send(self, message: EmailMessage) -> SendResult:
        return outbox_result()


def unsubscribe_headers(url: str) -> list[dict[str, str]]:
    return [
        {"Name": "List-Unsubscribe", "Value": f"<{url}>"},
        {"Name": "List-Unsubscribe-Post", "Value": "List-Unsubscribe=One-Click"},
    ]


class SesEmailSender(EmailSender):
    name = "ses"

    def __init__(
        self,
        client: Any,
        *,
        from_address: str,
        from_name: str | None = None,
        configuration_set: str | None = None,
    ) -> None:
        self.client = client  # boto3 "sesv2" client
        self.from_address = from_address
        self.from_name = from_name
        self.configuration_set = configuration_set

    def request(self, message: EmailMessage) -> dict[str, Any]:
        """The `SendEmail` parameters for a message (public so callers can inspect what would be sent)."""
        body: dict[str, Any] = {}
        if message.text:
            body["Text"] = {"Data": message.text, "Charset": "UTF-8"}
        if message.html:
            body["Html"] = {"Data": message.html, "Charset": "UTF-8"}
        simple: dict[str, Any] = {"Subject": {"Data": message.subject, "Charset": "UTF-8"}, "Body": body}
        if message.unsubscribe_url:
            simple["Headers"] = unsubscribe_headers(message.unsubscribe_url)
        sender = formataddr(
            (message.from_name or self.from_name or "", message.from_address or self.from_address), "utf-8"
        )
        params: dict[str, Any] = {
            "FromEmailAddress": sender,
            "Destination": {"ToAddresses": [message.to]},
            "Content": {"Simple": simple},
        }
        if message.reply_to:
            params["ReplyToAddresses"] = [message.reply_to]
        if message.tags:
            params["EmailTags"] = [
                {"Name": _TAG_UNSAFE.sub("_", k)[:256], "Value": _TAG_UNSAFE.sub("_", v)[:256]}
                for k, v in message.tags.items()
            ]
        if self.configuration_set:
            params["ConfigurationSetName"] = self.configuration_set
        return params

    async def send(self, message: EmailMessage) -> SendResult:
        params = self.request(message)
        with provider_call(self.name):
            response = await asyncio.to_thread(self.client.send_email, **params)
        message_id = str(response["MessageId"])
        log.info("email.sent", provider=self.name, provider_id=message_id)
        return SendResult(provider_id=message_id, provider=self.name)
