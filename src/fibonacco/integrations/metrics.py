"""Custom metrics: CloudWatch `PutMetricData` and a structlog implementation for development."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import structlog

from fibonacco.integrations.errors import provider_call


@dataclass(frozen=True, slots=True)
class Metric:
    namespace: str
    name: str
    value: float
    dimensions: Mapping[str, str]
    unit: str


class Metrics(ABC):
    name: str

    async def put(
        self,
        namespace: str,
        name: str,
        value: float,
        dimensions: Mapping[str, str] | None = None,
        unit: str = "Count",
    ) -> None:
        await self.record(Metric(namespace, name, float(value), dict(dimensions or {}), unit))

    @abstractmethod
    async def record(self, metric: Metric) -> None: ...


class LogMetrics(Metrics):
    name = "log"

    def __init__(self) -> None:
        self.log = structlog.get_logger("fibonacco.metrics")

    async def record(self, metric: Metric) -> None:
        # Debug: the queue-depth schedule alone writes one line per queue every minute.
        self.log.debug(
            "metric",
            namespace=metric.namespace,
            metric=metric.name,
            value=metric.value,
            unit=metric.unit,
            dimensions=dict(metric.dimensions),
        )


class CloudWatchMetrics(Metrics):
    name = "cloudwatch"

    def __init__(self, client: Any) -> None:
        self.client = client  # boto3 "cloudwatch" client

    async def record(self, metric: Metric) -> None:
        datum = {
            "MetricName": metric.name,
            "Value": metric.value,
            "Unit": metric.unit,
            "Dimensions": [{"Name": k, "Value": v} for k, v in metric.dimensions.items()],
        }
        with provider_call(self.name):
            await asyncio.to_thread(self.client.put_metric_data, Namespace=metric.namespace, MetricData=[datum])
