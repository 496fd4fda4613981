from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field


class FailedJob(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    id: uuid.UUID = Field(description="the job's message id; kept when the job is retried")
    tenant_id: uuid.UUID | None
    queue: str
    actor: str
    args: list[Any]
    # Named `kwargs` on the wire; the Python name avoids shadowing pydantic's own **kwargs.
    keyword_args: dict[str, Any] = Field(alias="kwargs")
    error: str = Field(description="the exception's last line")
    exception: str = Field(description="the exception with its traceback")
    failed_at: datetime


class RetriedJobs(BaseModel):
    retried: int


class QueueStats(BaseModel):
    queue: str
    waiting: int = Field(description="ready to run, waiting for a worker")
    delayed: int = Field(description="retries waiting out their backoff")
    in_flight: int = Field(description="taken by a worker and not yet finished")
    failed: int = Field(description="rows in failed jobs")


class JobBatch(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    total: int
    pending: int
    failed: int
    failed_job_ids: list[uuid.UUID]
    cancelled_at: datetime | None
    finished_at: datetime | None
    created_at: datetime

    @computed_field(description="share of jobs that ran to an end (succeeded or failed for good), 0 to 1")
    def progress(self) -> float:
        return 1.0 if self.total == 0 else round((self.total - self.pending + self.failed) / self.total, 4)
