"""Voice calls: Twilio (TwiML built from a script) and the offline outbox."""

from __future__ import annotations

import asyncio
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime

import structlog
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

from fibonacco.integrations.base import OUTBOX, SendResult, outbox_result
from fibonacco.integrations.errors import provider_call

log = structlog.get_logger(__name__)

# Status changes Twilio reports to the callback (it only sends "completed" unless asked).
CALL_STATUS_EVENTS = ("initiated", "ringing", "answered", "completed")
_PARAGRAPHS = re.compile(r"\n\s*\n")


@dataclass(frozen=True, slots=True)
class CallRequest:
    to: str  # E.164
    script: str  # what the call says; blank lines separate paragraphs (spoken with a pause between)
    from_number: str | None = None
    status_callback: str | None = None
    # Play pre-generated audio (e.g. the TTS capability's URL) instead of Twilio's own voice.
    audio_url: str | None = None
    voice: str = "Polly.Joanna"
    language: str = "en-US"
    # Ask Twilio to tell humans from voicemail (reported as AnsweredBy on the callback).
    detect_voicemail: bool = False

    def __post_init__(self) -> None:
        if not (self.script.strip() or self.audio_url):
            raise ValueError("a call needs a script or an audio URL")


def build_twiml(request: CallRequest, *, pause_seconds: int = 1) -> str:
    """TwiML for a one-way call: the audio if given, else the script paragraph by paragraph, then hang up."""
    response = VoiceResponse()
    if request.audio_url:
        response.play(request.audio_url)
    else:
        paragraphs = [p.strip() for p in _PARAGRAPHS.split(request.script) if p.strip()]
        for index, paragraph in enumerate(paragraphs):
            if index:
                response.pause(length=pause_seconds)
            response.say(paragraph, voice=request.voice, language=request.language)
    response.hangup()
    return str(response)


class VoiceCaller(ABC):
    name: str

    @abstractmethod
    async def call(self, request: CallRequest) -> SendResult: ...

    @abstractmethod
    async def find_calls(self, to: str, since: datetime) -> list[SendResult]:
        """Calls the provider holds from our number to `to`, created at or after `since`, oldest first."""


class OutboxVoiceCaller(VoiceCaller):
    name = OUTBOX

    async def call(self, request: CallRequest) -> SendResult:
        return outbox_result()

    async def find_calls(self, to: str, since: datetime) -> list[SendResult]:
        return []  # the outbox calls no one


class TwilioVoiceCaller(VoiceCaller):
    name = "twilio"

    def __init__(self, client: Client, *, from_number: str) -> None:
        self.client = client
        self.from_number = from_number

    async def call(self, request: CallRequest) -> SendResult:
        extra: dict[str, object] = {}
        if request.status_callback:
            extra = {
                "status_callback": request.status_callback,
                "status_callback_method": "POST",
                "status_callback_event": list(CALL_STATUS_EVENTS),
            }
        if request.detect_voicemail:
            extra["machine_detection"] = "Enable"
        with provider_call(self.name):
            created = await asyncio.to_thread(
                self.client.calls.create,
                to=request.to,
                from_=request.from_number or self.from_number,
                twiml=build_twiml(request),
                **extra,
            )
        log.info("call.created", provider=self.name, provider_id=created.sid)
        return SendResult(provider_id=str(created.sid), provider=self.name)

    async def find_calls(self, to: str, since: datetime) -> list[SendResult]:
        with provider_call(self.name):
            found = await asyncio.to_thread(
                self.client.calls.list, to=to, from_=self.from_number, start_time_after=since, limit=200
            )
        mine = sorted(
            (c for c in found if c.date_created is not None and c.date_created >= since), key=lambda c: c.date_created
        )
        return [SendResult(provider_id=str(c.sid), provider=self.name) for c in mine]
