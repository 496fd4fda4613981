"""New VPC (plan: VPC): public, private and database subnets in each AZ, IGW, NAT, separate route tables."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .network import Network


@dataclass(frozen=True)
class VpcArgs:
    prefix: str
    cidr: str
    az_count: int
    nat_gateway_count: int
    tags: dict[str, str]


class Vpc(pulumi.ComponentResource):
    network: Network

    def __init__(self, name: str, args: VpcArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fibonacco:network:Vpc", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        zones = aws.get_availability_zones(state="available").names[: args.az_count]
        if len(zones) < args.az_count:
            raise ValueError(f"the region has {len(zones)} available AZs, az_count wants {args.az_count}")
        # /20 blocks: tier t, zone z -> block 4*t + z (room for 4 AZs per tier, 4091 addresses each).
        blocks = list(ipaddress.ip_network(args.cidr).subnets(new_prefix=20))

        def tagged(name: str, **extra: str) -> dict[str, str]:
            return {**args.tags, "Name": f"{args.prefix}-{name}", **extra}

        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr,
            enable_dns_hostnames=True,  # needed by interface endpoints' private DNS and RDS endpoints
            enable_dns_support=True,
            tags=tagged("vpc"),
            opts=child,
        )
        # The default security group allows all traffic between its members; strip it so nothing uses it.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg",
            vpc_id=self.vpc.id,
            ingress=[],
            egress=[],
            tags=tagged("default"),
            opts=child,
        )
        igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=self.vpc.id, tags=tagged("igw"), opts=child)

        def subnets(tier: int, kind: str, public: bool) -> list[aws.ec2.Subnet]:
            return [
                aws.ec2.Subnet(
                    f"{name}-{kind}-{zone}",
                    vpc_id=self.vpc.id,
                    cidr_block=str(blocks[4 * tier + index]),
                    availability_zone=zone,
                    map_public_ip_on_launch=public,
                    tags=tagged(f"{kind}-{zone}", Tier=kind),
                    opts=child,
                )
                for index, zone in enumerate(zones)
            ]

        public = subnets(0, "public", True)
        private = subnets(1, "private", False)
        database = subnets(2, "database", False)

        public_rt = aws.ec2.RouteTable(
            f"{name}-public-rt",
            vpc_id=self.vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=igw.id)],
            tags=tagged("public"),
            opts=child,
        )
        for subnet, zone in zip(public, zones, strict=True):
            aws.ec2.RouteTableAssociation(
                f"{name}-public-rta-{zone}", subnet_id=subnet.id, route_table_id=public_rt.id, opts=child
            )

        nats = []
        for index in range(args.nat_gateway_count):
            eip = aws.ec2.Eip(f"{name}-nat-eip-{index}", domain="vpc", tags=tagged(f"nat-{index}"), opts=child)
            nats.append(
                aws.ec2.NatGateway(
                    f"{name}-nat-{index}",
                    allocation_id=eip.id,
                    subnet_id=public[index].id,
                    tags=tagged(f"nat-{index}"),
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]),
                )
            )
        # Private subnets reach the internet (provider APIs) only outbound, through a NAT in their own AZ if
        # any.
        private_rts = []
        for index, (subnet, zone) in enumerate(zip(private, zones, strict=True)):
            rt = aws.ec2.RouteTable(
                f"{name}-private-rt-{zone}",
                vpc_id=self.vpc.id,
                routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", nat_gateway_id=nats[index % len(nats)].id)],
                tags=tagged(f"private-{zone}"),
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-rta-{zone}", subnet_id=subnet.id, route_table_id=rt.id, opts=child
            )
            private_rts.append(rt)
        # Database subnets have no route out of the VPC at all.
        database_rt = aws.ec2.RouteTable(
            f"{name}-database-rt", vpc_id=self.vpc.id, routes=[], tags=tagged("database"), opts=child
        )
        for subnet, zone in zip(database, zones, strict=True):
            aws.ec2.RouteTableAssociation(
                f"{name}-database-rta-{zone}", subnet_id=subnet.id, route_table_id=database_rt.id, opts=child
            )

        self.network = Network(
            vpc_id=self.vpc.id,
            public_subnet_ids=[s.id for s in public],
            private_subnet_ids=[s.id for s in private],
            database_subnet_ids=[s.id for s in database],
            private_route_table_ids=[rt.id for rt in private_rts],
        )
        self.register_outputs(
            {
                "vpc_id": self.vpc.id,
                "public_subnet_ids": self.network.public_subnet_ids,
                "private_subnet_ids": self.network.private_subnet_ids,
                "database_subnet_ids": self.network.database_subnet_ids,
            }
        )
