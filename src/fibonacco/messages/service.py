"""Messages: create and queue, send exactly once in effect, apply provider status callbacks, speech audio.

Sending happens in three short units of work so a crash can never send twice: claim the row (queued → sending),
call the provider outside any transaction, then record the result. A job redelivered after a crash finds the row
no longer queued and does not send again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

import structlog
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.integrations.errors import PermanentProviderError, TransientProviderError
from fibonacco.kit.clock import utcnow
from fibonacco.kit.db import RecordModel
from fibonacco.kit.ratelimit import acquire_token
from fibonacco.kit.repository import Repository
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
from fibonacco.worker.buffer import enqueue

log = structlog.get_logger(__name__)

INTERRUPTED_ERROR = (
    "The send was interrupted (the worker stopped mid-send). It is not retried automatically, so the recipient "
    "is never messaged twice; resend it if it did not arrive."
)
SUPPRESSED_ERROR = "Not sent: this address bounced or complained before."


Row = TypeVar("Row", bound=RecordModel)

# Opens one unit of work (`fibonacco.worker.actor.job_session` in a worker): sending spans three of them.
UnitOfWorkFactory = Callable[[], AbstractAsyncContextManager[AsyncSession]]


async def create_message(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    data: EmailCreate | SmsCreate | CallCreate,
    *,
    from_address: str | None = None,
    created_by: uuid.UUID | None = None,
) -> Message:
    """Store the message and queue its send job (sent after the caller's commit)."""
    from fibonacco.messages import tasks

    repository = MessageRepository(session, tenant_id)
    message = Message(
        channel=Channel(data.channel),
        to_address=str(data.to).lower() if isinstance(data, EmailCreate) else data.to,
        from_address=from_address,
        created_by=created_by,
        status=MessageStatus.queued,
        meta={},
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
    if await repository.is_suppressed(message.channel, message.to_address):
        message.status = MessageStatus.suppressed
        message.error = SUPPRESSED_ERROR
        message.failed_at = utcnow()
    await repository.add(message)
    if message.status == MessageStatus.queued:
        enqueue(session, tasks.SEND_ACTORS[message.channel], str(message.id))
    return message


async def list_messages(
    session: AsyncSession, tenant_id: uuid.UUID, filters: MessageFilters, page: Page
) -> tuple[Sequence[Message], int]:
    repository = MessageRepository(session, tenant_id)
    return await repository.paginate(repository.filtered(filters), page)


async def get_message(session: AsyncSession, tenant_id: uuid.UUID, message_id: uuid.UUID) -> Message:
    return await MessageRepository(session, tenant_id).get_or_404(message_id)


async def _claim_for_sending(new_unit: UnitOfWorkFactory, message_id: uuid.UUID) -> Message | None:
    async with new_unit() as session:
        message = await MessageLookup(session).lock(message_id)
        if message is None:
            log.warning("message_missing", message_id=str(message_id))
            return None
        if message.status == MessageStatus.sending:
            # A previous delivery of this job died mid-send: the provider may already have it.
            message.status = MessageStatus.failed
            message.error = INTERRUPTED_ERROR
            message.failed_at = utcnow()
            return None
        if message.status != MessageStatus.queued:
            return None  # already sent or final: a redelivered job is a no-op
        if await MessageRepository(session, message.tenant_id).is_suppressed(message.channel, message.to_address):
            message.status = MessageStatus.suppressed
            message.error = SUPPRESSED_ERROR
            message.failed_at = utcnow()
            return None
        message.status = MessageStatus.sending
        message.attempts += 1
        return message


async def send_message(
    new_unit: UnitOfWorkFactory, redis: Redis, providers: Providers, message_id: uuid.UUID
) -> MessageStatus | None:
    """Send one queued message. Raises `TransientProviderError` for the job layer to retry with backoff."""
    message = await _claim_for_sending(new_unit, message_id)
    if message is None:
        return None
    bucket, rate = providers.rate_bucket(message.channel)
    await acquire_token(redis, f"provider:{bucket}", rate=rate)
    try:
        result = await providers.send(message)
    except TransientProviderError as exc:
        await _record(new_unit, MessageLookup, message_id, status=MessageStatus.queued, error=exc.message)
        raise
    except (PermanentProviderError, ValueError) as exc:
        error = exc.message if isinstance(exc, PermanentProviderError) else str(exc)
        await _record(new_unit, MessageLookup, message_id, status=MessageStatus.failed, error=error, failed_at=utcnow())
        log.warning("message_failed", message_id=str(message_id), channel=message.channel.value, error=error)
        return MessageStatus.failed
    await _record(
        new_unit,
        MessageLookup,
        message_id,
        status=MessageStatus.sent,
        error=None,
        provider=result.provider,
        provider_id=result.provider_id,
        sent_at=utcnow(),
    )
    log.info("message_sent", message_id=str(message_id), channel=message.channel.value, provider=result.provider)
    return MessageStatus.sent


async def _record(
    new_unit: UnitOfWorkFactory, lookup: type[Repository[Row]], row_id: uuid.UUID, **values: object
) -> None:
    """Write a job's outcome onto its row in a unit of work of its own (the provider call sits between)."""
    async with new_unit() as session:
        repository = lookup(session)
        row = await repository.lock(row_id)
        if row is not None:
            await repository.update(row, values)


# --- text to speech ---


async def request_speech(
    session: AsyncSession, tenant_id: uuid.UUID, text: str, voice: str | None, providers: Providers
) -> TtsAudio:
    """Return the audio for (text, voice, provider), queueing its generation unless it exists already."""
    from fibonacco.messages import tasks

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
    enqueue(session, tasks.generate_speech, str(audio.id))
    return audio


async def get_speech(session: AsyncSession, tenant_id: uuid.UUID, audio_id: uuid.UUID) -> TtsAudio:
    return await TtsRepository(session, tenant_id).get_or_404(audio_id)


async def audio_url(providers: Providers, audio: TtsAudio) -> str | None:
    if audio.status != TtsStatus.completed or audio.storage_key is None:
        return None
    return await providers.storage.url(audio.storage_key)


async def generate_speech(
    new_unit: UnitOfWorkFactory, redis: Redis, providers: Providers, audio_id: uuid.UUID
) -> TtsStatus | None:
    """Synthesize and store the audio. Safe to repeat: the storage key is derived from the request."""
    async with new_unit() as session:
        audio = await TtsLookup(session).lock(audio_id)
        if audio is None or audio.status == TtsStatus.completed:
            return None
        audio.status = TtsStatus.processing
        text, voice, tenant_id, key = audio.text, audio.voice, audio.tenant_id, audio.cache_key
    if providers.settings.TTS_DRIVER == "elevenlabs":
        await acquire_token(redis, "provider:elevenlabs", rate=providers.settings.ELEVENLABS_REQUEST_RATE)
    try:
        speech = await providers.tts.synthesize(text, voice)
        storage_key = f"tts/{tenant_id}/{key}.{speech.extension}"
        await providers.storage.put(storage_key, speech.data, speech.content_type)
    except TransientProviderError as exc:
        await _record(new_unit, TtsLookup, audio_id, status=TtsStatus.pending, error=exc.message)
        raise
    except (PermanentProviderError, RuntimeError, ValueError) as exc:
        error = exc.message if isinstance(exc, PermanentProviderError) else str(exc)
        await _record(new_unit, TtsLookup, audio_id, status=TtsStatus.failed, error=error)
        return TtsStatus.failed
    await _record(
        new_unit,
        TtsLookup,
        audio_id,
        status=TtsStatus.completed,
        error=None,
        storage_key=storage_key,
        content_type=speech.content_type,
        size_bytes=len(speech.data),
    )
    return TtsStatus.completed


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


async def apply_twilio_status(session: AsyncSession, params: dict[str, str]) -> bool:
    """Apply a verified Twilio status callback; False when it matched nothing or was already applied."""
    sid = params.get("MessageSid") or params.get("CallSid") or ""
    raw_status = params.get("MessageStatus") or params.get("CallStatus") or ""
    status = TWILIO_STATUSES.get(raw_status)
    await cross_tenant(session, "provider callback: the message is found by its provider id")
    message = await MessageLookup(session).get_by_provider_id(sid) if sid else None
    if message is None or status is None:
        return False
    await bind_tenant(session, message.tenant_id)
    event_key = f"twilio:{sid}:{raw_status}:{params.get('SequenceNumber', '')}"
    if not await MessageEventRepository(session).record_once(message, event_key, raw_status, dict(params)):
        return False
    error = params.get("ErrorMessage") or (f"Twilio error {params['ErrorCode']}" if params.get("ErrorCode") else None)
    _advance(message, status, error)
    return True


async def apply_ses_event(session: AsyncSession, sns_message_id: str, event: dict[str, Any]) -> bool:
    """Apply a verified SES event (bounce, complaint, delivery) delivered by SNS."""
    kind = str(event.get("eventType") or event.get("notificationType") or "")
    mail = event.get("mail") or {}
    await cross_tenant(session, "provider callback: the message is found by its provider id")
    message = await MessageLookup(session).get_by_provider_id(str(mail.get("messageId", "")))
    if message is None:
        return False
    await bind_tenant(session, message.tenant_id)
    if not await MessageEventRepository(session).record_once(message, f"sns:{sns_message_id}", kind, event):
        return False
    repository = MessageRepository(session, message.tenant_id)
    if kind == "Delivery":
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
    return True
