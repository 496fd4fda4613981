"""The plan's existing-VPC path (production: `use_existing_vpc: true`, `existing_vpc_id`).

Subnets are found by their `Tier` tag (public / private / database), the same tags vpc.py puts on a new VPC.
A VPC without database-tier subnets keeps the database in its private subnets.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .network import Network


@dataclass(frozen=True)
class ExistingVpcArgs:
    vpc_id: str
    min_subnets: int


class ExistingVpc(pulumi.ComponentResource):
    network: Network

    def __init__(self, name: str, args: ExistingVpcArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fibonacco:network:ExistingVpc", name, None, opts)
        vpc = aws.ec2.get_vpc(id=args.vpc_id)

        def tier(kind: str, required: bool = True) -> list[str]:
            ids = sorted(
                aws.ec2.get_subnets(
                    filters=[
                        aws.ec2.GetSubnetsFilterArgs(name="vpc-id", values=[vpc.id]),
                        aws.ec2.GetSubnetsFilterArgs(name="tag:Tier", values=[kind]),
                    ]
                ).ids
            )
            if required and len(ids) < args.min_subnets:
                raise ValueError(
                    f"VPC {args.vpc_id} has {len(ids)} subnet(s) tagged Tier={kind}; "
                    f"need one in each of {args.min_subnets} AZs"
                )
            return ids

        public, private = tier("public"), tier("private")
        database = tier("database", required=False) or private
        self.network = Network(
            vpc_id=vpc.id,
            public_subnet_ids=list(public),
            private_subnet_ids=list(private),
            database_subnet_ids=list(database),
        )
        self.register_outputs({"vpc_id": vpc.id, "vpc_cidr": vpc.cidr_block})
