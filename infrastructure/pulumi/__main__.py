"""Fibonacco Operations Platform on AWS: the deployment plan as one Pulumi program (stacks: dev, production).

Wiring only; each service is a component in infrastructure/. Exports keep the names the plan's commands read
(`pulumi stack output ecr_repository_url`, `alb_dns_name`, `s3_frontend_bucket`, `cloudfront_distribution_id`,
...).
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
from infrastructure.alarms import Alarms, AlarmsArgs
from infrastructure.alb import LoadBalancer, LoadBalancerArgs
from infrastructure.app_env import Endpoints, app_environment, app_secrets
from infrastructure.autoscaling import AutoScaling, AutoScalingArgs
from infrastructure.certificates import CLOUDFRONT_CERT_REGION, CertificateArgs, ValidatedCertificate
from infrastructure.cloudfront import Cdn, CdnArgs
from infrastructure.ecr import Registry, RegistryArgs
from infrastructure.ecs import Ecs, EcsArgs
from infrastructure.endpoints import VpcEndpoints, VpcEndpointsArgs
from infrastructure.existing_vpc import ExistingVpc, ExistingVpcArgs
from infrastructure.rds import Database, DatabaseArgs
from infrastructure.redis import Redis, RedisArgs
from infrastructure.route53 import AliasTarget, DnsRecords, DnsRecordsArgs, lookup_zone_id
from infrastructure.s3 import Storage, StorageArgs
from infrastructure.secrets import Secrets, SecretsArgs
from infrastructure.security_groups import SecurityGroups, SecurityGroupsArgs
from infrastructure.vpc import Vpc, VpcArgs

from infrastructure import config

cfg = config.load()
prefix, tags, production = cfg.prefix, cfg.tags, cfg.is_production
account_id = aws.get_caller_identity().account_id

# --- Phase 1: networking ---
net = cfg.network
if net.use_existing_vpc:
    assert net.existing_vpc_id is not None  # config.load() refuses the combination otherwise
    network = ExistingVpc("vpc", ExistingVpcArgs(vpc_id=net.existing_vpc_id, min_subnets=net.az_count)).network
else:
    network = Vpc("vpc", VpcArgs(prefix, net.vpc_cidr, net.az_count, net.nat_gateway_count, tags)).network
groups = SecurityGroups(
    "sg", SecurityGroupsArgs(prefix, network.vpc_id, config.CONTAINER_PORT, net.vpc_endpoints, tags)
)
VpcEndpoints(
    "endpoints",
    VpcEndpointsArgs(cfg.region, network, net.vpc_endpoints, groups.endpoints.id if groups.endpoints else None, tags),
)

# --- Phase 1: data, storage, registry, secrets ---
database = Database(
    "rds", DatabaseArgs(prefix, cfg.database, network.database_subnet_ids, groups.rds.id, production, tags)
)
redis = Redis("redis", RedisArgs(prefix, cfg.redis, network.private_subnet_ids, groups.redis.id, tags))
storage = Storage("s3", StorageArgs(cfg.project_name, cfg.environment, production, tags))
registry = Registry("ecr", RegistryArgs(cfg.project_name, cfg.environment, production, tags))
secrets = Secrets("secrets", SecretsArgs(prefix, cfg.app, cfg.secret_values, tags))

# --- TLS and DNS ---
zone_id = lookup_zone_id(cfg.domains.zone)
api_cert = ValidatedCertificate("api-cert", CertificateArgs((cfg.domains.api,), zone_id, cfg.region, tags))
cdn_cert = ValidatedCertificate(
    "cdn-cert", CertificateArgs(cfg.domains.frontend, zone_id, CLOUDFRONT_CERT_REGION, tags)
)

# --- Phase 2: load balancer and containers ---
alb = LoadBalancer(
    "alb",
    LoadBalancerArgs(prefix, network.vpc_id, network.public_subnet_ids, groups.alb.id, api_cert.arn, production, tags),
)
endpoints = Endpoints(
    db_host=database.endpoint,
    db_port=database.port,
    redis_host=redis.endpoint,
    redis_port=redis.port,
    assets_bucket=storage.assets.name,
    db_secret_arn=database.master_secret_arn,
)
ecs = Ecs(
    "ecs",
    EcsArgs(
        prefix=prefix,
        region=cfg.region,
        account_id=account_id,
        image=pulumi.Output.concat(registry.repository_url, ":", cfg.image_tag),
        repository_arn=registry.arn,
        private_subnet_ids=network.private_subnet_ids,
        security_group_id=groups.ecs.id,
        target_group_arn=alb.target_group.arn,
        listener=alb.https_listener,
        api=cfg.api,
        workers=cfg.workers,
        scheduler=cfg.scheduler,
        migrate=cfg.migrate,
        log_retention_days=cfg.log_retention_days,
        environment=app_environment(cfg, endpoints),
        secrets=app_secrets(secrets.arns, database.master_secret_arn),
        secret_arns=[*secrets.arns.values(), database.master_secret_arn],
        db_secret_arn=database.master_secret_arn,
        assets_bucket_arn=storage.assets.arn,
        mail_domain=cfg.app.mail_domain,
        tags=tags,
    ),
)
AutoScaling(
    "autoscaling",
    AutoScalingArgs(
        prefix=prefix,
        cluster_name=ecs.cluster.name,
        api_service_name=ecs.api_service.name,
        api=cfg.api,
        workers=[(worker, ecs.worker_services[worker.name].name) for worker in cfg.workers],
        tags=tags,
    ),
)

# --- Phase 3: frontend ---
cdn = Cdn("cloudfront", CdnArgs(prefix, storage.frontend, cfg.domains.frontend, cdn_cert.arn, tags))
DnsRecords(
    "dns",
    DnsRecordsArgs(
        zone_id,
        {
            cfg.domains.api: AliasTarget(alb.dns_name, alb.zone_id, ipv6=False),
            **{domain: AliasTarget(cdn.domain_name, cdn.hosted_zone_id, ipv6=True) for domain in cfg.domains.frontend},
        },
    ),
)

# --- Phase 6: monitoring ---
monitored = {"api": ecs.api_service.name, **{n: s.name for n, s in ecs.worker_services.items()}}
if ecs.scheduler_service is not None:
    monitored["scheduler"] = ecs.scheduler_service.name
alarms = Alarms(
    "alarms",
    AlarmsArgs(
        prefix=prefix,
        account_id=account_id,
        config=cfg.alarms,
        cluster_name=ecs.cluster.name,
        cluster_arn=ecs.cluster.arn,
        services=monitored,
        alb_arn_suffix=alb.alb.arn_suffix,
        target_group_arn_suffix=alb.target_group.arn_suffix,
        db_cluster_id=database.cluster.cluster_identifier,
        redis_group_id=redis.group.replication_group_id,
        redis_nodes=cfg.redis.num_cache_clusters,
        tags=tags,
    ),
)

# --- exports (names as the plan's commands use them) ---
pulumi.export("vpc_id", network.vpc_id)
pulumi.export("public_subnet_ids", network.public_subnet_ids)
pulumi.export("private_subnet_ids", network.private_subnet_ids)
pulumi.export("database_subnet_ids", network.database_subnet_ids)
pulumi.export("rds_endpoint", database.endpoint)
pulumi.export("rds_reader_endpoint", database.reader_endpoint)
pulumi.export("rds_secret_arn", database.master_secret_arn)
pulumi.export("redis_endpoint", redis.endpoint)
pulumi.export("redis_port", redis.port)
pulumi.export("s3_frontend_bucket", storage.frontend.name)
pulumi.export("s3_assets_bucket", storage.assets.name)
pulumi.export("ecr_repository_url", registry.repository_url)
pulumi.export("ecs_cluster_name", ecs.cluster.name)
pulumi.export("ecs_service_name", ecs.api_service.name)
pulumi.export("ecs_service_names", ecs.service_names)
pulumi.export("task_definition_arn", ecs.api_task.arn)
pulumi.export("migrate_task_definition", ecs.migrate_task.family)
pulumi.export("migrate_container_name", "migrate")
# Ready for `aws ecs run-task --network-configuration` (the deploy pipeline's migration step).
pulumi.export(
    "ecs_network_configuration",
    pulumi.Output.all(pulumi.Output.all(*network.private_subnet_ids), groups.ecs.id).apply(
        lambda parts: json.dumps(
            {
                "awsvpcConfiguration": {
                    "subnets": parts[0],
                    "securityGroups": [parts[1]],
                    "assignPublicIp": "DISABLED",
                }
            }
        )
    ),
)
pulumi.export("scheduler_mode", cfg.scheduler.mode)
# The EventBridge rule starting `schedule run` ("" when the scheduler is a service); deploy.sh checks its target.
pulumi.export("scheduler_rule_name", ecs.scheduler_rule.name if ecs.scheduler_rule is not None else "")
# The release every task runs; `deploy.sh infrastructure` passes it back so `pulumi up` keeps it.
pulumi.export("image_tag", cfg.image_tag)
pulumi.export("log_group_name", ecs.log_group.name)
pulumi.export("alb_dns_name", alb.dns_name)
pulumi.export("target_group_arn", alb.target_group.arn)
pulumi.export("cloudfront_distribution_id", cdn.distribution_id)
# The plan feeds this to a DNS record, so it is the distribution's domain name, not a URL with a scheme.
pulumi.export("cloudfront_url", cdn.domain_name)
pulumi.export("api_url", f"https://{cfg.domains.api}")
pulumi.export("frontend_urls", [f"https://{domain}" for domain in cfg.domains.frontend])
pulumi.export("alarm_topic_arn", alarms.topic.arn)
pulumi.export("secret_arns", secrets.arns)
