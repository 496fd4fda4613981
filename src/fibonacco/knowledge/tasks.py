"""Embedding jobs and their schedules.

Status goes pending → processing → completed | failed. Claiming commits on its own, so `processing` is visible
while the provider is called, and the result is written in a second unit of work only if the entry still holds
the text that was embedded (an edit meanwhile has queued a newer job). A failure keeps its error on the entry.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.config import get_settings
from fibonacco.integrations.embeddings import Embedder
from fibonacco.integrations.errors import ProviderError, redact
from fibonacco.integrations.registry import get_embedder
from fibonacco.kit.tenancy import act_for, cross_tenant
from fibonacco.knowledge import service
from fibonacco.worker.actor import actor, job_session
from fibonacco.worker.scheduler import schedule

UnitOfWork = Callable[[], AbstractAsyncContextManager[AsyncSession]]

BATCH_SIZE = 64
# A scheduled run stops claiming batches after this long; the next tick picks up the rest.
SCHEDULED_RUN_BUDGET = timedelta(minutes=4)


@dataclass
class EmbeddingTally:
    claimed: int = 0
    stored: int = 0
    failed: int = 0

    def add(self, other: EmbeddingTally) -> None:
        self.claimed += other.claimed
        self.stored += other.stored
        self.failed += other.failed


@lru_cache(maxsize=1)
def worker_embedder() -> Embedder:
    """The worker process's embedder, built once (SDK clients keep connection pools)."""
    return get_embedder(get_settings())


def describe_failure(exc: BaseException) -> str:
    if isinstance(exc, ProviderError):
        return f"{exc.provider}: {exc.message}"
    return redact(f"{type(exc).__name__}: {exc}")


# Without a tenant, a batch takes pending entries of every tenant.
CATCH_UP = "embedding catch-up over every tenant's pending entries"


async def embed_batch(
    unit_of_work: UnitOfWork,
    embedder: Embedder,
    *,
    tenant_id: uuid.UUID | None = None,
    entry_ids: list[uuid.UUID] | None = None,
    limit: int,
) -> EmbeddingTally:
    """Claim up to `limit` entries (those in `entry_ids`, or pending ones), embed them, store the vectors."""
    async with unit_of_work() as session:
        await act_for(session, tenant_id, CATCH_UP)
        work = await service.claim_for_embedding(session, entry_ids=entry_ids, limit=limit)
    if not work:
        return EmbeddingTally()
    try:
        vectors = await service.compute_embeddings(embedder, work)
    except Exception as exc:
        async with unit_of_work() as session:
            await act_for(session, tenant_id, CATCH_UP)
            await service.fail_embeddings(session, work, describe_failure(exc))
        raise  # the job layer retries, then records the job in failed jobs
    async with unit_of_work() as session:
        await act_for(session, tenant_id, CATCH_UP)
        stored, failed = await service.store_embeddings(session, work, vectors, embedder.model_name)
    return EmbeddingTally(claimed=len(work), stored=stored, failed=failed)


async def process_pending(
    unit_of_work: UnitOfWork,
    embedder: Embedder,
    *,
    batch_size: int = BATCH_SIZE,
    budget: timedelta | None = None,
    progress: Callable[[EmbeddingTally], None] | None = None,
) -> EmbeddingTally:
    """Embed pending entries batch by batch until none is left (or `budget` is spent)."""
    deadline = time.monotonic() + budget.total_seconds() if budget else None
    total = EmbeddingTally()
    while deadline is None or time.monotonic() < deadline:
        batch = await embed_batch(unit_of_work, embedder, limit=batch_size)
        if not batch.claimed:
            break
        total.add(batch)
        if progress is not None:
            progress(batch)
    return total


@actor("knowledge.generate_embedding", queue="embeddings", time_limit=timedelta(minutes=2))
async def generate_embedding(entry_id: str, *, tenant_id: str | None = None) -> None:
    """Embed one entry (queued when its text is created or changed). A redelivery after success is a no-op.

    `tenant_id` is the entry's (jobs queued before it was passed have none, and look across tenants)."""
    tenant = uuid.UUID(tenant_id) if tenant_id else None
    await embed_batch(job_session, worker_embedder(), tenant_id=tenant, entry_ids=[uuid.UUID(entry_id)], limit=1)


@schedule(every=timedelta(minutes=5), overlap=False)
@actor("knowledge.process_pending_embeddings", queue="embeddings", time_limit=timedelta(minutes=10))
async def process_pending_embeddings() -> None:
    """Catch up on entries whose job was lost or abandoned by a dead worker."""
    await process_pending(job_session, worker_embedder(), budget=SCHEDULED_RUN_BUDGET)


@schedule(cron="0 * * * *", overlap=False)
@actor("knowledge.generate_missing_embeddings", queue="embeddings", time_limit=timedelta(minutes=10))
async def generate_missing_embeddings() -> None:
    """Mark pending what lacks a current embedding (never made, failed, another model's), then embed it."""
    embedder = worker_embedder()
    async with job_session() as session:
        await cross_tenant(session, CATCH_UP)
        await service.mark_missing_embeddings(session, embedder.model_name)
    await process_pending(job_session, embedder, budget=SCHEDULED_RUN_BUDGET)
