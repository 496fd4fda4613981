"""What every other component needs from the network, whichever VPC module produced it."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi


@dataclass(frozen=True)
class Network:
    vpc_id: pulumi.Input[str]
    public_subnet_ids: list[pulumi.Input[str]]
    private_subnet_ids: list[pulumi.Input[str]]
    database_subnet_ids: list[pulumi.Input[str]]
    # Route tables of the private subnets, for the free S3 gateway endpoint (empty for an existing VPC).
    private_route_table_ids: list[pulumi.Input[str]] = field(default_factory=list)
