"""The platform's own scheduled jobs: daily cleanup. (The queue-depth metric is published by the scheduler
process itself, not by a job that would wait behind the backlog it measures: see worker/metrics.py.)"""

from __future__ import annotations

from datetime import timedelta

import structlog

from fibonacco.config import get_settings
from fibonacco.worker import service
from fibonacco.worker.actor import actor, job_session
from fibonacco.worker.scheduler import schedule

log = structlog.get_logger("fibonacco.worker.tasks")


# 04:30 UTC: after the database's 03:00-04:00 backup window.
@schedule(cron="30 4 * * *", overlap=False)
@actor("maintenance.cleanup", time_limit=timedelta(minutes=30))
async def cleanup_old_data() -> None:
    """Delete failed jobs and finished batches older than JOB_RETENTION_DAYS, and expired access tokens."""
    retention = timedelta(days=get_settings().JOB_RETENTION_DAYS)
    async with job_session() as session:
        result = await service.cleanup_old_data(session, retention)
    log.info("cleanup_done", failed_jobs=result.failed_jobs, batches=result.batches, tokens=result.tokens)
