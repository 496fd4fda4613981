"""SQL for failed jobs and job batches.

`tenant_id=None` means every tenant and the platform's own jobs: only the operator's CLI and the worker.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, case, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.kit.repository import Repository
from fibonacco.kit.responses import Page
from fibonacco.worker.models import FailedJob, JobBatch, MaybeTenantOwnedModel, OutboxJob

M = TypeVar("M", bound=MaybeTenantOwnedModel)


class _ScopedRepository(Repository[M]):
    """One tenant's rows, or (`tenant_id=None`) every tenant's and the platform's own."""

    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID | None = None) -> None:
        super().__init__(session)
        self.tenant_id = tenant_id

    def scope(self) -> list[ColumnElement[bool]]:
        return [*super().scope(), *([] if self.tenant_id is None else [self.model.tenant_id == self.tenant_id])]


class FailedJobRepository(_ScopedRepository[FailedJob]):
    model = FailedJob

    async def list_page(self, page: Page) -> tuple[Sequence[FailedJob], int]:
        return await self.paginate(self.select().order_by(FailedJob.failed_at.desc()), page)

    async def list_all(self) -> Sequence[FailedJob]:
        return await self.all(self.select().order_by(FailedJob.failed_at))

    async def save(self, values: dict[str, Any]) -> None:
        """Insert, or overwrite the row of a retried job that failed again (same message id)."""
        statement = insert(FailedJob).values(**values)
        changed = {name: statement.excluded[name] for name in values if name != "id"}
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=[FailedJob.id], set_={**changed, "updated_at": func.now()})
        )

    async def delete_all(self) -> int:
        return await self.rowcount(delete(FailedJob).where(*self.scope()))

    async def delete_failed_before(self, before: datetime) -> int:
        return await self.rowcount(delete(FailedJob).where(FailedJob.failed_at < before, *self.scope()))

    async def count_by_queue(self) -> dict[str, int]:
        statement = select(FailedJob.queue, func.count()).where(*self.scope()).group_by(FailedJob.queue)
        return {queue: int(count) for queue, count in (await self.session.execute(statement)).tuples()}


class JobBatchRepository(_ScopedRepository[JobBatch]):
    model = JobBatch

    async def is_cancelled(self, batch_id: uuid.UUID) -> bool:
        statement = select(JobBatch.cancelled_at.is_not(None)).where(JobBatch.id == batch_id)
        return bool(await self.session.scalar(statement))

    async def record_outcome(self, batch_id: uuid.UUID, job_id: uuid.UUID, *, failed: bool, now: datetime) -> None:
        """Count one job's end in one UPDATE, so concurrent workers never lose a count.

        A success counts `pending` down (and clears an earlier failure of the same job, retried); a failure
        for good adds the job to `failed` once. The batch finishes when every pending job has failed for good.
        """
        known_failure = JobBatch.failed_job_ids.contains([job_id])
        if failed:
            values: dict[str, Any] = {
                "failed": JobBatch.failed + case((known_failure, 0), else_=1),
                "failed_job_ids": case(
                    (known_failure, JobBatch.failed_job_ids),
                    else_=func.array_append(JobBatch.failed_job_ids, job_id),
                ),
            }
            finished = JobBatch.pending == JobBatch.failed + case((known_failure, 0), else_=1)
        else:
            values = {
                "pending": JobBatch.pending - 1,
                "failed": JobBatch.failed - case((known_failure, 1), else_=0),
                "failed_job_ids": func.array_remove(JobBatch.failed_job_ids, job_id),
            }
            finished = JobBatch.pending - 1 == JobBatch.failed - case((known_failure, 1), else_=0)
        values["finished_at"] = func.coalesce(JobBatch.finished_at, case((finished, now), else_=None))
        await self.session.execute(update(JobBatch).where(JobBatch.id == batch_id).values(**values))

    async def delete_finished_before(self, before: datetime) -> int:
        return await self.rowcount(delete(JobBatch).where(JobBatch.finished_at < before, *self.scope()))


class OutboxRepository(Repository[OutboxJob]):
    """The job outbox: platform rows (no tenant), read by the relay and the sweeper."""

    model = OutboxJob

    async def take_due(self, now: datetime, limit: int) -> Sequence[OutboxJob]:
        """Rows due for relaying, locked; rows another sweeper holds are skipped, so no row is relayed twice."""
        statement = (
            select(OutboxJob)
            .where(OutboxJob.available_at <= now)
            .order_by(OutboxJob.available_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return await self.all(statement)

    async def delete_ids(self, ids: Sequence[uuid.UUID]) -> int:
        if not ids:
            return 0
        return await self.rowcount(delete(OutboxJob).where(OutboxJob.id.in_(ids)))
