"""Custom metrics: CloudWatch `PutMetricData` and a structlog implementation for development."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

import structlog

from fibonacco.integrations.errors import provider_call


class Metrics(ABC):
    name: str

    @abstractmethod
    async def put(
        self,
        namespace: str,
        name: str,
        value: float,
        dimensions: Mapping[str, str] | None = None,
        unit: str = "Count",
    ) -> None: ...


class LogMetrics(Metrics):
    name = "log"

    def __init__(self) -> None:
        self.log = structlog.get_logger("fibonacco.metrics")

    async def put(
        self,
        namespace: str,
        name: str,
        value: float,
        dimensions: Mapping[str, str] | None = None,
        unit: str = "Count",
    ) -> None:
        self.log.info(
            "metric",
            namespace=namespace,
            metric=name,
            value=value,
            unit=unit,
            dimensions=dict(dimensions or {}),
        )


class CloudWatchMetrics(Metrics):
    name = "cloudwatch"

    def __init__(self, client: Any) -> None:
        self.client = client  # boto3 "cloudwatch" client

    async def put(
        self,
        namespace: str,
        name: str,
        value: float,
        dimensions: Mapping[str, str] | None = None,
        unit: str = "Count",
    ) -> None:
        datum = {
            "MetricName": name,
            "Value": float(value),
            "Unit": unit,
            "Dimensions": [{"Name": k, "Value": v} for k, v in (dimensions or {}).items()],
        }
        with provider_call(self.name):
            await asyncio.to_thread(self.client.put_metric_data, Namespace=namespace, MetricData=[datum])
