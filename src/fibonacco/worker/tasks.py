"""The platform's own scheduled jobs: daily cleanup and the queue-depth metric workers autoscale on."""

from __future__ import annotations

from datetime import timedelta

import structlog

from fibonacco.config import get_settings
from fibonacco.integrations.registry import get_metrics
from fibonacco.worker import service
from fibonacco.worker.actor import actor, job_redis, job_session
from fibonacco.worker.scheduler import schedule

QUEUE_DEPTH_NAMESPACE = "Fibonacco/Queues"
QUEUE_DEPTH_METRIC = "QueueDepth"

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


# No overlap: with every worker busy or down, ticks are skipped instead of piling up in the queue.
@schedule(cron="* * * * *", overlap=False)
@actor("metrics.queue_depth", tries=1, time_limit=timedelta(seconds=50))
async def publish_queue_depth() -> None:
    """Publish each queue's waiting jobs (CloudWatch `Fibonacco/Queues` `QueueDepth` per `Queue`, or log)."""
    metrics = get_metrics(get_settings())
    for queue, (waiting, _, _) in (await service.queue_depths(job_redis())).items():
        await metrics.put(QUEUE_DEPTH_NAMESPACE, QUEUE_DEPTH_METRIC, waiting, {"Queue": queue})
