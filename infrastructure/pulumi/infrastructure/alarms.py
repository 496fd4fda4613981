"""CloudWatch alarms (plan: Phase 6.4): CPU, memory, failed tasks, queue depth, database connections, plus
the ones an operator needs next (API has no healthy target, 5xx, Redis memory under `noeviction`, scheduler
silent). Everything notifies one SNS topic, encrypted with a key CloudWatch and EventBridge may use.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .config import QUEUE_METRIC_NAME, QUEUE_METRIC_NAMESPACE, QUEUES, AlarmConfig

FIVE_MINUTES = 300


@dataclass(frozen=True)
class AlarmsArgs:
    prefix: str
    account_id: str
    config: AlarmConfig
    cluster_name: pulumi.Input[str]
    cluster_arn: pulumi.Input[str]
    # role ("api", "worker", ...) -> ECS service name
    services: Mapping[str, pulumi.Input[str]]
    alb_arn_suffix: pulumi.Input[str]
    target_group_arn_suffix: pulumi.Input[str]
    db_cluster_id: pulumi.Input[str]
    redis_group_id: pulumi.Input[str]
    redis_nodes: int
    tags: dict[str, str]


class Alarms(pulumi.ComponentResource):
    def __init__(self, name: str, args: AlarmsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fibonacco:monitoring:Alarms", name, None, opts)
        self._name, self._args = name, args
        child = pulumi.ResourceOptions(parent=self)
        self.topic = self._topic()
        cfg = args.config

        for role, service in args.services.items():
            dims = {"ClusterName": args.cluster_name, "ServiceName": service}
            self._alarm(f"{role}-cpu", "AWS/ECS", "CPUUtilization", dims, ">", cfg.cpu_percent, "Average")
            self._alarm(f"{role}-memory", "AWS/ECS", "MemoryUtilization", dims, ">", cfg.memory_percent, "Average")
        lb_dims = {"LoadBalancer": args.alb_arn_suffix, "TargetGroup": args.target_group_arn_suffix}
        self._alarm(
            "api-no-healthy-target",
            "AWS/ApplicationELB",
            "HealthyHostCount",
            lb_dims,
            "<",
            1,
            "Minimum",
            periods=2,
            period=60,
            missing="breaching",
        )
        self._alarm("api-5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", lb_dims, ">", 10, "Sum")
        for queue in QUEUES:
            self._alarm(
                f"queue-{queue}-depth",
                QUEUE_METRIC_NAMESPACE,
                QUEUE_METRIC_NAME,
                {"Queue": queue},
                ">",
                cfg.queue_depth,
                "Maximum",
            )
        # The scheduler publishes queue depth every minute; silence means it is not running.
        self._alarm(
            "scheduler-silent",
            QUEUE_METRIC_NAMESPACE,
            QUEUE_METRIC_NAME,
            {"Queue": "default"},
            "<",
            1,
            "SampleCount",
            periods=2,
            missing="breaching",
        )
        db_dims = {"DBClusterIdentifier": args.db_cluster_id}
        self._alarm("db-connections", "AWS/RDS", "DatabaseConnections", db_dims, ">", cfg.db_connections, "Maximum")
        self._alarm("db-cpu", "AWS/RDS", "CPUUtilization", db_dims, ">", cfg.cpu_percent, "Average")
        for node in range(1, args.redis_nodes + 1):
            node_id = pulumi.Output.concat(args.redis_group_id, f"-{node:03d}")
            # Under `noeviction` a full Redis refuses new jobs: warn well before that.
            self._alarm(
                f"redis-{node:03d}-memory",
                "AWS/ElastiCache",
                "DatabaseMemoryUsagePercentage",
                {"CacheClusterId": node_id},
                ">",
                cfg.redis_memory_percent,
                "Maximum",
            )

        # Failed tasks: a task that could not start, or whose essential container exited non-zero.
        failed = aws.cloudwatch.EventRule(
            f"{name}-failed-tasks",
            name=f"{args.prefix}-failed-tasks",
            description="ECS tasks that failed to start or exited with an error",
            event_pattern=pulumi.Output.from_input(args.cluster_arn).apply(
                lambda arn: json.dumps(
                    {
                        "source": ["aws.ecs"],
                        "detail-type": ["ECS Task State Change"],
                        "detail": {
                            "clusterArn": [arn],
                            "lastStatus": ["STOPPED"],
                            "$or": [
                                {"stopCode": ["TaskFailedToStart"]},
                                {
                                    "stopCode": ["EssentialContainerExited"],
                                    "containers": {"exitCode": [{"anything-but": 0}]},
                                },
                            ],
                        },
                    }
                )
            ),
            tags=args.tags,
            opts=child,
        )
        aws.cloudwatch.EventTarget(f"{name}-failed-tasks-sns", rule=failed.name, arn=self.topic.arn, opts=child)
        self._topic_policy(failed.arn)
        self._subscribe(cfg)
        self.register_outputs({"topic_arn": self.topic.arn})

    def _subscribe(self, cfg: AlarmConfig) -> None:
        """Who the alarms reach: `alarms.email` (confirmed from the message SNS sends) and/or
        `alarms.https_endpoint`; with neither, `pulumi up` says so instead of paging nobody."""
        child = pulumi.ResourceOptions(parent=self)
        if cfg.email:
            aws.sns.TopicSubscription(
                f"{self._name}-email", topic=self.topic.arn, protocol="email", endpoint=cfg.email, opts=child
            )
        if cfg.https_endpoint:
            aws.sns.TopicSubscription(
                f"{self._name}-https",
                topic=self.topic.arn,
                protocol="https",
                endpoint=cfg.https_endpoint,
                endpoint_auto_confirms=True,
                opts=child,
            )
        if not (cfg.email or cfg.https_endpoint):
            pulumi.warn(
                "alarms reach nobody: set alarms.email (and/or alarms.https_endpoint) in the stack config, "
                "e.g. `pulumi config set --path alarms.email ops@example.com`"
            )

    def _topic(self) -> aws.sns.Topic:
        args = self._args
        # The AWS-managed SNS key cannot be granted to CloudWatch or EventBridge, so the topic gets its own
        # key.
        key = aws.kms.Key(
            f"{self._name}-key",
            description=f"{args.prefix} alarm notifications",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "AccountAdmin",
                            "Effect": "Allow",
                            "Principal": {"AWS": f"arn:aws:iam::{args.account_id}:root"},
                            "Action": "kms:*",
                            "Resource": "*",
                        },
                        {
                            "Sid": "AlarmPublishers",
                            "Effect": "Allow",
                            "Principal": {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]},
                            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                            "Resource": "*",
                            "Condition": {"StringEquals": {"aws:SourceAccount": args.account_id}},
                        },
                    ],
                }
            ),
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return aws.sns.Topic(
            f"{self._name}-topic",
            name=f"{args.prefix}-alarms",
            kms_master_key_id=key.id,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _topic_policy(self, rule_arn: pulumi.Output[str]) -> None:
        account = self._args.account_id
        aws.sns.TopicPolicy(
            f"{self._name}-topic-policy",
            arn=self.topic.arn,
            policy=pulumi.Output.all(self.topic.arn, rule_arn).apply(
                lambda arns: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "CloudWatchAlarms",
                                "Effect": "Allow",
                                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                                "Action": "sns:Publish",
                                "Resource": arns[0],
                                "Condition": {"StringEquals": {"aws:SourceAccount": account}},
                            },
                            {
                                "Sid": "FailedTaskEvents",
                                "Effect": "Allow",
                                "Principal": {"Service": "events.amazonaws.com"},
                                "Action": "sns:Publish",
                                "Resource": arns[0],
                                "Condition": {"ArnEquals": {"aws:SourceArn": arns[1]}},
                            },
                        ],
                    }
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _alarm(
        self,
        key: str,
        namespace: str,
        metric: str,
        dimensions: dict[str, pulumi.Input[str]],
        comparison: str,
        threshold: float,
        statistic: str,
        periods: int = 3,
        period: int = FIVE_MINUTES,
        missing: str = "notBreaching",
    ) -> aws.cloudwatch.MetricAlarm:
        operator = {">": "GreaterThanThreshold", "<": "LessThanThreshold"}[comparison]
        return aws.cloudwatch.MetricAlarm(
            f"{self._name}-{key}",
            name=f"{self._args.prefix}-{key}",
            alarm_description=f"{namespace} {metric} {comparison} {threshold:g} ({statistic})",
            namespace=namespace,
            metric_name=metric,
            dimensions=dimensions,
            statistic=statistic,
            period=period,
            evaluation_periods=periods,
            threshold=threshold,
            comparison_operator=operator,
            treat_missing_data=missing,
            alarm_actions=[self.topic.arn],
            ok_actions=[self.topic.arn],
            tags=self._args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
