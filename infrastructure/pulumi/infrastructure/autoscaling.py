"""Auto-scaling (plan: Scaling Strategy): the API on CPU (70 %, 300 s in / 60 s out, 1-10 tasks), each
worker service on its queues' backlog per running task, from the `Fibonacco/Queues` `QueueDepth` metric the
scheduler process publishes every minute.

Workers use step scaling on two explicit alarms, so what missing data means is decided here rather than left
to a target-tracking policy: no datapoint (the scheduler is down; its own `scheduler-silent` alarm pages) is
never read as an empty queue, so it neither scales in nor out (`treat_missing_data = notBreaching` on both
alarms, and the queue metrics are not FILLed with 0). Out: backlog per task above `backlog_per_task` for one
minute, by 1, 2 or 4 tasks as the backlog grows. In: below half of it for 15 minutes, one task at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from .config import QUEUE_METRIC_NAME, QUEUE_METRIC_NAMESPACE, ApiConfig, WorkerConfig

_TT = aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs
_STEP = aws.appautoscaling.PolicyStepScalingPolicyConfigurationArgs
_ADJ = aws.appautoscaling.PolicyStepScalingPolicyConfigurationStepAdjustmentArgs
_QUERY = aws.cloudwatch.MetricAlarmMetricQueryArgs
_METRIC = aws.cloudwatch.MetricAlarmMetricQueryMetricArgs

MINUTE = 60
SCALE_IN_MINUTES = 15
# Missing data is "not breaching": without a measurement, neither alarm acts.
MISSING_DATA = "notBreaching"


def backlog_expression(queue_count: int) -> str:
    """Jobs waiting per running task. Queue depths are not FILLed: a missing datapoint stays missing, and the
    alarms do not act on it. A service briefly reported with no running task counts as one."""
    waiting = " + ".join(f"q{index}" for index in range(queue_count))
    return f"({waiting}) / IF(FILL(tasks, 1) < 1, 1, FILL(tasks, 1))"


def scale_out_steps(backlog_per_task: int) -> list[tuple[float, float | None, int]]:
    """(lower, upper, tasks to add), relative to the threshold: +1 just above it, +2 from twice, +4 from 5x."""
    return [
        (0.0, float(backlog_per_task), 1),
        (float(backlog_per_task), 4.0 * backlog_per_task, 2),
        (4.0 * backlog_per_task, None, 4),
    ]


@dataclass(frozen=True)
class AutoScalingArgs:
    prefix: str
    cluster_name: pulumi.Input[str]
    api_service_name: pulumi.Input[str]
    api: ApiConfig
    # worker config -> its service name
    workers: list[tuple[WorkerConfig, pulumi.Input[str]]]
    tags: dict[str, str]


class AutoScaling(pulumi.ComponentResource):
    def __init__(self, name: str, args: AutoScalingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fibonacco:compute:AutoScaling", name, None, opts)
        self._name, self._args = name, args
        api_target = self._target(
            "api", args.cluster_name, args.api_service_name, args.api.min_count, args.api.max_count
        )
        aws.appautoscaling.Policy(
            f"{name}-api-cpu",
            name="cpu-scaling-policy",
            policy_type="TargetTrackingScaling",
            resource_id=api_target.resource_id,
            scalable_dimension=api_target.scalable_dimension,
            service_namespace=api_target.service_namespace,
            target_tracking_scaling_policy_configuration=_TT(
                target_value=args.api.cpu_target,
                predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                    predefined_metric_type="ECSServiceAverageCPUUtilization"
                ),
                scale_in_cooldown=args.api.scale_in_cooldown,
                scale_out_cooldown=args.api.scale_out_cooldown,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        for worker, service_name in args.workers:
            self._worker(worker, service_name)
        self.register_outputs({})

    def _worker(self, worker: WorkerConfig, service_name: pulumi.Input[str]) -> None:
        target = self._target(worker.name, self._args.cluster_name, service_name, worker.min_count, worker.max_count)
        threshold = float(worker.backlog_per_task)
        scale_out = self._step_policy(
            f"{worker.name}-scale-out",
            "queue-depth-scale-out",
            target,
            _STEP(
                adjustment_type="ChangeInCapacity",
                metric_aggregation_type="Maximum",
                cooldown=MINUTE,
                step_adjustments=[
                    _ADJ(
                        metric_interval_lower_bound=str(low),
                        metric_interval_upper_bound=None if high is None else str(high),
                        scaling_adjustment=add,
                    )
                    for low, high, add in scale_out_steps(worker.backlog_per_task)
                ],
            ),
        )
        scale_in = self._step_policy(
            f"{worker.name}-scale-in",
            "queue-depth-scale-in",
            target,
            _STEP(
                adjustment_type="ChangeInCapacity",
                metric_aggregation_type="Average",
                cooldown=5 * MINUTE,
                step_adjustments=[_ADJ(metric_interval_upper_bound="0", scaling_adjustment=-1)],
            ),
        )
        self._backlog_alarm(worker, service_name, "backlog-high", "GreaterThanThreshold", threshold, 1, scale_out)
        self._backlog_alarm(
            worker, service_name, "backlog-low", "LessThanThreshold", threshold / 2, SCALE_IN_MINUTES, scale_in
        )

    def _backlog_alarm(
        self,
        worker: WorkerConfig,
        service_name: pulumi.Input[str],
        key: str,
        operator: str,
        threshold: float,
        minutes: int,
        policy: aws.appautoscaling.Policy,
    ) -> None:
        queries = [
            _QUERY(
                id=f"q{index}",
                return_data=False,
                metric=_METRIC(
                    namespace=QUEUE_METRIC_NAMESPACE,
                    metric_name=QUEUE_METRIC_NAME,
                    dimensions={"Queue": queue},
                    period=MINUTE,
                    stat="Maximum",
                ),
            )
            for index, queue in enumerate(worker.queues)
        ]
        queries.append(
            _QUERY(
                id="tasks",
                return_data=False,
                metric=_METRIC(
                    namespace="ECS/ContainerInsights",
                    metric_name="RunningTaskCount",
                    dimensions={"ClusterName": self._args.cluster_name, "ServiceName": service_name},
                    period=MINUTE,
                    stat="Average",
                ),
            )
        )
        queries.append(
            _QUERY(
                id="backlog",
                label="queued jobs per task",
                expression=backlog_expression(len(worker.queues)),
                return_data=True,
            )
        )
        aws.cloudwatch.MetricAlarm(
            f"{self._name}-{worker.name}-{key}",
            name=f"{self._args.prefix}-{worker.name}-{key}",
            alarm_description=f"{worker.name}: queued jobs per task {operator} {threshold:g} (scales the service)",
            comparison_operator=operator,
            threshold=threshold,
            evaluation_periods=minutes,
            datapoints_to_alarm=minutes,
            treat_missing_data=MISSING_DATA,
            metric_queries=queries,
            alarm_actions=[policy.arn],
            tags=self._args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _step_policy(
        self, key: str, policy_name: str, target: aws.appautoscaling.Target, config: Any
    ) -> aws.appautoscaling.Policy:
        return aws.appautoscaling.Policy(
            f"{self._name}-{key}",
            name=policy_name,
            policy_type="StepScaling",
            resource_id=target.resource_id,
            scalable_dimension=target.scalable_dimension,
            service_namespace=target.service_namespace,
            step_scaling_policy_configuration=config,
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
