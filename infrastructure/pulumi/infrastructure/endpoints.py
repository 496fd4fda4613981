"""Optional VPC endpoints (plan: Network Security / Cost Optimization 6): keep AWS API traffic off the NAT.

The S3 gateway endpoint is free, so a new VPC always gets it; interface endpoints cost ~$7/month per AZ
each and are created only when `vpc_endpoints` is true.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .network import Network

# What the tasks call: image pulls, logs, secrets at start, custom metrics.
INTERFACE_SERVICES = ("ecr.api", "ecr.dkr", "logs", "secretsmanager", "monitoring")


@dataclass(frozen=True)
class VpcEndpointsArgs:
    region: str
    network: Network
    interface_endpoints: bool
    security_group_id: pulumi.Input[str] | None
    tags: dict[str, str]


class VpcEndpoints(pulumi.ComponentResource):
    def __init__(self, name: str, args: VpcEndpointsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fibonacco:network:VpcEndpoints", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ids: dict[str, pulumi.Output[str]] = {}
        if args.network.private_route_table_ids:
            ids["s3"] = aws.ec2.VpcEndpoint(
                f"{name}-s3",
                vpc_id=args.network.vpc_id,
                service_name=f"com.amazonaws.{args.region}.s3",
                vpc_endpoint_type="Gateway",
                route_table_ids=args.network.private_route_table_ids,
                tags=args.tags,
                opts=child,
            ).id
        if args.interface_endpoints:
            if args.security_group_id is None:
                raise ValueError("interface endpoints need their security group")
            for service in INTERFACE_SERVICES:
                ids[service] = aws.ec2.VpcEndpoint(
                    f"{name}-{service.replace('.', '-')}",
                    vpc_id=args.network.vpc_id,
                    service_name=f"com.amazonaws.{args.region}.{service}",
                    vpc_endpoint_type="Interface",
                    private_dns_enabled=True,
                    subnet_ids=args.network.private_subnet_ids,
                    security_group_ids=[args.security_group_id],
                    tags=args.tags,
                    opts=child,
                ).id
        self.endpoint_ids = ids
        self.register_outputs({"endpoint_ids": ids})
