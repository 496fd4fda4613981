"""Failed jobs, batches, queue statistics and cleanup. Services never commit: the caller's unit of work does,
and jobs they send go out after that commit."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.auth.service import delete_expired_tokens
from fibonacco.kit.clock import utcnow
from fibonacco.kit.responses import Page
from fibonacco.kit.tenancy import cross_tenant
from fibonacco.worker.buffer import JobRef, Sendable, enqueue
from fibonacco.worker.models import FailedJob, JobBatch
from fibonacco.worker.queues import BATCH_OPTION, QUEUES, TENANT_OPTION, Queue, QueueKeys
from fibonacco.worker.repository import FailedJobRepository, JobBatchRepository
from fibonacco.worker.schemas import QueueStats


def _tenant_of(kwargs: Mapping[str, Any], options: Mapping[str, Any]) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(options.get(TENANT_OPTION) or kwargs["tenant_id"]))
    except (KeyError, ValueError):
        return None


# --- failed jobs ---


async def record_failed_job(
    session: AsyncSession,
    *,
    message_id: uuid.UUID,
    queue: str,
    actor: str,
    args: list[Any],
    kwargs: dict[str, Any],
    options: dict[str, Any],
    exception: str,
    failed_at: datetime,
) -> None:
    await FailedJobRepository(session).save(
        {
            "id": message_id,
            "tenant_id": _tenant_of(kwargs, options),
            "queue": queue,
            "actor": actor,
            "args": args,
            "kwargs": kwargs,
            "options": options,
            "exception": exception,
            "failed_at": failed_at,
        }
    )


async def list_failed_jobs(
    session: AsyncSession, tenant_id: uuid.UUID | None, page: Page
) -> tuple[Sequence[FailedJob], int]:
    return await FailedJobRepository(session, tenant_id).list_page(page)


async def get_failed_job(session: AsyncSession, tenant_id: uuid.UUID | None, job_id: uuid.UUID) -> FailedJob:
    return await FailedJobRepository(session, tenant_id).get_or_404(job_id)


async def _retry(session: AsyncSession, repository: FailedJobRepository, job: FailedJob) -> None:
    # Built from the stored row rather than the actor, so the API can retry jobs of actors it never imported;
    # under its own message id, so its batch recognises it when it succeeds.
    stored = JobRef(job.actor, cast(Queue, job.queue), str(job.id))
    enqueue(session, stored, *job.args, _options=dict(job.options), **job.kwargs)
    await repository.delete(job)


async def retry_failed_job(session: AsyncSession, tenant_id: uuid.UUID | None, job_id: uuid.UUID) -> FailedJob:
    """Queue the job again (after commit) and forget its failure; if it fails again it comes back here."""
    repository = FailedJobRepository(session, tenant_id)
    job = await repository.get_or_404(job_id)
    await _retry(session, repository, job)
    return job


async def retry_all_failed_jobs(session: AsyncSession, tenant_id: uuid.UUID | None) -> int:
    repository = FailedJobRepository(session, tenant_id)
    jobs = await repository.list_all()
    for job in jobs:
        await _retry(session, repository, job)
    return len(jobs)


async def forget_failed_job(session: AsyncSession, tenant_id: uuid.UUID | None, job_id: uuid.UUID) -> FailedJob:
    repository = FailedJobRepository(session, tenant_id)
    job = await repository.get_or_404(job_id)
    await repository.delete(job)
    return job


async def flush_failed_jobs(session: AsyncSession, tenant_id: uuid.UUID | None) -> int:
    return await FailedJobRepository(session, tenant_id).delete_all()


# --- queues ---


async def queue_depths(redis: aioredis.Redis) -> dict[str, tuple[int, int, int]]:
    """(waiting, delayed, in flight) per queue, read from the broker's keys in one round trip."""
    async with redis.pipeline(transaction=False) as pipe:
        for queue in QUEUES:
            keys = QueueKeys.of(queue)
            pipe.llen(keys.ready)
            pipe.hlen(keys.delayed)
            pipe.hlen(keys.messages)
        counts = [int(value) for value in await pipe.execute()]
    depths: dict[str, tuple[int, int, int]] = {}
    for index, queue in enumerate(QUEUES):
        waiting, delayed, stored = counts[3 * index : 3 * index + 3]
        # Stored messages are either waiting in the list or taken by a worker and not yet acknowledged.
        depths[queue] = (waiting, delayed, max(stored - waiting, 0))
    return depths


async def queue_stats(session: AsyncSession, redis: aioredis.Redis, tenant_id: uuid.UUID | None) -> list[QueueStats]:
    failed = await FailedJobRepository(session, tenant_id).count_by_queue()
    depths = await queue_depths(redis)
    return [
        QueueStats(queue=queue, waiting=waiting, delayed=delayed, in_flight=in_flight, failed=failed.get(queue, 0))
        for queue, (waiting, delayed, in_flight) in depths.items()
    ]


# --- batches ---


@dataclass(frozen=True)
class BatchJob:
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


async def dispatch_batch(
    session: AsyncSession,
    actor: Sendable,
    jobs: Sequence[BatchJob],
    *,
    name: str,
    tenant_id: uuid.UUID | None,
) -> JobBatch:
    """Record a batch and queue its jobs after commit; `get_batch` shows its progress (a campaign send)."""
    batch = JobBatch(
        tenant_id=tenant_id,
        name=name,
        total=len(jobs),
        pending=len(jobs),
        failed=0,
        failed_job_ids=[],
        finished_at=None if jobs else utcnow(),
    )
    await JobBatchRepository(session, tenant_id).add(batch)
    options = {BATCH_OPTION: str(batch.id)}
    if tenant_id is not None:
        options[TENANT_OPTION] = str(tenant_id)
    for job in jobs:
        enqueue(session, actor, *job.args, _options=options, **job.kwargs)
    return batch


async def get_batch(session: AsyncSession, tenant_id: uuid.UUID | None, batch_id: uuid.UUID) -> JobBatch:
    return await JobBatchRepository(session, tenant_id).get_or_404(batch_id)


async def cancel_batch(session: AsyncSession, tenant_id: uuid.UUID | None, batch_id: uuid.UUID) -> JobBatch:
    """Jobs of a cancelled batch that have not started yet are skipped (and count as done)."""
    repository = JobBatchRepository(session, tenant_id)
    batch = await repository.get_or_404(batch_id)
    if batch.cancelled_at is None:
        await repository.update(batch, {"cancelled_at": utcnow()})
    return batch


async def batch_is_cancelled(session: AsyncSession, batch_id: uuid.UUID) -> bool:
    return await JobBatchRepository(session).is_cancelled(batch_id)


async def record_batch_outcome(
    session: AsyncSession, batch_id: uuid.UUID, job_id: uuid.UUID, *, failed: bool, now: datetime
) -> None:
    await JobBatchRepository(session).record_outcome(batch_id, job_id, failed=failed, now=now)


# --- cleanup ---


@dataclass(frozen=True)
class CleanupResult:
    failed_jobs: int
    batches: int
    tokens: int


async def cleanup_old_data(session: AsyncSession, retention: timedelta) -> CleanupResult:
    """Delete failed jobs and finished batches older than `retention`, and expired access tokens."""
    await cross_tenant(session, "cleanup of old jobs, batches and expired tokens")
    before = utcnow() - retention
    return CleanupResult(
        failed_jobs=await FailedJobRepository(session).delete_failed_before(before),
        batches=await JobBatchRepository(session).delete_finished_before(before),
        tokens=await delete_expired_tokens(session),
    )
