"""Auto-scaling (plan: Scaling Strategy): the API on CPU (70 %, 300 s in / 60 s out, 1-10 tasks), each
worker service on its queues' backlog per running task, from the scheduler's `Fibonacco/Queues` `QueueDepth`
metric."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from .config import QUEUE_METRIC_NAME, QUEUE_METRIC_NAMESPACE, ApiConfig, WorkerConfig

_TT = aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs
_CMS = aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationArgs
# The nested argument classes' names run to 130 characters; short local names keep the policy readable.
_M = "PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetric"
_MQ = getattr(aws.appautoscaling, f"{_M}Args")
_STAT = getattr(aws.appautoscaling, f"{_M}MetricStatArgs")
_METRIC = getattr(aws.appautoscaling, f"{_M}MetricStatMetricArgs")
_DIM = getattr(aws.appautoscaling, f"{_M}MetricStatMetricDimensionArgs")


def _metric(metric_id: str, namespace: str, name: str, dimensions: dict[str, pulumi.Input[str]], stat: str) -> Any:
    """One metric-math input of a customized target-tracking metric (not returned on its own)."""
    return _MQ(
        id=metric_id,
        return_data=False,
        metric_stat=_STAT(
            stat=stat,
            metric=_METRIC(
                namespace=namespace,
                metric_name=name,
                dimensions=[_DIM(name=key, value=value) for key, value in dimensions.items()],
            ),
        ),
    )


def backlog_expression(queue_count: int) -> str:
    """Jobs waiting per running task; a queue with no datapoint counts as empty."""
    waiting = " + ".join(f"FILL(q{index}, 0)" for index in range(queue_count))
    return f"({waiting}) / tasks"


@dataclass(frozen=True)
class AutoScalingArgs:
    cluster_name: pulumi.Input[str]
    api_service_name: pulumi.Input[str]
    api: ApiConfig
    # worker config -> its service name
    workers: list[tuple[WorkerConfig, pulumi.Input[str]]]


class AutoScaling(pulumi.ComponentResource):
    def __init__(self, name: str, args: AutoScalingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fibonacco:compute:AutoScaling", name, None, opts)
        self._name = name
        api_target = self._target(
            "api", args.cluster_name, args.api_service_name, args.api.min_count, args.api.max_count
        )
        self._policy(
            "api-cpu",
            "cpu-scaling-policy",
            api_target,
            _TT(
                target_value=args.api.cpu_target,
                predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                    predefined_metric_type="ECSServiceAverageCPUUtilization"
                ),
                scale_in_cooldown=args.api.scale_in_cooldown,
                scale_out_cooldown=args.api.scale_out_cooldown,
            ),
        )
        for worker, service_name in args.workers:
            target = self._target(worker.name, args.cluster_name, service_name, worker.min_count, worker.max_count)
            queues = [
                _metric(f"q{index}", QUEUE_METRIC_NAMESPACE, QUEUE_METRIC_NAME, {"Queue": queue}, "Maximum")
                for index, queue in enumerate(worker.queues)
            ]
            tasks = _metric(
                "tasks",
                "ECS/ContainerInsights",
                "RunningTaskCount",
                {"ClusterName": args.cluster_name, "ServiceName": service_name},
                "Average",
            )
            backlog = _MQ(
                id="backlog",
                label="queued jobs per task",
                expression=backlog_expression(len(worker.queues)),
                return_data=True,
            )
            self._policy(
                f"{worker.name}-queue-depth",
                "queue-depth-scaling-policy",
                target,
                _TT(
                    target_value=float(worker.backlog_per_task),
                    customized_metric_specification=_CMS(metrics=[*queues, tasks, backlog]),
                    # Workers drain a backlog in bursts: add quickly, remove slowly.
                    scale_in_cooldown=300,
                    scale_out_cooldown=60,
                ),
            )
        self.register_outputs({})

    def _policy(self, key: str, policy_name: str, target: aws.appautoscaling.Target, config: Any) -> None:
        aws.appautoscaling.Policy(
            f"{self._name}-{key}",
            name=policy_name,
            policy_type="TargetTrackingScaling",
            resource_id=target.resource_id,
            scalable_dimension=target.scalable_dimension,
            service_namespace=target.service_namespace,
            target_tracking_scaling_policy_configuration=config,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _target(
        self, role: str, cluster_name: pulumi.Input[str], service_name: pulumi.Input[str], low: int, high: int
    ) -> aws.appautoscaling.Target:
        return aws.appautoscaling.Target(
            f"{self._name}-{role}-target",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/", cluster_name, "/", service_name),
            min_capacity=low,
            max_capacity=high,
            opts=pulumi.ResourceOptions(parent=self),
        )
