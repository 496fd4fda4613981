"""ECS Fargate (plan: ECS, Phase 4 queue workers, Phase 5 scheduled tasks, Phase 6 logs, Container Insights).

One image, several commands (DESIGN.md §2): the API service behind the ALB, one service per worker group, the
scheduler (a continuous service, or an EventBridge `rate(1 minute)` rule running `fibonacco schedule run`,
chosen by `scheduler.mode`), and a migration task definition. Every container runs `image` (the release's
git-SHA tag); scripts/deploy.sh runs the migrations on a new release's image before `pulumi up` points these
task definitions at it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from .config import CONTAINER_PORT, ApiConfig, SchedulerConfig, TaskSize, WorkerConfig
from .iam import EventsRole, EventsRoleArgs, TaskRoles, TaskRolesArgs

# Fargate gives a container at most 120 s between SIGTERM and SIGKILL; workers use it to finish their jobs.
WORKER_STOP_TIMEOUT = 120
# The slim image has no curl; the application's Python is always there.
API_HEALTH_COMMAND = [
    "CMD",
    "python",
    "-c",
    f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{CONTAINER_PORT}/health', timeout=3)",
]
# Worker and scheduler liveness: each process refreshes a Redis heartbeat key for its host, and `--check` exits 0
# while the key exists (fibonacco/worker/health.py). A hung process, or one cut off from Redis, is replaced.
WORKER_HEALTH_COMMAND = ["CMD", "fibonacco", "worker", "--check"]
SCHEDULER_HEALTH_COMMAND = ["CMD", "fibonacco", "scheduler", "--check"]


@dataclass(frozen=True)
class EcsArgs:
    prefix: str
    region: str
    account_id: str
    image: pulumi.Input[str]
    repository_arn: pulumi.Input[str]
    private_subnet_ids: list[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    target_group_arn: pulumi.Input[str]
    # The listener that forwards to the target group; the API service must not start before it exists.
    listener: pulumi.Resource
    api: ApiConfig
    workers: tuple[WorkerConfig, ...]
    scheduler: SchedulerConfig
    migrate: TaskSize
    log_retention_days: int
    environment: dict[str, pulumi.Input[str]]
    secrets: dict[str, pulumi.Input[str]]
    # The secrets behind `secrets`, as plain ARNs: what the execution role may read.
    secret_arns: list[pulumi.Input[str]]
    # The database secret the application itself reads (DB_SECRET_ARN): what the task role may read.
    db_secret_arn: pulumi.Input[str]
    assets_bucket_arn: pulumi.Input[str]
    mail_domain: str
    tags: dict[str, str]


def _health_check(command: list[str], start_period: int) -> dict[str, Any]:
    return {
        "command": command,
        "interval": 30,
        "timeout": 5,
        "retries": 3,
        "startPeriod": start_period,
    }


class Ecs(pulumi.ComponentResource):
    def __init__(self, name: str, args: EcsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fibonacco:compute:Ecs", name, None, opts)
        self._name, self._args = name, args
        child = pulumi.ResourceOptions(parent=self)

        self.cluster = aws.ecs.Cluster(
            f"{name}-cluster",
            name=f"{args.prefix}-cluster",
            settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value="enabled")],
            tags=args.tags,
            opts=child,
        )
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/ecs/{args.prefix}",
            retention_in_days=args.log_retention_days,
            tags=args.tags,
            opts=child,
        )
        self.roles = TaskRoles(
            f"{name}-roles",
            TaskRolesArgs(
                prefix=args.prefix,
                region=args.region,
                account_id=args.account_id,
                repository_arn=args.repository_arn,
                log_group_arn=self.log_group.arn,
                secret_arns=args.secret_arns,
                db_secret_arn=args.db_secret_arn,
                assets_bucket_arn=args.assets_bucket_arn,
                mail_domain=args.mail_domain,
                tags=args.tags,
            ),
            child,
        )
        self.network_configuration = aws.ecs.ServiceNetworkConfigurationArgs(
            subnets=args.private_subnet_ids, security_groups=[args.security_group_id], assign_public_ip=False
        )

        # --- API ---
        self.api_task = self._task_definition(
            "api",
            ["fibonacco", "serve"],
            args.api.size,
            extra={
                "portMappings": [{"containerPort": CONTAINER_PORT, "protocol": "tcp"}],
                "healthCheck": _health_check(API_HEALTH_COMMAND, start_period=60),
            },
        )
        self.api_service = aws.ecs.Service(
            f"{name}-api",
            name=f"{args.prefix}-api",
            cluster=self.cluster.arn,
            task_definition=self.api_task.arn,
            desired_count=args.api.min_count,
            launch_type="FARGATE",
            platform_version="LATEST",
            network_configuration=self.network_configuration,
            load_balancers=[
                aws.ecs.ServiceLoadBalancerArgs(
                    target_group_arn=args.target_group_arn,
                    container_name="api",
                    container_port=CONTAINER_PORT,
                )
            ],
            health_check_grace_period_seconds=60,
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(enable=True, rollback=True),
            propagate_tags="SERVICE",
            enable_ecs_managed_tags=True,
            tags=args.tags,
            # Auto-scaling owns the running count after creation.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args.listener], ignore_changes=["desired_count"]),
        )

        # --- queue workers (plan Phase 4), one service per worker group ---
        self.worker_services: dict[str, aws.ecs.Service] = {}
        for worker in args.workers:
            command = [
                "fibonacco",
                "worker",
                "--queues",
                ",".join(worker.queues),
                "--processes",
                str(worker.processes),
                "--threads",
                str(worker.threads),
            ]
            task = self._task_definition(
                worker.name,
                command,
                worker.size,
                extra={
                    "stopTimeout": WORKER_STOP_TIMEOUT,
                    "healthCheck": _health_check(WORKER_HEALTH_COMMAND, start_period=60),
                },
            )
            self.worker_services[worker.name] = self._background_service(worker.name, task, worker.min_count)

        # --- scheduler (plan Phase 5): continuous service, or EventBridge every minute ---
        self.scheduler_service: aws.ecs.Service | None = None
        self.scheduler_rule: aws.cloudwatch.EventRule | None = None
        if args.scheduler.mode == "service":
            task = self._task_definition(
                "scheduler",
                ["fibonacco", "scheduler"],
                args.scheduler.size,
                extra={"healthCheck": _health_check(SCHEDULER_HEALTH_COMMAND, start_period=60)},
            )
            # Never two at once during a deploy (the Redis lock would cope, but there is no need to rely on
            # it).
            self.scheduler_service = self._background_service("scheduler", task, 1, max_percent=100, min_percent=0)
            self.scheduler_task = task
        else:
            self.scheduler_task = self._task_definition(
                "scheduler", ["fibonacco", "schedule", "run"], args.scheduler.size
            )
            self._eventbridge_scheduler()

        # --- migrations: deploy.sh runs a one-off revision of this on each new release's image (aws ecs run-task) ---
        self.migrate_task = self._task_definition("migrate", ["fibonacco", "migrate"], args.migrate)

        self.service_names: list[pulumi.Output[str]] = [self.api_service.name] + [
            s.name for s in self.worker_services.values()
        ]
        if self.scheduler_service is not None:
            self.service_names.append(self.scheduler_service.name)
        self.register_outputs(
            {
                "cluster_name": self.cluster.name,
                "service_names": self.service_names,
                "migrate_task_definition": self.migrate_task.family,
            }
        )

    def _task_definition(
        self, role: str, command: list[str], size: TaskSize, extra: dict[str, Any] | None = None
    ) -> aws.ecs.TaskDefinition:
        args = self._args
        env_names = sorted(args.environment)
        secret_names = sorted(args.secrets)

        def render(values: list[Any]) -> str:
            image, log_group, env_values, secret_values = values[0], values[1], values[2], values[3]
            container = {
                "name": role,
                "image": image,
                "essential": True,
                "command": command,
                "environment": [{"name": n, "value": v} for n, v in zip(env_names, env_values, strict=True)],
                "secrets": [{"name": n, "valueFrom": v} for n, v in zip(secret_names, secret_values, strict=True)],
                "linuxParameters": {"initProcessEnabled": True},
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": log_group,
                        "awslogs-region": args.region,
                        "awslogs-stream-prefix": role,
                        # A slow CloudWatch must not block the application's stdout.
                        "mode": "non-blocking",
                        "max-buffer-size": "25m",
                    },
                },
                **(extra or {}),
            }
            return json.dumps([container])

        definitions = pulumi.Output.all(
            args.image,
            self.log_group.name,
            pulumi.Output.all(*[args.environment[n] for n in env_names]),
            pulumi.Output.all(*[args.secrets[n] for n in secret_names]),
        ).apply(render)
        return aws.ecs.TaskDefinition(
            f"{self._name}-{role}-task",
            family=f"{args.prefix}-{role}",
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            cpu=str(size.cpu),
            memory=str(size.memory),
            execution_role_arn=self.roles.execution_role.arn,
            task_role_arn=self.roles.task_role.arn,
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture="X86_64"
            ),
            container_definitions=definitions,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _background_service(
        self,
        role: str,
        task: aws.ecs.TaskDefinition,
        count: int,
        max_percent: int = 200,
        min_percent: int = 100,
    ) -> aws.ecs.Service:
        args = self._args
        return aws.ecs.Service(
            f"{self._name}-{role}",
            name=f"{args.prefix}-{role}",
            cluster=self.cluster.arn,
            task_definition=task.arn,
            desired_count=count,
            launch_type="FARGATE",
            platform_version="LATEST",
            network_configuration=self.network_configuration,
            deployment_minimum_healthy_percent=min_percent,
            deployment_maximum_percent=max_percent,
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(enable=True, rollback=True),
            propagate_tags="SERVICE",
            enable_ecs_managed_tags=True,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["desired_count"]),
        )

    def _eventbridge_scheduler(self) -> None:
        args = self._args
        events_role = EventsRole(
            f"{self._name}-scheduler-events",
            EventsRoleArgs(
                prefix=args.prefix,
                cluster_arn=self.cluster.arn,
                task_definition_arn=self.scheduler_task.arn,
                passed_role_arns=[self.roles.execution_role.arn, self.roles.task_role.arn],
                tags=args.tags,
            ),
            pulumi.ResourceOptions(parent=self),
        )
        self.scheduler_rule = aws.cloudwatch.EventRule(
            f"{self._name}-scheduler-rule",
            name=f"{args.prefix}-scheduler",
            description="fibonacco schedule run: one scheduler tick",
            schedule_expression="rate(1 minute)",
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.cloudwatch.EventTarget(
            f"{self._name}-scheduler-target",
            rule=self.scheduler_rule.name,
            arn=self.cluster.arn,
            role_arn=events_role.role.arn,
            ecs_target=aws.cloudwatch.EventTargetEcsTargetArgs(
                task_count=1,
                task_definition_arn=self.scheduler_task.arn,
                launch_type="FARGATE",
                platform_version="LATEST",
                network_configuration=aws.cloudwatch.EventTargetEcsTargetNetworkConfigurationArgs(
                    subnets=args.private_subnet_ids,
                    security_groups=[args.security_group_id],
                    assign_public_ip=False,
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
