"""Dramatiq middleware: our logging in worker processes, and the bookkeeping done when a job ends for good.

A job "ends" when it succeeds, is skipped, or fails without a try left; a failure that will be retried is not
an end. At its end the job's overlap lock (scheduled jobs) is released, its batch is counted, and a failure is
recorded in `failed_jobs`.

Shutdown is bounded whatever Redis's state: the event loop runs in a daemon thread (Dramatiq's own would keep
a process whose shutdown failed alive forever), and `ShutdownDeadline` ends the process if stopping takes
longer than WORKER_SHUTDOWN_TIMEOUT_SECONDS plus a grace period. Unfinished jobs stay unacknowledged in Redis
and are redelivered; nothing is lost by exiting.
"""

from __future__ import annotations

import os
import threading
import traceback
import uuid
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any, TypeVar

import structlog
from dramatiq import Broker, Worker
from dramatiq.asyncio import EventLoopThread, get_event_loop_thread, set_event_loop_thread
from dramatiq.broker import MessageProxy
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import AsyncIO, Middleware, SkipMessage

from fibonacco.config import get_settings
from fibonacco.integrations.registry import describe_drivers
from fibonacco.kit.tenancy import cross_tenant
from fibonacco.logging import configure_logging
from fibonacco.worker import service
from fibonacco.worker.locks import release_if_owner
from fibonacco.worker.queues import BATCH_OPTION, OVERLAP_LOCK_OPTION, TENANT_OPTION
from fibonacco.worker.resources import job_session

# Options worth keeping on a failed job, so a retry still counts in its batch.
KEPT_OPTIONS = (BATCH_OPTION, TENANT_OPTION)
# Failed jobs and batch counts are written for any tenant (and the platform) by whichever worker ran the job.
BOOKKEEPING = "job bookkeeping: failed jobs and batch counts"
# A success is counted in its batch once, although a redelivered job may finish twice.
BATCH_COUNTED_TTL_SECONDS = 7 * 24 * 3600

log = structlog.get_logger("fibonacco.worker")
T = TypeVar("T")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on the worker process's event loop from a worker thread (middleware hooks are sync)."""
    loop_thread = get_event_loop_thread()
    assert loop_thread is not None, "the AsyncIO middleware starts the event loop before any message"
    return loop_thread.run_coroutine(coroutine)


# A process still stopping this long after the shutdown timeout is ended: Dramatiq waits for its worker threads
# and then its consumers, each up to the timeout, and an ack retried against a dead Redis never returns.
SHUTDOWN_GRACE_SECONDS = 5.0
EXIT_AFTER_DEADLINE = 1


class DaemonAsyncIO(AsyncIO):
    """Dramatiq's AsyncIO middleware with a daemon event-loop thread, so a failed boot or shutdown cannot leave
    the process waiting for it at exit."""

    def before_worker_boot(self, broker: Broker, worker: Worker) -> None:
        loop_thread = EventLoopThread(self.logger)
        loop_thread.daemon = True
        loop_thread.start(timeout=1.0)
        set_event_loop_thread(loop_thread)


class ShutdownDeadline(Middleware):
    """Ends the worker process if its shutdown outlives WORKER_SHUTDOWN_TIMEOUT_SECONDS (+ a grace period)."""

    def before_worker_shutdown(self, broker: Broker, worker: Worker) -> None:
        deadline = get_settings().WORKER_SHUTDOWN_TIMEOUT_SECONDS + SHUTDOWN_GRACE_SECONDS
        timer = threading.Timer(deadline, self._exit, args=(deadline,))
        timer.daemon = True
        timer.start()

    @staticmethod
    def _exit(deadline: float) -> None:
        log.critical("worker_shutdown_overran", seconds=deadline, pid=os.getpid())
        os._exit(EXIT_AFTER_DEADLINE)


class ConfigureLogging(Middleware):
    def after_process_boot(self, broker: Broker) -> None:
        settings = get_settings()
        configure_logging(settings)
        log.info(
            "worker_process_started", queues=sorted(broker.get_declared_queues()), drivers=describe_drivers(settings)
        )


class Bookkeeping(Middleware):
    def before_process_message(self, broker: Broker, message: MessageProxy) -> None:
        batch_id = message.options.get(BATCH_OPTION)
        if batch_id and _run(self._batch_cancelled(uuid.UUID(batch_id))):
            raise SkipMessage(f"batch {batch_id} was cancelled")

    def after_process_message(
        self,
        broker: Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        if exception is None or message.failed:
            self._ended(broker, message, exception)

    def after_skip_message(self, broker: Broker, message: MessageProxy) -> None:
        self._ended(broker, message, None)

    def _ended(self, broker: Broker, message: MessageProxy, exception: BaseException | None) -> None:
        assert isinstance(broker, RedisBroker)
        lock = message.options.get(OVERLAP_LOCK_OPTION)
        if lock:
            release_if_owner(broker.client, lock, message.message_id)
        batch_id = message.options.get(BATCH_OPTION)
        counted_key = f"fibonacco:batch-counted:{batch_id}:{message.message_id}"
        if (
            batch_id
            and exception is None
            and not broker.client.set(counted_key, 1, nx=True, ex=BATCH_COUNTED_TTL_SECONDS)
        ):
            batch_id = None  # this job's success was already counted by an earlier delivery
        if exception is None and not batch_id:
            return  # the common case: nothing to record, no trip to the event loop or the database
        try:
            _run(self._record(message, exception, batch_id))
        except Exception:
            if batch_id and exception is None:
                broker.client.delete(counted_key)  # let a redelivery count it
            log.exception("job_bookkeeping_failed", actor=message.actor_name, message_id=message.message_id)

    async def _batch_cancelled(self, batch_id: uuid.UUID) -> bool:
        async with job_session() as session:
            await cross_tenant(session, BOOKKEEPING)
            return await service.batch_is_cancelled(session, batch_id)

    async def _record(self, message: MessageProxy, exception: BaseException | None, batch_id: str | None) -> None:
        now = datetime.now(UTC)
        async with job_session() as session:
            await cross_tenant(session, BOOKKEEPING)
            if exception is not None:
                log.error("job_failed", actor=message.actor_name, message_id=message.message_id)
                await service.record_failed_job(
                    session,
                    message_id=uuid.UUID(message.message_id),
                    queue=message.queue_name,
                    actor=message.actor_name,
                    args=list(message.args),
                    kwargs=message.kwargs,
                    options={key: message.options[key] for key in KEPT_OPTIONS if key in message.options},
                    exception="".join(traceback.format_exception(exception)),
                    failed_at=now,
                )
            if batch_id:
                await service.record_batch_outcome(
                    session,
                    uuid.UUID(batch_id),
                    uuid.UUID(message.message_id),
                    failed=exception is not None,
                    now=now,
                )
