from __future__ import annotations

import datetime as dt
from typing import Any

from structlog.testing import capture_logs

from fibonacco.config import load_settings
from fibonacco.integrations.metrics import CloudWatchMetrics, LogMetrics
from fibonacco.integrations.registry import get_metrics
from tests.fakes.aws import MotoServer


async def test_cloudwatch_receives_the_datum(aws_overrides: dict[str, Any], moto_server: MotoServer) -> None:
    metrics = get_metrics(load_settings(APP_ENV="testing", METRICS_DRIVER="cloudwatch", **aws_overrides))
    assert isinstance(metrics, CloudWatchMetrics)

    await metrics.put("Fibonacco/Queues", "QueueDepth", 42, {"Queue": "emails"})

    [metric] = metrics.client.list_metrics(Namespace="Fibonacco/Queues")["Metrics"]
    assert metric["MetricName"] == "QueueDepth" and metric["Dimensions"] == [{"Name": "Queue", "Value": "emails"}]
    now = dt.datetime.now(dt.UTC)
    stats = metrics.client.get_metric_statistics(
        Namespace="Fibonacco/Queues",
        MetricName="QueueDepth",
        Dimensions=[{"Name": "Queue", "Value": "emails"}],
        StartTime=now - dt.timedelta(minutes=5),
        EndTime=now + dt.timedelta(minutes=5),
        Period=60,
        Statistics=["Maximum"],
    )
    assert [p["Maximum"] for p in stats["Datapoints"]] == [42.0]


async def test_log_metrics_write_a_structured_debug_line() -> None:
    metrics = get_metrics(load_settings(APP_ENV="testing"))
    assert isinstance(metrics, LogMetrics)
    with capture_logs() as logs:
        await metrics.put("Fibonacco/Queues", "QueueDepth", 3, {"Queue": "sms"})
    assert logs == [
        {
            "event": "metric",
            "log_level": "debug",  # one line per queue every minute: not for the dev terminal
            "namespace": "Fibonacco/Queues",
            "metric": "QueueDepth",
            "value": 3.0,
            "unit": "Count",
            "dimensions": {"Queue": "sms"},
        }
    ]
