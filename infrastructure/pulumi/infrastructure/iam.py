"""IAM roles with least privilege (plan: Security Configuration / IAM Roles and Policies).

- execution role (the ECS agent): pull from this stack's repository, write to its log group, read its
  secrets -- nothing else.
- task role (the application): read/write the assets bucket only, send mail through SES from the configured
  domain, put metrics only into the `Fibonacco/*` namespaces, and read exactly one secret: the RDS-managed
  database password, which rotates under running tasks (the other secrets arrive as environment variables).
- events role (EventBridge scheduler rule): run the scheduler task definition in this cluster, pass the
  two roles.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from .config import APP_METRIC_NAMESPACE_PATTERN


def assume_role_policy(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )


def policy_document(*statements: pulumi.Input[dict[str, Any]]) -> pulumi.Output[str]:
    return pulumi.Output.all(*statements).apply(
        lambda resolved: json.dumps({"Version": "2012-10-17", "Statement": list(resolved)})
    )


def role_with_policy(
    resource_name: str,
    role_name: str,
    service: str,
    document: pulumi.Output[str],
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> aws.iam.Role:
    """A role `service` can assume, with one inline policy and nothing attached."""
    role = aws.iam.Role(
        resource_name,
        name=role_name,
        assume_role_policy=assume_role_policy(service),
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    aws.iam.RolePolicy(
        f"{resource_name}-policy", role=role.id, policy=document, opts=pulumi.ResourceOptions(parent=parent)
    )
    return role


@dataclass(frozen=True)
class TaskRolesArgs:
    prefix: str
    region: str
    account_id: str
    repository_arn: pulumi.Input[str]
    log_group_arn: pulumi.Input[str]
    secret_arns: list[pulumi.Input[str]]
    # The RDS-managed database secret, which the application reads itself after every rotation.
    db_secret_arn: pulumi.Input[str]
    assets_bucket_arn: pulumi.Input[str]
    mail_domain: str
    tags: dict[str, str]


class TaskRoles(pulumi.ComponentResource):
    def __init__(self, name: str, args: TaskRolesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fibonacco:security:TaskRoles", name, None, opts)
        self.execution_role = role_with_policy(
            f"{name}-execution",
            f"{args.prefix}-ecs-execution",
            "ecs-tasks.amazonaws.com",
            policy_document(
                # GetAuthorizationToken has no resource-level permissions.
                {"Sid": "EcrAuth", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
                pulumi.Output.from_input(args.repository_arn).apply(
                    lambda arn: {
                        "Sid": "EcrPull",
                        "Effect": "Allow",
                        "Action": [
                            "ecr:BatchCheckLayerAvailability",
                            "ecr:GetDownloadUrlForLayer",
                            "ecr:BatchGetImage",
                        ],
                        "Resource": arn,
                    }
                ),
                pulumi.Output.from_input(args.log_group_arn).apply(
                    lambda arn: {
                        "Sid": "Logs",
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": f"{arn}:*",
                    }
                ),
                pulumi.Output.all(*args.secret_arns).apply(
                    lambda arns: {
                        "Sid": "StackSecrets",
                        "Effect": "Allow",
                        "Action": "secretsmanager:GetSecretValue",
                        "Resource": sorted(arns),
                    }
                ),
            ),
            args.tags,
            self,
        )

        ses_arn = f"arn:aws:ses:{args.region}:{args.account_id}"
        self.task_role = role_with_policy(
            f"{name}-task",
            f"{args.prefix}-ecs-task",
            "ecs-tasks.amazonaws.com",
            policy_document(
                pulumi.Output.from_input(args.assets_bucket_arn).apply(
                    lambda arn: {
                        "Sid": "AssetsList",
                        "Effect": "Allow",
                        "Action": "s3:ListBucket",
                        "Resource": arn,
                    }
                ),
                pulumi.Output.from_input(args.assets_bucket_arn).apply(
                    lambda arn: {
                        "Sid": "AssetsReadWrite",
                        "Effect": "Allow",
                        "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                        "Resource": f"{arn}/*",
                    }
                ),
                {
                    "Sid": "SesSend",
                    "Effect": "Allow",
                    "Action": ["ses:SendEmail", "ses:SendRawEmail"],
                    "Resource": [f"{ses_arn}:identity/*", f"{ses_arn}:configuration-set/*"],
                    "Condition": {"StringLike": {"ses:FromAddress": f"*@{args.mail_domain}"}},
                },
                pulumi.Output.from_input(args.db_secret_arn).apply(
                    lambda arn: {
                        "Sid": "DatabaseSecret",
                        "Effect": "Allow",
                        "Action": "secretsmanager:GetSecretValue",
                        "Resource": arn,
                    }
                ),
                {
                    "Sid": "AppMetrics",
                    "Effect": "Allow",
                    "Action": "cloudwatch:PutMetricData",
                    # PutMetricData has no resources; the namespace condition is what limits it.
                    "Resource": "*",
                    "Condition": {"StringLike": {"cloudwatch:namespace": APP_METRIC_NAMESPACE_PATTERN}},
                },
            ),
            args.tags,
            self,
        )
        self.register_outputs({"execution_role_arn": self.execution_role.arn, "task_role_arn": self.task_role.arn})


@dataclass(frozen=True)
class EventsRoleArgs:
    prefix: str
    cluster_arn: pulumi.Input[str]
    task_definition_arn: pulumi.Input[str]
    passed_role_arns: list[pulumi.Input[str]]
    tags: dict[str, str]


class EventsRole(pulumi.ComponentResource):
    """Lets the EventBridge rule start the `schedule run` task, and nothing else."""

    def __init__(self, name: str, args: EventsRoleArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fibonacco:security:EventsRole", name, None, opts)
        self.role = role_with_policy(
            f"{name}-role",
            f"{args.prefix}-scheduler-events",
            "events.amazonaws.com",
            policy_document(
                pulumi.Output.all(args.task_definition_arn, args.cluster_arn).apply(
                    lambda arns: {
                        "Sid": "RunSchedulerTask",
                        "Effect": "Allow",
                        "Action": "ecs:RunTask",
                        # Any revision of the scheduler family, only in this cluster.
                        "Resource": f"{arns[0].rsplit(':', 1)[0]}:*",
                        "Condition": {"ArnEquals": {"ecs:cluster": arns[1]}},
                    }
                ),
                pulumi.Output.all(*args.passed_role_arns).apply(
                    lambda arns: {
                        "Sid": "PassTaskRoles",
                        "Effect": "Allow",
                        "Action": "iam:PassRole",
                        "Resource": sorted(arns),
                        "Condition": {"StringLike": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
                    }
                ),
            ),
            args.tags,
            self,
        )
        self.register_outputs({"role_arn": self.role.arn})
