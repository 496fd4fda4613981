"""Aurora PostgreSQL (plan: RDS): encrypted, VPC-only, 7-day backups at 03:00-04:00 UTC, Multi-AZ in prod.

The master password is generated and kept by RDS in Secrets Manager (`manage_master_user_password`), so it
never passes through Pulumi's state; the tasks read it from there. Aurora keeps point-in-time recovery for the
whole backup retention period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .config import DatabaseConfig


def _secret_arn(secrets: Sequence[aws.rds.outputs.ClusterMasterUserSecret]) -> str:
    if not secrets or not secrets[0].secret_arn:
        raise ValueError("the cluster has no RDS-managed master secret (manage_master_user_password)")
    return secrets[0].secret_arn


@dataclass(frozen=True)
class DatabaseArgs:
    prefix: str
    config: DatabaseConfig
    subnet_ids: list[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    production: bool
    tags: dict[str, str]


class Database(pulumi.ComponentResource):
    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fibonacco:data:Database", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        cfg = args.config
        major = cfg.engine_version.split(".")[0]
        subnet_group = aws.rds.SubnetGroup(
            f"{name}-subnets",
            name=f"{args.prefix}-db",
            subnet_ids=args.subnet_ids,
            tags=args.tags,
            opts=child,
        )
        parameters = aws.rds.ClusterParameterGroup(
            f"{name}-params",
            name=f"{args.prefix}-aurora-pg{major}",
            family=f"aurora-postgresql{major}",
            description=f"{args.prefix}: TLS required",
            # Encryption in transit: the server refuses unencrypted connections (clients use
            # DB_SSLMODE=require).
            parameters=[aws.rds.ClusterParameterGroupParameterArgs(name="rds.force_ssl", value="1")],
            tags=args.tags,
            opts=child,
        )
        self.cluster = aws.rds.Cluster(
            f"{name}-cluster",
            cluster_identifier=f"{args.prefix}-db",
            engine=aws.rds.EngineType.AURORA_POSTGRESQL,
            engine_version=cfg.engine_version,
            database_name=cfg.name,
            master_username=cfg.username,
            manage_master_user_password=True,
            db_subnet_group_name=subnet_group.name,
            db_cluster_parameter_group_name=parameters.name,
            vpc_security_group_ids=[args.security_group_id],
            storage_encrypted=True,
            backup_retention_period=cfg.backup_retention_days,
            preferred_backup_window=cfg.backup_window,
            preferred_maintenance_window=cfg.maintenance_window,
            copy_tags_to_snapshot=True,
            deletion_protection=cfg.deletion_protection,
            # Production keeps a final snapshot if the cluster is ever deleted; dev can be torn down cleanly.
            skip_final_snapshot=not args.production,
            final_snapshot_identifier=f"{args.prefix}-db-final" if args.production else None,
            enabled_cloudwatch_logs_exports=["postgresql"],
            apply_immediately=not args.production,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, protect=args.production),
        )
        # Instance 0 is the writer; the others are readers that Aurora places in other AZs and fails over to.
        self.instances = [
            aws.rds.ClusterInstance(
                f"{name}-instance-{index}",
                identifier=f"{args.prefix}-db-{index}",
                cluster_identifier=self.cluster.id,
                engine=aws.rds.EngineType.AURORA_POSTGRESQL,
                engine_version=self.cluster.engine_version,
                instance_class=cfg.instance_class,
                db_subnet_group_name=subnet_group.name,
                publicly_accessible=False,
                performance_insights_enabled=args.production,
                promotion_tier=index,
                auto_minor_version_upgrade=True,
                tags=args.tags,
                opts=child,
            )
            for index in range(cfg.instance_count)
        ]
        self.endpoint = self.cluster.endpoint
        self.reader_endpoint = self.cluster.reader_endpoint
        self.port = self.cluster.port
        # ARN of the RDS-managed secret holding {"username", "password"}.
        self.master_secret_arn: pulumi.Output[str] = self.cluster.master_user_secrets.apply(_secret_arn)
        self.register_outputs(
            {
                "endpoint": self.endpoint,
                "reader_endpoint": self.reader_endpoint,
                "master_secret_arn": self.master_secret_arn,
            }
        )
