"""The benchmark's jobs, for both queue systems: imported by `bench/jobs.py` and by the worker processes it
starts. Each job does the least a benchmark can observe: one Redis write saying it ran (and when it started)."""

from __future__ import annotations

import time

import redis
from celery import Celery

from fibonacco.config import get_settings
from fibonacco.worker.actor import actor, job_redis

DONE_KEY = "bench:done"
LATENCIES_KEY = "bench:latencies"
CELERY_QUEUE = "bench"

settings = get_settings()


@actor("bench.noop", tries=1)
async def noop(sent_at: float | None = None) -> None:
    started = time.time()
    if sent_at is None:
        await job_redis().incr(DONE_KEY)
    else:
        await job_redis().rpush(LATENCIES_KEY, started - sent_at)


celery_app = Celery("bench", broker=settings.redis_url())
# Same delivery guarantee as our Redis broker (a job is acknowledged after it ran), no result backend.
celery_app.conf.update(
    task_acks_late=True, task_ignore_result=True, task_default_queue=CELERY_QUEUE, worker_hijack_root_logger=False
)
_client = redis.Redis.from_url(settings.redis_url())


@celery_app.task(name="bench.noop")
def celery_noop(sent_at: float | None = None) -> None:
    started = time.time()
    if sent_at is None:
        _client.incr(DONE_KEY)
    else:
        _client.rpush(LATENCIES_KEY, started - sent_at)
