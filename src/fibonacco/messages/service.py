"""Messages: create and queue, the steps of a send, provider status callbacks, speech audio.

A send is a row's journey queued → sending → sent (or failed, or unknown → reconciled). `tasks.py` runs it as
short units of work around the provider call; each step here takes the session of one of them and never
commits. What each step guarantees:

- `claim_for_sending`: only a queued row is claimed (locked, so two deliveries of the job never both claim it);
- `record_*`: the outcome of the provider call, written only while the row is still the claimed attempt;
- `settle_unreconciled`: a row left `sending` or `unknown` (its worker died, the answer was lost) is matched
  against what the provider holds; found → sent, not found → queued again for a fresh attempt. Never both.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.config import Settings
from fibonacco.crm.service import append_event, require_customer
from fibonacco.integrations.base import SendResult
from fibonacco.kit.clock import utcnow
from fibonacco.kit.errors import Forbidden, ValidationFailed
from fibonacco.kit.responses import Page
from fibonacco.kit.tenancy import bind_tenant, cross_tenant
from fibonacco.messages.models import Channel, Message, MessageStatus, TtsAudio, TtsStatus
from fibonacco.messages.providers import Providers
from fibonacco.messages.repository import (
    MessageEventRepository,
    MessageLookup,
    MessageRepository,
    TtsLookup,
    TtsRepository,
)
from fibonacco.messages.schemas import CallCreate, EmailCreate, MessageFilters, SmsCreate
from fibonacco.messages.sns import InvalidSnsMessage, SnsVerifier, is_sns_url
from fibonacco.worker.buffer import JobRef, enqueue

log = structlog.get_logger(__name__)

SUPPRESSED_ERROR = "Not sent: this address bounced or complained before."
UNKNOWN_ERROR = "The provider did not answer ({reason}); checking with it whether it has the message."
# The send jobs, by name: `tasks.py` declares the actors with these names (it imports this module).
SEND_JOBS = {
    Channel.email: JobRef("messages.send_email", "emails"),
    Channel.sms: JobRef("messages.send_sms", "sms"),
    Channel.call: JobRef("messages.make_call", "calls"),
}
SPEECH_JOB = JobRef("messages.generate_tts", "tts")
UNRECONCILED = (MessageStatus.sending, MessageStatus.unknown)
# Statuses whose send job must still run: the sweeper re-queues them once they stall.
UNFINISHED = (MessageStatus.queued, *UNRECONCILED)
# Clocks differ: a provider's creation time may read slightly before our claim.
LOOKUP_SKEW = timedelta(minutes=2)
# Steps of an attempt, not news about the customer: left off its timeline.
OFF_TIMELINE = (MessageStatus.sending, MessageStatus.unknown)
TIMELINE_SOURCE = "messages"


async def record_on_timeline(session: AsyncSession, message: Message) -> None:
    """Put the message's current status on its customer's timeline (`message.<status>`, DESIGN §13), in the unit
    of work that set it; once per message and status, so a redelivered job or callback appends nothing."""
    if message.customer_id is None or message.status in OFF_TIMELINE:
        return
    await append_event(
        session,
        message.tenant_id,
        message.customer_id,
        f"message.{message.status.value}",
        source=TIMELINE_SOURCE,
        source_id=f"{message.id}:{message.status.value}",
        data={"message_id": str(message.id), "channel": message.channel.value},
    )


def enqueue_send(session: AsyncSession, message: Message) -> None:
    enqueue(session, SEND_JOBS[message.channel], str(message.id), tenant_id=str(message.tenant_id))


def _new_message(data: EmailCreate | SmsCreate | CallCreate, from_address: str | None) -> Message:
    message = Message(
        channel=Channel(data.channel),
        to_address=str(data.to).lower() if isinstance(data, EmailCreate) else data.to,
        from_address=from_address,
        status=MessageStatus.queued,
        extra={},
    )
    if isinstance(data, EmailCreate):
        message.subject = data.subject
        message.body_text = data.body_text
        message.body_html = data.body_html
        message.reply_to = str(data.reply_to) if data.reply_to else None
        message.unsubscribe_url = str(data.unsubscribe_url) if data.unsubscribe_url else None
    elif isinstance(data, SmsCreate):
        message.body_text = data.body_text
    else:
        message.script = data.script
    return message


def _suppress(message: Message) -> None:
    message.status = MessageStatus.suppressed
    message.error = SUPPRESSED_ERROR
    message.failed_at = utcnow()


async def create_message(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    data: EmailCreate | SmsCreate | CallCreate,
    *,
    from_address: str | None = None,
    created_by: uuid.UUID | None = None,
) -> Message:
    """Store the message and its send job (in the outbox, with the caller's unit of work)."""
    repository = MessageRepository(session, tenant_id)
    if data.customer_id is not None:
        await require_customer(session, tenant_id, data.customer_id)
    message = _new_message(data, from_address)
    message.created_by = created_by
    message.customer_id = data.customer_id
    if await repository.is_suppressed(message.channel, message.to_address):
        _suppress(message)
    await repository.add(message)
    await record_on_timeline(session, message)
    if message.status == MessageStatus.queued:
        enqueue_send(session, message)
    return message


async def queue_message(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    data: EmailCreate | SmsCreate | CallCreate,
    settings: Settings,
    *,
    created_by: uuid.UUID | None,
) -> Message:
    """A message from the platform's sender for its channel (MAIL_FROM_ADDRESS, TWILIO_PHONE_NUMBER)."""
    sender = settings.MAIL_FROM_ADDRESS if isinstance(data, EmailCreate) else settings.TWILIO_PHONE_NUMBER
    return await create_message(session, tenant_id, data, from_address=sender, created_by=created_by)


async def list_messages(
    session: AsyncSession, tenant_id: uuid.UUID, filters: MessageFilters, page: Page
) -> tuple[Sequence[Message], int]:
    return await MessageRepository(session, tenant_id).list_page(filters, page)


async def get_message(session: AsyncSession, tenant_id: uuid.UUID, message_id: uuid.UUID) -> Message:
    return await MessageRepository(session, tenant_id).get_or_404(message_id)


# --- the steps of a send (run by `tasks.send_message`) ---


async def find_for_sending(session: AsyncSession, message_id: uuid.UUID) -> Message | None:
    """The message, unless there is nothing left to do for it (sent, final, or gone)."""
    message = await MessageLookup(session).get(message_id)
    if message is None:
        log.warning("message_missing", message_id=str(message_id))
        return None
    return message if message.status in UNFINISHED else None


def reconcile_wait(message: Message, settings: Settings, now: datetime) -> float:
    """Seconds until an unreconciled attempt may be settled: before that it might still be in flight, and an
    SES email waits for its `Send` event (SES cannot be asked whether it took an email)."""
    window = settings.MESSAGE_RECONCILE_AFTER_SECONDS
    if message.channel == Channel.email and settings.MAIL_MAILER == "ses":
        window = max(window, settings.SES_SEND_EVENT_WINDOW_SECONDS)
    started = message.attempted_at or message.updated_at
    return max(0.0, (started + timedelta(seconds=window) - now).total_seconds())


async def claim_for_sending(session: AsyncSession, message_id: uuid.UUID) -> Message | None:
    """queued → sending, locked, so a second delivery of the job cannot claim it too; None if not queued."""
    message = await MessageLookup(session).lock(message_id)
    if message is None or message.status != MessageStatus.queued:
        return None  # already claimed, sent or final: a redelivered job is a no-op
    if await MessageRepository(session, message.tenant_id).is_suppressed(message.channel, message.to_address):
        _suppress(message)
        await record_on_timeline(session, message)
        return None
    message.status = MessageStatus.sending
    message.attempts += 1
    message.attempted_at = utcnow()
    message.error = None
    return message


async def _attempt(session: AsyncSession, message_id: uuid.UUID, attempt: int) -> Message | None:
    """The row, locked, if it is still in the attempt that claimed it (a callback may have moved it on)."""
    message = await MessageLookup(session).lock(message_id)
    if message is None or message.attempts != attempt or message.status not in UNRECONCILED:
        return None
    return message


async def record_sent(session: AsyncSession, message_id: uuid.UUID, attempt: int, result: SendResult) -> None:
    message = await _attempt(session, message_id, attempt)
    if message is not None:
        _mark_sent(message, result)
        await record_on_timeline(session, message)


def _mark_sent(message: Message, result: SendResult) -> None:
    message.status = MessageStatus.sent
    message.provider = result.provider
    message.provider_id = result.provider_id
    message.sent_at = utcnow()
    message.error = None


async def record_not_sent(session: AsyncSession, message_id: uuid.UUID, attempt: int, error: str) -> None:
    """The provider refused for now (429, 503, connection never made): queued again for the job's retry."""
    message = await _attempt(session, message_id, attempt)
    if message is not None:
        message.status = MessageStatus.queued
        message.error = error
        await record_on_timeline(session, message)


async def record_failed(session: AsyncSession, message_id: uuid.UUID, attempt: int, error: str) -> None:
    """The provider refused for good (invalid number, unverified sender): final, not retried."""
    message = await _attempt(session, message_id, attempt)
    if message is not None:
        message.status = MessageStatus.failed
        message.error = error
        message.failed_at = utcnow()
        await record_on_timeline(session, message)


async def record_unknown(session: AsyncSession, message_id: uuid.UUID, attempt: int, reason: str) -> None:
    """The provider may have the message: neither failed nor sent until reconciled."""
    message = await _attempt(session, message_id, attempt)
    if message is not None:
        message.status = MessageStatus.unknown
        message.error = UNKNOWN_ERROR.format(reason=reason)


async def settle_unreconciled(
    session: AsyncSession, message_id: uuid.UUID, attempt: int, found: Sequence[SendResult], how: str
) -> Message | None:
    """Decide attempt number `attempt` from what the provider holds (`found`, oldest first, looked up by `how`):
    sent if one of them is not another message's, otherwise queued again. Does nothing if the row moved on
    meanwhile (a status callback or Send event settled it, or another delivery of the job started a new
    attempt, which this lookup predates)."""
    message = await MessageLookup(session).lock(message_id)
    if message is None or message.status not in UNRECONCILED or message.attempts != attempt:
        return message
    taken = await MessageLookup(session).taken_provider_ids([result.provider_id for result in found], message)
    mine = [result for result in found if result.provider_id not in taken]
    attempts: list[dict[str, Any]] = list(message.extra.get("reconciled", []))
    note: dict[str, Any] = {"attempt": message.attempts, "how": how, "at": utcnow().isoformat()}
    if mine:
        _mark_sent(message, mine[0])
        note["outcome"] = "the provider has it: recorded as sent"
    else:
        message.status = MessageStatus.queued
        message.error = None
        note["outcome"] = "the provider does not have it: sent again"
    message.extra = {**message.extra, "reconciled": [*attempts, note]}
    await record_on_timeline(session, message)
    log.info("message_reconciled", message_id=str(message_id), how=how, outcome=note["outcome"])
    return message


async def requeue_stalled(session: AsyncSession, before: datetime, *, limit: int = 500) -> int:
    """Queue the send job again for messages unfinished and untouched since `before` (their job was lost with
    a Redis restart, or its tries ran out while the outcome was still unknown). Safe: a send job only ever sends
    a queued message, and reconciles an unfinished attempt before anything else."""
    stalled = await MessageLookup(session).take_stalled(UNFINISHED, before, limit)
    now = utcnow()
    for message in stalled:
        message.updated_at = now  # not again before another full period
        enqueue_send(session, message)
    if stalled:
        log.warning("messages_requeued", count=len(stalled))
    return len(stalled)


# --- text to speech ---


async def request_speech(
    session: AsyncSession, tenant_id: uuid.UUID, text: str, voice: str | None, providers: Providers
) -> TtsAudio:
    """Return the audio for (text, voice, provider), queueing its generation unless it exists already."""
    engine = providers.tts
    voice = voice or engine.default_voice
    repository = TtsRepository(session, tenant_id)
    key = engine.cache_key(text, voice)
    audio = await repository.get_by_cache_key(key)
    if audio is None:
        audio = await repository.add(TtsAudio(text=text, voice=voice, provider=engine.name, cache_key=key))
    elif audio.status == TtsStatus.failed:
        audio.status = TtsStatus.pending
        audio.error = None
    else:
        return audio
    enqueue(session, SPEECH_JOB, str(audio.id), tenant_id=str(tenant_id))
    return audio


async def get_speech(session: AsyncSession, tenant_id: uuid.UUID, audio_id: uuid.UUID) -> TtsAudio:
    return await TtsRepository(session, tenant_id).get_or_404(audio_id)


async def audio_url(providers: Providers, audio: TtsAudio) -> str | None:
    if audio.status != TtsStatus.completed or audio.storage_key is None:
        return None
    return await providers.storage.url(audio.storage_key)


async def claim_speech(session: AsyncSession, audio_id: uuid.UUID) -> TtsAudio | None:
    """pending/failed/processing → processing; None once completed (generation is safe to repeat)."""
    audio = await TtsLookup(session).lock(audio_id)
    if audio is None or audio.status == TtsStatus.completed:
        return None
    audio.status = TtsStatus.processing
    return audio


async def record_speech(session: AsyncSession, audio_id: uuid.UUID, values: dict[str, object]) -> None:
    repository = TtsLookup(session)
    audio = await repository.lock(audio_id)
    if audio is not None:
        await repository.update(audio, values)


# --- provider callbacks ---

TWILIO_STATUSES = {
    # SMS
    "accepted": MessageStatus.sent,
    "queued": MessageStatus.sent,
    "sending": MessageStatus.sent,
    "sent": MessageStatus.sent,
    "delivered": MessageStatus.delivered,
    "undelivered": MessageStatus.undelivered,
    "failed": MessageStatus.failed,
    # calls
    "initiated": MessageStatus.sent,
    "ringing": MessageStatus.ringing,
    "in-progress": MessageStatus.in_progress,
    "answered": MessageStatus.in_progress,
    "completed": MessageStatus.delivered,
    "busy": MessageStatus.busy,
    "no-answer": MessageStatus.no_answer,
    "canceled": MessageStatus.failed,
}
_PROGRESS = [
    MessageStatus.queued,
    MessageStatus.sending,
    MessageStatus.sent,
    MessageStatus.ringing,
    MessageStatus.in_progress,
]


def _advance(message: Message, status: MessageStatus, error: str | None = None) -> None:
    """Move forward only: callbacks arrive out of order, and a late 'sent' must not undo 'delivered'.
    A complaint or bounce may still follow a delivery."""
    if message.status.is_final and status not in (MessageStatus.bounced, MessageStatus.complained):
        return
    if (
        status in _PROGRESS
        and message.status in _PROGRESS
        and _PROGRESS.index(status) <= _PROGRESS.index(message.status)
    ):
        return
    message.status = status
    now = utcnow()
    if status == MessageStatus.delivered:
        message.delivered_at = now
    elif status.is_final:
        message.failed_at = now
        message.error = error or message.error


async def _find_for_event(
    session: AsyncSession, provider: str, provider_id: str, message_id: uuid.UUID | None
) -> Message | None:
    """The message a provider event is about: by the provider's id, or by our own id (it travels in the status
    callback URL and in the SES message tag) for an attempt whose answer was lost, which adopts the provider id."""
    await cross_tenant(session, "provider callback: the message is found by its provider id")
    lookup = MessageLookup(session)
    message = await lookup.get_by_provider_id(provider_id) if provider_id else None
    if message is not None or message_id is None or not provider_id:
        return message
    message = await lookup.lock(message_id)
    if message is None or message.status not in UNRECONCILED:
        return None
    _mark_sent(message, SendResult(provider_id=provider_id, provider=provider))
    message.extra = {**message.extra, "reconciled_by": "provider event"}
    return message


async def apply_twilio_status(session: AsyncSession, params: dict[str, str], message_id: uuid.UUID | None) -> bool:
    """Apply a verified Twilio status callback; False when it matched nothing or was already applied.
    `message_id` is ours, from the callback URL."""
    sid = params.get("MessageSid") or params.get("CallSid") or ""
    raw_status = params.get("MessageStatus") or params.get("CallStatus") or ""
    status = TWILIO_STATUSES.get(raw_status)
    if status is None:
        return False
    message = await _find_for_event(session, "twilio", sid, message_id)
    if message is None:
        return False
    await bind_tenant(session, message.tenant_id)
    event_key = f"twilio:{sid}:{raw_status}:{params.get('SequenceNumber', '')}"
    if not await MessageEventRepository(session).record_once(message, event_key, raw_status, dict(params)):
        return False
    error = params.get("ErrorMessage") or (f"Twilio error {params['ErrorCode']}" if params.get("ErrorCode") else None)
    await record_on_timeline(session, message)  # `sent`, when this event is what settled an unanswered attempt
    _advance(message, status, error)
    await record_on_timeline(session, message)
    return True


def _tagged_message_id(mail: dict[str, Any]) -> uuid.UUID | None:
    values = (mail.get("tags") or {}).get("message_id") or []
    try:
        return uuid.UUID(str(values[0])) if values else None
    except ValueError:
        return None


async def receive_sns_message(session: AsyncSession, verifier: SnsVerifier, body: bytes) -> None:
    """An SNS delivery to the SES events endpoint: verified before anything is read; a subscription is confirmed,
    a notification's SES event applied."""
    try:
        message = json.loads(body)
        if not isinstance(message, dict):
            raise ValueError("not an object")
    except ValueError:
        raise ValidationFailed("The body is not an SNS message.") from None
    try:
        await verifier.verify(message)
    except InvalidSnsMessage as exc:
        raise Forbidden(f"Invalid SNS message: {exc}.") from None
    if message["Type"] == "SubscriptionConfirmation":
        # Confirming means visiting SubscribeURL, which must itself be on SNS.
        if not is_sns_url(str(message.get("SubscribeURL", ""))):
            raise Forbidden("Invalid SNS message: subscribe URL is not on an SNS host.")
        await verifier.fetch(str(message["SubscribeURL"]))
    elif message["Type"] == "Notification":
        try:
            event = json.loads(str(message["Message"]))
        except ValueError:
            raise ValidationFailed("The SNS notification does not carry an SES event.") from None
        await apply_ses_event(session, str(message["MessageId"]), event)


async def apply_ses_event(session: AsyncSession, sns_message_id: str, event: dict[str, Any]) -> bool:
    """Apply a verified SES event (bounce, complaint, delivery) delivered by SNS."""
    kind = str(event.get("eventType") or event.get("notificationType") or "")
    mail = event.get("mail") or {}
    message = await _find_for_event(session, "ses", str(mail.get("messageId", "")), _tagged_message_id(mail))
    if message is None:
        return False
    await bind_tenant(session, message.tenant_id)
    if not await MessageEventRepository(session).record_once(message, f"sns:{sns_message_id}", kind, event):
        return False
    await record_on_timeline(session, message)  # `sent`, when this event is what settled an unanswered attempt
    repository = MessageRepository(session, message.tenant_id)
    if kind == "Send":
        _advance(message, MessageStatus.sent)
    elif kind == "Delivery":
        _advance(message, MessageStatus.delivered)
    elif kind == "Bounce":
        bounce = event.get("bounce") or {}
        # Transient bounces (mailbox full, say) may succeed later: only permanent ones end and suppress.
        if bounce.get("bounceType") == "Permanent":
            _advance(message, MessageStatus.bounced, f"bounced: {bounce.get('bounceSubType', 'permanent')}")
            for recipient in bounce.get("bouncedRecipients") or [{"emailAddress": message.to_address}]:
                await repository.suppress(Channel.email, str(recipient.get("emailAddress")), "bounce", message)
    elif kind == "Complaint":
        _advance(message, MessageStatus.complained, "the recipient marked the email as spam")
        await repository.suppress(Channel.email, message.to_address, "complaint", message)
    await record_on_timeline(session, message)
    return True
