"""Queue bookkeeping: jobs that exhausted their tries, and batches of jobs with their progress.

Both carry an optional `tenant_id`: a job working for a tenant (a `tenant_id` keyword argument, or a batch of
that tenant) is visible to that tenant's admins over the API; platform jobs only to the operator's CLI.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from fibonacco.kit.db import RecordModel


class MaybeTenantOwnedModel(RecordModel):
    """A row of one tenant (`tenant_id` set) or of the platform itself (`tenant_id` NULL)."""

    __abstract__ = True

    @declared_attr
    def tenant_id(cls) -> Mapped[uuid.UUID | None]:
        return mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True, default=None)


class FailedJob(MaybeTenantOwnedModel):
    """A job that exhausted its tries. Its id is the Dramatiq message id, kept when it is retried."""

    __tablename__ = "failed_jobs"

    queue: Mapped[str] = mapped_column(String(100))
    actor: Mapped[str] = mapped_column(String(200))
    args: Mapped[list[Any]] = mapped_column(JSONB, default=list)
    kwargs: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # Our own message options worth keeping on a retry (the batch the job belongs to).
    options: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    exception: Mapped[str] = mapped_column(Text)
    failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

    @property
    def error(self) -> str:
        """The exception's last line, e.g. `ValueError: bad phone number`."""
        lines = [line for line in self.exception.strip().splitlines() if line.strip()]
        return lines[-1] if lines else ""


class JobBatch(MaybeTenantOwnedModel):
    """Progress of a group of jobs: `pending` counts down as jobs succeed; a job failed for good counts in
    `failed` until it is retried successfully. The batch finishes once every job succeeded or failed."""

    __tablename__ = "job_batches"

    name: Mapped[str] = mapped_column(String(200))
    total: Mapped[int] = mapped_column(Integer)
    pending: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failed_job_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid), default=list, server_default="{}")
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None, index=True)


class OutboxJob(RecordModel):
    """A job on its way to Redis (the transactional outbox). Written in the unit of work that asks for the job, so
    it exists exactly when that unit commits; deleted once Redis has the job. Its id is the Dramatiq message id.

    A row left behind (Redis was down at commit, the process died before relaying, a retry could not be queued)
    is relayed by the workers' sweeper once `available_at` (its commit, or when a retry is due) is
    JOB_OUTBOX_GRACE_SECONDS past."""

    __tablename__ = "job_outbox"

    queue: Mapped[str] = mapped_column(String(100))
    actor: Mapped[str] = mapped_column(String(200))
    args: Mapped[list[Any]] = mapped_column(JSONB, default=list)
    kwargs: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    options: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    available_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
