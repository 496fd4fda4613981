"""ElastiCache Redis 7 (plan: ElastiCache): private subnets, at-rest encryption, Multi-AZ and TLS in prod.

Redis is the job broker, so `maxmemory-policy noeviction`: a full Redis refuses writes (and the memory alarm
fires) instead of silently dropping queued jobs.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .config import RedisConfig

REDIS_PORT = 6379


@dataclass(frozen=True)
class RedisArgs:
    prefix: str
    config: RedisConfig
    subnet_ids: list[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    tags: dict[str, str]


class Redis(pulumi.ComponentResource):
    def __init__(self, name: str, args: RedisArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fibonacco:data:Redis", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        cfg = args.config
        major = cfg.engine_version.split(".")[0]
        subnet_group = aws.elasticache.SubnetGroup(
            f"{name}-subnets",
            name=f"{args.prefix}-redis",
            description=f"{args.prefix} Redis (private subnets)",
            subnet_ids=args.subnet_ids,
            tags=args.tags,
            opts=child,
        )
        parameters = aws.elasticache.ParameterGroup(
            f"{name}-params",
            name=f"{args.prefix}-redis{major}",
            family=f"redis{major}",
            description=f"{args.prefix}: never evict queued jobs",
            parameters=[aws.elasticache.ParameterGroupParameterArgs(name="maxmemory-policy", value="noeviction")],
            tags=args.tags,
            opts=child,
        )
        multi_az = cfg.num_cache_clusters > 1
        self.group = aws.elasticache.ReplicationGroup(
            f"{name}-group",
            replication_group_id=f"{args.prefix}-redis",
            description=f"{args.prefix} cache, locks and job queues",
            engine="redis",
            engine_version=cfg.engine_version,
            node_type=cfg.node_type,
            num_cache_clusters=cfg.num_cache_clusters,
            port=REDIS_PORT,
            parameter_group_name=parameters.name,
            subnet_group_name=subnet_group.name,
            security_group_ids=[args.security_group_id],
            automatic_failover_enabled=multi_az,
            multi_az_enabled=multi_az,
            at_rest_encryption_enabled=True,
            transit_encryption_enabled=cfg.transit_encryption,
            snapshot_retention_limit=7 if multi_az else 1,
            snapshot_window="03:00-04:00",
            maintenance_window="sun:05:00-sun:06:00",
            auto_minor_version_upgrade=True,
            tags=args.tags,
            opts=child,
        )
        self.endpoint = self.group.primary_endpoint_address
        self.port = REDIS_PORT
        self.register_outputs({"endpoint": self.endpoint})
