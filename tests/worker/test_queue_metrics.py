"""The queue-depth metric the workers scale on is published by the scheduler process, so a backlog with every
worker saturated (here: none running at all) cannot delay it."""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import redis as sync_redis
from dramatiq import Message

from fibonacco.config import load_settings
from fibonacco.worker.broker import broker
from fibonacco.worker.metrics import QUEUE_DEPTH_METRIC, QUEUE_DEPTH_NAMESPACE, QueueDepthPublisher
from fibonacco.worker.queues import QUEUES, QueueKeys
from fibonacco.worker.scheduler import SCHEDULES
from tests.fakes.aws import REGION, MotoServer
from tests.helpers import REPO, Processes, wait_for
from tests.worker import jobs

BACKLOG = 10_000


def _queue_backlog(client: sync_redis.Redis) -> None:
    """10,000 jobs on `default` and 3 on `emails`, enqueued as the application enqueues them."""
    client.flushdb()
    for queue, count in (("default", BACKLOG), ("emails", 3)):
        for _ in range(count):
            broker.enqueue(Message(queue_name=queue, actor_name=jobs.tick.actor_name, args=(), kwargs={}, options={}))
    assert client.llen(QueueKeys.of("default").ready) == BACKLOG


def _cloudwatch(moto_server: MotoServer) -> Any:
    return boto3.client(
        "cloudwatch",
        region_name=REGION,
        endpoint_url=moto_server.url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _depth(cloudwatch: Any, queue: str, since: datetime) -> dict[str, float]:
    """SampleCount, Minimum and Maximum of the queue's datapoints published since `since`."""
    points = cloudwatch.get_metric_statistics(
        Namespace=QUEUE_DEPTH_NAMESPACE,
        MetricName=QUEUE_DEPTH_METRIC,
        Dimensions=[{"Name": "Queue", "Value": queue}],
        StartTime=since - timedelta(minutes=1),
        EndTime=datetime.now(UTC) + timedelta(minutes=1),
        Period=60,
        Statistics=["SampleCount", "Minimum", "Maximum"],
    )["Datapoints"]
    if not points:
        return {"SampleCount": 0}
    return {
        "SampleCount": sum(p["SampleCount"] for p in points),
        "Minimum": min(p["Minimum"] for p in points),
        "Maximum": max(p["Maximum"] for p in points),
    }


def test_no_job_publishes_the_metric_anymore() -> None:
    assert not [name for name in SCHEDULES if name.startswith("metrics.")]


def test_the_scheduler_publishes_queue_depth_every_interval_with_a_backlog_and_no_worker(
    spawn: Processes, sync_client: sync_redis.Redis, aws_overrides: dict[str, Any], moto_server: MotoServer
) -> None:
    _queue_backlog(sync_client)
    started = datetime.now(UTC)
    scheduler = spawn(
        "scheduler",
        env={
            # This tree's code, whatever the shared virtualenv's editable install points at.
            "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)]),
            "QUEUE_METRICS_INTERVAL_SECONDS": "1",  # stands in for the minute
            "METRICS_DRIVER": "cloudwatch",
            **{key: str(value) for key, value in aws_overrides.items()},
        },
    )
    cloudwatch = _cloudwatch(moto_server)
    try:
        wait_for(lambda: _depth(cloudwatch, "default", started)["SampleCount"] >= 1, 60, "a first publication")
        first = _depth(cloudwatch, "default", started)["SampleCount"]
        time.sleep(3)
        default = _depth(cloudwatch, "default", started)
        emails = _depth(cloudwatch, "emails", started)
    finally:
        scheduler.send_signal(signal.SIGTERM)
        scheduler.wait(15)

    assert default["SampleCount"] >= first + 2  # one datapoint per interval, while nothing consumes the queue
    assert default["Minimum"] == default["Maximum"] == BACKLOG  # every datapoint carries the whole backlog
    assert emails["Minimum"] == emails["Maximum"] == 3
    for queue in QUEUES:
        assert _depth(cloudwatch, queue, started)["SampleCount"] >= 1, queue
    assert sync_client.llen(QueueKeys.of("default").ready) == BACKLOG  # measured, not consumed


def test_each_publication_reaches_cloudwatch_with_the_queue_dimension(
    sync_client: sync_redis.Redis, aws_overrides: dict[str, Any], moto_server: MotoServer
) -> None:
    _queue_backlog(sync_client)
    publisher = QueueDepthPublisher(load_settings(METRICS_DRIVER="cloudwatch", **aws_overrides))
    started = datetime.now(UTC)
    # The scheduler's tick, driven directly, twice.
    assert publisher.publish() == {queue: 0 for queue in QUEUES} | {"default": BACKLOG, "emails": 3}
    publisher.publish()

    cloudwatch = _cloudwatch(moto_server)
    assert _depth(cloudwatch, "default", started) == {"SampleCount": 2, "Minimum": BACKLOG, "Maximum": BACKLOG}
    listed = cloudwatch.list_metrics(Namespace=QUEUE_DEPTH_NAMESPACE, MetricName=QUEUE_DEPTH_METRIC)["Metrics"]
    assert {m["Dimensions"][0]["Value"] for m in listed} == set(QUEUES)
