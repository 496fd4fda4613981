"""The job outbox: jobs are rows first, Redis messages second, so a committed job is never lost.

- `stage` adds a job's row to the unit of work that asks for it (see `fibonacco.worker.enqueue`);
- `relay_after_commit` puts the unit's jobs on Redis once it has committed and deletes their rows; if Redis is
  unreachable the rows simply stay;
- `relay_due`, run by every worker process's sweeper (`Sweeper`, every WORKER_SWEEP_INTERVAL_SECONDS), relays rows
  left behind for longer than JOB_OUTBOX_GRACE_SECONDS, taking them with SKIP LOCKED so two sweepers never relay the
  same row at once;
- `DurableRetries` is Dramatiq's `Retries`, except that a retry Redis cannot take is written to the outbox, due when
  its backoff ends, instead of being dropped with a log line.

The sweeper runs in the workers rather than in the scheduler: its only work is to hand jobs to workers, so it is
needed exactly where workers run; it keeps going when no continuous scheduler is deployed (`schedule run` from
EventBridge); and it is triggered by a timer in the process, not by a Redis message, which is what may be lost.
"""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

import dramatiq
import redis
import structlog
from dramatiq import Broker, Message, Worker
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.broker import MessageProxy
from dramatiq.common import q_name
from dramatiq.errors import BrokerError
from dramatiq.middleware import Middleware, Retries
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.config import get_settings
from fibonacco.kit.clock import utcnow
from fibonacco.worker.models import OutboxJob
from fibonacco.worker.repository import OutboxRepository
from fibonacco.worker.resources import job_session

log = structlog.get_logger("fibonacco.worker.outbox")

_STAGED_KEY = "fibonacco.staged_jobs"
# Options the broker sets on each enqueue; a relayed job gets fresh ones.
_PER_ENQUEUE_OPTIONS = ("redis_message_id", "eta")
RELAY_BATCH = 500
# Errors that mean "Redis (or the database) is not reachable right now", not a bug.
REDIS_ERRORS = (redis.RedisError, BrokerError)


def _row(message: Message[Any], available_at: datetime) -> OutboxJob:
    options = {key: value for key, value in message.options.items() if key not in _PER_ENQUEUE_OPTIONS}
    return OutboxJob(
        id=uuid.UUID(message.message_id),
        queue=q_name(message.queue_name),
        actor=message.actor_name,
        args=list(message.args),
        kwargs=dict(message.kwargs),
        options=options,
        available_at=available_at,
    )


def _message(row: OutboxJob) -> Message[Any]:
    return Message[Any](
        queue_name=row.queue,
        actor_name=row.actor,
        args=tuple(row.args),
        kwargs=row.kwargs,
        options=row.options,
        message_id=str(row.id),
    )


def stage(session: AsyncSession, message: Message[Any]) -> None:
    """Write the job's outbox row in `session`'s transaction; the unit relays it after its commit."""
    session.add(_row(message, utcnow()))
    session.info.setdefault(_STAGED_KEY, []).append(message)


def _enqueue_all(broker: Broker, messages: Iterable[Message[Any]]) -> list[str]:
    """Enqueue in order until Redis refuses one; returns the ids it took."""
    sent = []
    for message in messages:
        try:
            broker.enqueue(message)
        except REDIS_ERRORS as exc:
            log.warning("job_relay_deferred", actor=message.actor_name, message_id=message.message_id, error=str(exc))
            break
        sent.append(message.message_id)
    return sent


async def relay_after_commit(session: AsyncSession) -> None:
    """Put the committed unit's jobs on Redis and delete their rows; what Redis did not take stays for the sweeper.

    Never raises for an unreachable Redis or database: the unit has committed, its jobs are safe in the outbox."""
    messages: list[Message[Any]] = session.info.pop(_STAGED_KEY, [])
    if not messages:
        return
    sent = await asyncio.to_thread(_enqueue_all, dramatiq.get_broker(), messages)
    if not sent:
        return
    try:
        await OutboxRepository(session).delete_ids([uuid.UUID(message_id) for message_id in sent])
        await session.commit()
    except (DBAPIError, OSError) as exc:
        # Relayed but not forgotten: the sweeper relays these again later (a duplicate delivery, never a loss).
        await session.rollback()
        log.warning("job_outbox_cleanup_failed", count=len(sent), error=str(exc))


async def relay_due(session: AsyncSession, broker: Broker, *, limit: int = RELAY_BATCH) -> int:
    """Relay outbox rows due for JOB_OUTBOX_GRACE_SECONDS (left behind by their unit, or retries whose backoff
    has ended: the grace gives a unit's own relay time to finish); returns how many Redis took."""
    repository = OutboxRepository(session)
    rows = await repository.take_due(utcnow() - timedelta(seconds=get_settings().JOB_OUTBOX_GRACE_SECONDS), limit)
    if not rows:
        return 0
    sent = await asyncio.to_thread(_enqueue_all, broker, [_message(row) for row in rows])
    await repository.delete_ids([uuid.UUID(message_id) for message_id in sent])
    if sent:
        log.info("job_outbox_relayed", count=len(sent))
    return len(sent)


async def store_retry(message: Message[Any], delay_ms: int | None) -> None:
    """Keep a retry Redis could not take, due when its backoff ends."""
    async with job_session() as session:
        due = utcnow() + timedelta(milliseconds=delay_ms or 0)
        await session.merge(_row(message, due))


# --- sweeps: periodic work every worker process does ---

Sweep = Callable[[], Awaitable[object]]
SWEEPS: dict[str, Sweep] = {}


def sweep(name: str) -> Callable[[Sweep], Sweep]:
    """Run the decorated coroutine function in every worker process every WORKER_SWEEP_INTERVAL_SECONDS. It must
    be safe to run concurrently (take rows with SKIP LOCKED) and open its own units of work."""

    def register(fn: Sweep) -> Sweep:
        if name in SWEEPS:
            raise ValueError(f"a sweep named {name!r} is already declared")
        SWEEPS[name] = fn
        return fn

    return register


@sweep("worker.relay_outbox")
async def relay_outbox() -> None:
    broker = dramatiq.get_broker()
    while True:
        async with job_session() as session:
            relayed = await relay_due(session, broker)
        if relayed < RELAY_BATCH:
            return


def _run_on_loop(coroutine: Awaitable[object]) -> None:
    """Run a coroutine on the worker process's event loop from another thread, waiting for it."""
    loop_thread = get_event_loop_thread()
    if loop_thread is None:
        raise RuntimeError("the worker's event loop is not running")
    future = asyncio.run_coroutine_threadsafe(_awaited(coroutine), loop_thread.loop)
    future.result()


async def _awaited(coroutine: Awaitable[object]) -> None:
    await coroutine


class Sweeper(Middleware):
    """Runs every declared sweep from a thread of each worker process while its worker runs."""

    def __init__(self) -> None:
        self._stop = threading.Event()

    def after_worker_boot(self, broker: Broker, worker: Worker) -> None:
        self._stop.clear()
        threading.Thread(target=self._loop, name="sweeper", daemon=True).start()

    def before_worker_shutdown(self, broker: Broker, worker: Worker) -> None:
        self._stop.set()

    def _loop(self) -> None:
        interval = get_settings().WORKER_SWEEP_INTERVAL_SECONDS
        while not self._stop.wait(interval):
            for name, fn in list(SWEEPS.items()):
                if self._stop.is_set():
                    return
                try:
                    _run_on_loop(fn())
                except Exception as exc:  # an outage: the next pass tries again
                    log.warning("sweep_failed", sweep=name, error=f"{type(exc).__name__}: {exc}")


# --- retries that survive an unreachable Redis ---


class _CapturingBroker:
    """Stands in for the broker while `Retries` decides, so the retry it enqueues can be caught."""

    def __init__(self, broker: Broker) -> None:
        self._broker = broker
        self.enqueued: list[tuple[Message[Any], int | None]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._broker, name)

    def enqueue(self, message: Message[Any], *, delay: int | None = None) -> Message[Any]:
        self.enqueued.append((message, delay))
        return message


class DurableRetries(Retries):
    """`Retries`, but a retry that Redis cannot take is written to the job outbox (due after its backoff), and if
    the database cannot take it either, the worker thread keeps trying both rather than acknowledge a job whose
    retry exists nowhere. Until then the message stays unacknowledged, so a restart redelivers it."""

    def after_process_message(
        self, broker: Broker, message: MessageProxy, *, result: Any = None, exception: BaseException | None = None
    ) -> None:
        capture = _CapturingBroker(broker)
        super().after_process_message(capture, message, result=result, exception=exception)  # type: ignore[no-untyped-call]
        for retry, delay in capture.enqueued:
            self._enqueue_durably(broker, retry, delay)

    def _enqueue_durably(self, broker: Broker, message: Message[Any], delay: int | None) -> None:
        pause = 0.5
        while True:
            try:
                broker.enqueue(message, delay=delay)
                return
            except REDIS_ERRORS as exc:
                log.warning("job_retry_not_queued", message_id=message.message_id, error=str(exc))
            try:
                _run_on_loop(store_retry(message, delay))
                log.info("job_retry_kept_in_outbox", message_id=message.message_id, delay_ms=delay)
                return
            except (DBAPIError, OSError) as exc:
                log.error("job_retry_not_stored", message_id=message.message_id, error=str(exc), pid=os.getpid())
            threading.Event().wait(pause)
            pause = min(pause * 2, 10.0)
