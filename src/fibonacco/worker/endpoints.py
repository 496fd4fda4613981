"""Admin API over the queues: failed jobs (list, show, retry, forget), queue statistics and job batches.

Failed jobs and batches are the caller's tenant's; queue depths are platform-wide numbers.
"""

from __future__ import annotations

import uuid

from fibonacco.kit.dependencies import DomainRouter, RedisDep, SessionDep
from fibonacco.kit.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed, error_responses
from fibonacco.kit.responses import Envelope, PageDep, PaginatedEnvelope, ok, paginated
from fibonacco.worker import service
from fibonacco.worker.auth import QueueRead, QueueWrite
from fibonacco.worker.schemas import FailedJob, JobBatch, QueueStats, RetriedJobs

router = DomainRouter(prefix="/api/v1/queue", tags=["queue"])

_ERRORS = error_responses(Unauthenticated, Forbidden, ValidationFailed)
_ERRORS_404 = error_responses(Unauthenticated, Forbidden, NotFound, ValidationFailed)


@router.get("/stats", response_model=Envelope[list[QueueStats]], responses=_ERRORS)
async def queue_stats(auth: QueueRead, session: SessionDep, redis: RedisDep) -> Envelope[list[QueueStats]]:
    """Per queue: jobs waiting, delayed for a retry, in flight, and this tenant's failed jobs."""
    return ok(await service.queue_stats(session, redis, auth.tenant_id))


@router.get("/failed", response_model=PaginatedEnvelope[FailedJob], responses=_ERRORS)
async def list_failed_jobs(auth: QueueRead, session: SessionDep, page: PageDep) -> PaginatedEnvelope[FailedJob]:
    """Jobs that exhausted their tries, newest first."""
    rows, total = await service.list_failed_jobs(session, auth.tenant_id, page)
    return paginated([FailedJob.model_validate(row) for row in rows], total, page)


@router.get("/failed/{job_id:uuid}", response_model=Envelope[FailedJob], responses=_ERRORS_404)
async def get_failed_job(job_id: uuid.UUID, auth: QueueRead, session: SessionDep) -> Envelope[FailedJob]:
    return ok(FailedJob.model_validate(await service.get_failed_job(session, auth.tenant_id, job_id)))


@router.post("/failed/retry", response_model=Envelope[RetriedJobs], responses=_ERRORS)
async def retry_all_failed_jobs(auth: QueueWrite, session: SessionDep) -> Envelope[RetriedJobs]:
    retried = await service.retry_all_failed_jobs(session, auth.tenant_id)
    return ok(RetriedJobs(retried=retried), f"{retried} job(s) queued again.")


@router.post("/failed/{job_id}/retry", response_model=Envelope[FailedJob], responses=_ERRORS_404)
async def retry_failed_job(job_id: uuid.UUID, auth: QueueWrite, session: SessionDep) -> Envelope[FailedJob]:
    """Queue the job again; if it fails again it comes back to this list."""
    job = await service.retry_failed_job(session, auth.tenant_id, job_id)
    return ok(FailedJob.model_validate(job), "Job queued again.")


@router.delete("/failed/{job_id:uuid}", response_model=Envelope[FailedJob], responses=_ERRORS_404)
async def forget_failed_job(job_id: uuid.UUID, auth: QueueWrite, session: SessionDep) -> Envelope[FailedJob]:
    job = await service.forget_failed_job(session, auth.tenant_id, job_id)
    return ok(FailedJob.model_validate(job), "Failed job forgotten.")


@router.get("/batches/{batch_id}", response_model=Envelope[JobBatch], responses=_ERRORS_404)
async def get_batch(batch_id: uuid.UUID, auth: QueueRead, session: SessionDep) -> Envelope[JobBatch]:
    """A batch's progress: total, pending and failed jobs, and whether it was cancelled or has finished."""
    return ok(JobBatch.model_validate(await service.get_batch(session, auth.tenant_id, batch_id)))


@router.post("/batches/{batch_id}/cancel", response_model=Envelope[JobBatch], responses=_ERRORS_404)
async def cancel_batch(batch_id: uuid.UUID, auth: QueueWrite, session: SessionDep) -> Envelope[JobBatch]:
    """Jobs of the batch that have not started yet are skipped."""
    batch = await service.cancel_batch(session, auth.tenant_id, batch_id)
    return ok(JobBatch.model_validate(batch), "Batch cancelled.")
