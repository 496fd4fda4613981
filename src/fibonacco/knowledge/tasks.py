"""Embedding jobs and their schedules.

Status goes pending → processing → completed | failed. Claiming commits on its own, so `processing` is visible
while the provider is called, and the result is written in a second unit of work only if the entry still holds
the text that was embedded (an edit meanwhile has queued a newer job). A failure keeps its error on the entry.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.clients import EMBEDDER
from fibonacco.integrations.embeddings import Embedder
from fibonacco.integrations.errors import ProviderError, redact
from fibonacco.kit.db import UnitOfWork
from fibonacco.kit.tenancy import act_for, bind_tenant, cross_tenant
from fibonacco.knowledge import service
from fibonacco.knowledge.schemas import ImportStarted, KnowledgeEntryCreate
from fibonacco.worker import service as worker_service
from fibonacco.worker.actor import actor, job_session
from fibonacco.worker.resources import job_clients
from fibonacco.worker.scheduler import schedule

BATCH_SIZE = 64
# A scheduled run stops claiming batches after this long; the next tick picks up the rest.
SCHEDULED_RUN_BUDGET = timedelta(minutes=4)
# An uploaded import runs as a batch of jobs of this many records each (the progress bar moves per job).
IMPORT_RECORDS_PER_JOB = 10


@dataclass
class EmbeddingTally:
    claimed: int = 0
    stored: int = 0
    failed: int = 0

    def add(self, other: EmbeddingTally) -> None:
        self.claimed += other.claimed
        self.stored += other.stored
        self.failed += other.failed


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


@actor(service.EMBEDDING_JOB.actor, queue=service.EMBEDDING_JOB.queue, time_limit=timedelta(minutes=2))
async def generate_embedding(entry_id: str, *, tenant_id: str | None = None) -> None:
    """Embed one entry (queued when its text is created or changed). A redelivery after success is a no-op.

    `tenant_id` is the entry's (jobs queued before it was passed have none, and look across tenants)."""
    tenant = uuid.UUID(tenant_id) if tenant_id else None
    await embed_batch(
        job_session, job_clients().get(EMBEDDER), tenant_id=tenant, entry_ids=[uuid.UUID(entry_id)], limit=1
    )


@schedule(every=timedelta(minutes=5), overlap=False)
@actor("knowledge.process_pending_embeddings", queue="embeddings", time_limit=timedelta(minutes=10))
async def process_pending_embeddings() -> None:
    """Catch up on entries whose job was lost or abandoned by a dead worker."""
    await process_pending(job_session, job_clients().get(EMBEDDER), budget=SCHEDULED_RUN_BUDGET)


@schedule(cron="0 * * * *", overlap=False)
@actor("knowledge.generate_missing_embeddings", queue="embeddings", time_limit=timedelta(minutes=10))
async def generate_missing_embeddings() -> None:
    """Mark pending what lacks a current embedding (never made, failed, another model's), then embed it."""
    embedder = job_clients().get(EMBEDDER)
    async with job_session() as session:
        await cross_tenant(session, CATCH_UP)
        await service.mark_missing_embeddings(session, embedder.model_name)
    await process_pending(job_session, embedder, budget=SCHEDULED_RUN_BUDGET)


# --- import of an uploaded file, as a job batch ---


async def import_records(unit_of_work: UnitOfWork, tenant_id: uuid.UUID, records: list[dict[str, Any]]) -> None:
    """Create or update each record's entry (idempotent by source), in one unit of work; embeddings follow."""
    async with unit_of_work() as session:
        await bind_tenant(session, tenant_id)
        for raw in records:
            await service.import_entry(session, tenant_id, KnowledgeEntryCreate.model_validate(raw))


@actor("knowledge.import_entries", queue="default", time_limit=timedelta(minutes=5))
async def import_entries(records: list[dict[str, Any]], *, tenant_id: str) -> None:
    """One job of an import batch: up to IMPORT_RECORDS_PER_JOB records of an uploaded file."""
    await import_records(job_session, uuid.UUID(tenant_id), records)


async def start_import(session: AsyncSession, tenant_id: uuid.UUID, filename: str, content: bytes) -> ImportStarted:
    """Check the upload now (a bad file is a 422) and queue its valid records as a batch, sent after commit.

    Orchestration lives here, beside the actor it sends: the service stays free of job imports."""
    plan = service.plan_import(filename, content)
    # Only the fields the file gives travel: the import compares and writes just those.
    rows = [record.model_dump(mode="json", exclude_unset=True) for record in plan.records]
    chunks = [rows[start : start + IMPORT_RECORDS_PER_JOB] for start in range(0, len(rows), IMPORT_RECORDS_PER_JOB)]
    batch = await worker_service.dispatch_batch(
        session,
        import_entries,
        [worker_service.BatchJob(args=(chunk,), kwargs={"tenant_id": str(tenant_id)}) for chunk in chunks],
        name=f"knowledge import: {Path(filename).name}",
        tenant_id=tenant_id,
    )
    return ImportStarted(batch_id=batch.id, records=len(rows), invalid=plan.invalid)
