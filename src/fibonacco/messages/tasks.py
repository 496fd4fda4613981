"""Jobs of the plan: send email (`emails`), send SMS (`sms`), make a call (`calls`), generate speech (`tts`).

A send never repeats blindly, because SES and Twilio take no idempotency key. It runs as short units of work
around one provider call, each bound to the message's tenant:

1. take a token from the provider's shared rate bucket (before claiming: a worker killed while it waits has
   claimed nothing, and its redelivered job simply sends);
2. claim the message (queued → sending);
3. call the provider, outside any transaction;
4. record what the call says: sent; failed (a permanent refusal); queued again (a refusal that did nothing, e.g.
   429 or a connection never made: the job is retried with backoff); or unknown (a timeout, a reset, a 5xx:
   the provider may have it).

A message found `sending` or `unknown` (its worker died between claim and record, or the answer was lost) is
reconciled before anything else, once its attempt cannot still be in flight (MESSAGE_RECONCILE_AFTER_SECONDS):
the provider is asked what it holds (Twilio: the Messages or Calls list by To, From and date); found → sent, not
found → queued again and sent. SES cannot be asked: an email's `Send` event (our message-id tag) settles it
through the SNS callback, and without one within SES_SEND_EVENT_WINDOW_SECONDS it is sent again, which the
message's `metadata.reconciled` records. Jobs lost with Redis, or whose tries ran out, are re-queued by the
`messages.requeue_stalled` sweep.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

import dramatiq
import redis.asyncio as aioredis
import structlog
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.clients import PROVIDERS
from fibonacco.config import get_settings
from fibonacco.integrations.errors import OutcomeUnknownError, PermanentProviderError, TransientProviderError
from fibonacco.kit.clock import utcnow
from fibonacco.kit.db import UnitOfWork
from fibonacco.kit.ratelimit import acquire_token
from fibonacco.kit.tenancy import bind_tenant, cross_tenant
from fibonacco.messages import service
from fibonacco.messages.models import Channel, Message, MessageStatus, TtsStatus
from fibonacco.messages.providers import Providers
from fibonacco.worker.actor import Actor, actor, job_redis, job_session
from fibonacco.worker.outbox import sweep
from fibonacco.worker.resources import job_clients

log = structlog.get_logger(__name__)

T = TypeVar("T")

SEND_TIME_LIMIT = timedelta(minutes=2)
# Recording an outcome the provider already has is retried through a database restart before the job gives up
# (the row then stays `sending`, and is reconciled).
RECORD_TRIES = 6
STALLED_BATCH = 500


async def _in_tenant(unit_of_work: UnitOfWork, tenant_id: uuid.UUID, step: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async with unit_of_work() as session:
        await bind_tenant(session, tenant_id)
        return await step(session)


async def _record(
    unit_of_work: UnitOfWork, tenant_id: uuid.UUID, step: Callable[[AsyncSession], Awaitable[None]]
) -> None:
    """Write an outcome, retrying while the database is unreachable: the provider call cannot be taken back."""
    pause = 0.25
    for attempt in range(1, RECORD_TRIES + 1):
        try:
            await _in_tenant(unit_of_work, tenant_id, step)
            return
        except (DBAPIError, OSError) as exc:
            if attempt == RECORD_TRIES:
                raise
            log.warning("message_record_retried", error=f"{type(exc).__name__}: {exc}", attempt=attempt)
            await asyncio.sleep(pause)
            pause *= 2


async def reconcile(
    unit_of_work: UnitOfWork, providers: Providers, message: Message, tenant_id: uuid.UUID
) -> Message | None:
    """Settle an attempt left `sending` or `unknown`: the message, queued again if the provider does not have
    it (None if it is gone). Raises `dramatiq.Retry` while the attempt could still be in flight (or an SES
    Send event may still come)."""
    wait = service.reconcile_wait(message, providers.settings, utcnow())
    if wait > 0:
        raise dramatiq.Retry(f"reconciling message {message.id} in {wait:.0f} s", delay=int(wait * 1000) + 1)
    since = (message.attempted_at or message.created_at) - service.LOOKUP_SKEW
    found, how = await providers.find_sent(message, since)
    attempt = message.attempts
    return await _in_tenant(
        unit_of_work, tenant_id, lambda session: service.settle_unreconciled(session, message.id, attempt, found, how)
    )


async def send_message(
    unit_of_work: UnitOfWork, redis: aioredis.Redis, providers: Providers, message_id: uuid.UUID, tenant_id: uuid.UUID
) -> MessageStatus | None:
    """Send (or reconcile, then send) one message; returns the status this run wrote, None if it had nothing
    to do. Raises `TransientProviderError` for the job layer to retry with backoff, `dramatiq.Retry` to come
    back when an unknown outcome can be reconciled."""
    message = await _in_tenant(unit_of_work, tenant_id, lambda session: service.find_for_sending(session, message_id))
    if message is None:
        return None
    if message.status in service.UNRECONCILED:
        message = await reconcile(unit_of_work, providers, message, tenant_id)
        if message is None or message.status != MessageStatus.queued:
            return None if message is None else message.status
    bucket, rate = providers.rate_bucket(message.channel)
    await acquire_token(redis, f"provider:{bucket}", rate=rate)
    claimed = await _in_tenant(unit_of_work, tenant_id, lambda session: service.claim_for_sending(session, message_id))
    if claimed is None:
        return None
    attempt = claimed.attempts
    try:
        result = await providers.send(claimed)
    except OutcomeUnknownError as exc:
        reason = str(exc)
        await _record(unit_of_work, tenant_id, lambda s: service.record_unknown(s, message_id, attempt, reason))
        log.warning("message_outcome_unknown", message_id=str(message_id), error=str(exc))
        wait = providers.settings.MESSAGE_RECONCILE_AFTER_SECONDS
        raise dramatiq.Retry(f"outcome unknown: {exc}", delay=int(wait * 1000)) from exc
    except TransientProviderError as exc:
        refusal = exc.message
        await _record(unit_of_work, tenant_id, lambda s: service.record_not_sent(s, message_id, attempt, refusal))
        raise
    except (PermanentProviderError, ValueError) as exc:
        error = exc.message if isinstance(exc, PermanentProviderError) else str(exc)
        await _record(unit_of_work, tenant_id, lambda s: service.record_failed(s, message_id, attempt, error))
        log.warning("message_failed", message_id=str(message_id), channel=claimed.channel.value, error=error)
        return MessageStatus.failed
    await _record(unit_of_work, tenant_id, lambda s: service.record_sent(s, message_id, attempt, result))
    log.info("message_sent", message_id=str(message_id), channel=claimed.channel.value, provider=result.provider)
    return MessageStatus.sent


def _send_actor(channel: Channel) -> Actor[[str, str]]:
    job = service.SEND_JOBS[channel]

    async def send(message_id: str, tenant_id: str) -> None:
        await send_message(
            job_session, job_redis(), job_clients().get(PROVIDERS), uuid.UUID(message_id), uuid.UUID(tenant_id)
        )

    return actor(job.actor, queue=job.queue, time_limit=SEND_TIME_LIMIT)(send)


send_email = _send_actor(Channel.email)
send_sms = _send_actor(Channel.sms)
make_call = _send_actor(Channel.call)


@sweep("messages.requeue_stalled")
async def requeue_stalled() -> None:
    """Queue the send job again for messages stalled in queued, sending or unknown (see the module docstring)."""
    before = utcnow() - timedelta(seconds=get_settings().MESSAGE_REDRIVE_AFTER_SECONDS)
    async with job_session() as session:
        await cross_tenant(session, "re-queue stalled message sends")
        await service.requeue_stalled(session, before, limit=STALLED_BATCH)


# --- speech ---


async def generate_speech(
    unit_of_work: UnitOfWork, redis: aioredis.Redis, providers: Providers, audio_id: uuid.UUID, tenant_id: uuid.UUID
) -> TtsStatus | None:
    """Synthesize and store the audio. Safe to repeat: the storage key is derived from the request."""
    audio = await _in_tenant(unit_of_work, tenant_id, lambda session: service.claim_speech(session, audio_id))
    if audio is None:
        return None
    if providers.settings.TTS_DRIVER == "elevenlabs":
        await acquire_token(redis, "provider:elevenlabs", rate=providers.settings.ELEVENLABS_REQUEST_RATE)

    async def record(values: dict[str, object]) -> None:
        await _record(unit_of_work, tenant_id, lambda session: service.record_speech(session, audio_id, values))

    try:
        speech = await providers.tts.synthesize(audio.text, audio.voice)
        storage_key = f"tts/{tenant_id}/{audio.cache_key}.{speech.extension}"
        await providers.storage.put(storage_key, speech.data, speech.content_type)
    except TransientProviderError as exc:
        await record({"status": TtsStatus.pending, "error": exc.message})
        raise
    except (PermanentProviderError, RuntimeError, ValueError) as exc:
        await record(
            {"status": TtsStatus.failed, "error": exc.message if isinstance(exc, PermanentProviderError) else str(exc)}
        )
        return TtsStatus.failed
    await record(
        {
            "status": TtsStatus.completed,
            "error": None,
            "storage_key": storage_key,
            "content_type": speech.content_type,
            "size_bytes": len(speech.data),
        }
    )
    return TtsStatus.completed


@actor(service.SPEECH_JOB.actor, queue="tts", time_limit=timedelta(minutes=5))
async def speak(audio_id: str, tenant_id: str) -> None:
    await generate_speech(
        job_session, job_redis(), job_clients().get(PROVIDERS), uuid.UUID(audio_id), uuid.UUID(tenant_id)
    )
