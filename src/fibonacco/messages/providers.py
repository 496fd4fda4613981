"""The provider clients a process uses for messages and speech, each built on first use (an unused capability
needs no keys) and then reused (the SDK clients keep connection pools)."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property

from fibonacco.config import Settings
from fibonacco.integrations import registry
from fibonacco.integrations.base import OUTBOX, SendResult
from fibonacco.integrations.email import EmailMessage, EmailSender
from fibonacco.integrations.sms import SmsMessage, SmsSender
from fibonacco.integrations.storage import Storage
from fibonacco.integrations.tts import TextToSpeech
from fibonacco.integrations.voice import CallRequest, VoiceCaller
from fibonacco.messages.models import Channel, Message

CALL_STATUS_PATH = "/api/v1/outbound/phone/call-status"
SMS_STATUS_PATH = "/api/v1/outbound/sms/sms-status"


class Providers:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def email(self) -> EmailSender:
        return registry.get_email_sender(self.settings)

    @cached_property
    def sms(self) -> SmsSender:
        return registry.get_sms_sender(self.settings)

    @cached_property
    def voice(self) -> VoiceCaller:
        return registry.get_voice_caller(self.settings)

    @cached_property
    def tts(self) -> TextToSpeech:
        return registry.get_tts(self.settings)

    @cached_property
    def storage(self) -> Storage:
        return registry.get_storage(self.settings)

    def rate_bucket(self, channel: Channel) -> tuple[str, float]:
        """The shared send-rate bucket of the provider this channel uses, and its sends per second."""
        if channel == Channel.email:
            return self.settings.MAIL_MAILER, self.settings.SES_SEND_RATE
        driver = self.settings.SMS_DRIVER if channel == Channel.sms else self.settings.VOICE_DRIVER
        return driver, self.settings.TWILIO_SEND_RATE

    def _callback(self, path: str, message: Message) -> str:
        """The status callback URL, carrying our message id: a callback for an attempt whose answer was lost
        still finds its message."""
        return f"{self.settings.APP_URL.rstrip('/')}{path}?message_id={message.id}"

    async def send(self, message: Message) -> SendResult:
        """Hand one message row to its channel's configured provider."""
        if message.channel == Channel.email:
            return await self.email.send(
                EmailMessage(
                    to=message.to_address,
                    subject=message.subject or "",
                    html=message.body_html,
                    text=message.body_text,
                    reply_to=message.reply_to,
                    unsubscribe_url=message.unsubscribe_url,
                    tags={"message_id": str(message.id)},
                )
            )
        if message.channel == Channel.sms:
            return await self.sms.send(
                SmsMessage(
                    to=message.to_address,
                    body=message.body_text or "",
                    status_callback=self._callback(SMS_STATUS_PATH, message),
                )
            )
        return await self.voice.call(
            CallRequest(
                to=message.to_address,
                script=message.script or "",
                status_callback=self._callback(CALL_STATUS_PATH, message),
            )
        )

    async def find_sent(self, message: Message, since: datetime) -> tuple[list[SendResult], str]:
        """What the channel's provider holds that may be this message's lost attempt, oldest first, and how it
        was looked up. SES cannot be asked: an email is settled by its `Send` event or, failing that, by the
        reconciliation window (`service.reconcile_wait`), so nothing is found here."""
        if message.channel == Channel.sms:
            found = await self.sms.find_sent(message.to_address, message.body_text or "", since)
            return found, f"{self.sms.name}: messages to {message.to_address} since {since:%Y-%m-%d %H:%M:%S}Z"
        if message.channel == Channel.call:
            found = await self.voice.find_calls(message.to_address, since)
            return found, f"{self.voice.name}: calls to {message.to_address} since {since:%Y-%m-%d %H:%M:%S}Z"
        if self.email.name == OUTBOX:
            return [], "outbox: nothing leaves the platform"
        window = int(self.settings.SES_SEND_EVENT_WINDOW_SECONDS)
        return [], f"{self.email.name}: no Send event with this message's id within {window} s"
