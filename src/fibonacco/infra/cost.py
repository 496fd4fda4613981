"""The plan's monthly cost table, computed from a Pulumi stack file's sizes and the prices in prices.json.

Sizes (instance classes, node counts, task CPU/memory and counts, NAT gateways, endpoints) come from
`infrastructure/pulumi/Pulumi.<stack>.yaml`, so changing a size there changes the estimate. Pay-per-use lines
(CloudFront, S3, NAT data, logs) use the usage assumptions kept next to the prices. The baseline is the
minimum task count of every auto-scaled service: what the stack costs when idle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fibonacco.config import PROJECT_ROOT

PRICES_FILE = Path(__file__).with_name("prices.json")
PULUMI_DIR = PROJECT_ROOT / "infrastructure" / "pulumi"
# Interface endpoints infrastructure/pulumi creates when `vpc_endpoints` is on (ecr.api, ecr.dkr, logs, ...).
INTERFACE_ENDPOINTS = 5


class CostError(ValueError):
    """The stack file names a size prices.json has no price for, or the stack file is missing."""


@dataclass(frozen=True)
class CostLine:
    resource: str
    size: str
    monthly: float
    plan_estimate: float | None = None


@dataclass(frozen=True)
class CostReport:
    stack: str
    region: str
    prices_as_of: str
    lines: list[CostLine] = field(default_factory=list)

    @property
    def total(self) -> float:
        return round(sum(line.monthly for line in self.lines), 2)

    def as_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "region": self.region,
            "prices_as_of": self.prices_as_of,
            "lines": [line.__dict__ for line in self.lines],
            "total": self.total,
        }


def stack_file(stack: str) -> Path:
    return PULUMI_DIR / f"Pulumi.{stack}.yaml"


def load_prices(path: Path = PRICES_FILE) -> dict[str, Any]:
    prices: dict[str, Any] = json.loads(path.read_text())
    return prices


def _stack_config(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise CostError(f"no stack file {path}")
    raw = yaml.safe_load(path.read_text()).get("config", {})
    # Keys without the project prefix, e.g. `learning-center:db_instance_class` -> `db_instance_class`.
    return {key.split(":", 1)[1]: value for key, value in raw.items() if not key.startswith("aws:")}


def _price(table: dict[str, float], key: str, what: str) -> float:
    if key not in table:
        raise CostError(f"no price for {what} {key!r} in prices.json (known: {', '.join(sorted(table))})")
    return table[key]


def _fargate(prices: dict[str, Any], tasks: list[tuple[str, int, int, int]]) -> tuple[float, str]:
    """tasks: (role, count, cpu units, memory MiB) -> (monthly cost, description)."""
    hours = prices["hours_per_month"]
    cost = sum(
        count * hours * (cpu / 1024 * prices["fargate_vcpu_hour"] + memory / 1024 * prices["fargate_gb_hour"])
        for _, count, cpu, memory in tasks
    )
    described = ", ".join(
        f"{role} {count}x {cpu / 1024:g} vCPU/{memory / 1024:g} GB" for role, count, cpu, memory in tasks
    )
    return cost, described


def _secret_count(app: dict[str, Any]) -> int:
    """APP_KEY, the RDS-managed secret, and one per credential the configured drivers use (see secrets.py)."""
    drivers: list[bool] = [
        app.get("tts_driver", "elevenlabs") == "elevenlabs",
        app.get("llm_provider", "openrouter") == "openrouter",
        "openai" in (app.get("llm_provider"), app.get("embeddings_provider", "openai")),
        "twilio" in (app.get("sms_driver", "twilio"), app.get("voice_driver", "twilio")),
    ]
    return 2 + sum(drivers) + (2 if app.get("payments", True) else 0)


def estimate(stack: str, path: Path | None = None, prices: dict[str, Any] | None = None) -> CostReport:
    prices = prices or load_prices()
    cfg = _stack_config(path or stack_file(stack))
    environment = cfg.get("environment", stack)
    usage = prices["usage_assumptions"].get(environment) or prices["usage_assumptions"]["dev"]
    plan = prices["plan_estimates"].get(environment, {})
    hours = prices["hours_per_month"]
    lines: list[CostLine] = []

    db_class = cfg["db_instance_class"]
    db_count = int(cfg.get("db_instance_count", 2 if environment == "production" else 1))
    db = db_count * hours * _price(prices["aurora_postgresql_instance_hour"], db_class, "Aurora instance class")
    db += (
        usage["db_storage_gb"] * prices["aurora_storage_gb_month"]
        + usage["db_io_millions"] * prices["aurora_io_per_million"]
    )
    multi_az = " (Multi-AZ)" if db_count > 1 else ""
    lines.append(CostLine("RDS", f"{db_count}x {db_class}{multi_az}, {usage['db_storage_gb']} GB", db, plan.get("RDS")))

    node_type = cfg["redis_node_type"]
    nodes = int(cfg.get("redis_num_cache_clusters", 2 if environment == "production" else 1))
    redis = nodes * hours * _price(prices["elasticache_node_hour"], node_type, "ElastiCache node type")
    lines.append(
        CostLine("Redis", f"{nodes}x {node_type}{' (Multi-AZ)' if nodes > 1 else ''}", redis, plan.get("Redis"))
    )

    api = cfg.get("api", {})
    tasks = [("api", int(api.get("min_count", 1)), int(api.get("cpu", 512)), int(api.get("memory", 1024)))]
    for worker in cfg.get("workers", [{}]):
        tasks.append(
            (
                worker.get("name", "worker"),
                int(worker.get("min_count", 1)),
                int(worker.get("cpu", 256)),
                int(worker.get("memory", 512)),
            )
        )
    scheduler = cfg.get("scheduler", {})
    # An EventBridge tick every minute is billed at Fargate's one-minute minimum: as much as a continuous
    # task.
    tasks.append(("scheduler", 1, int(scheduler.get("cpu", 256)), int(scheduler.get("memory", 512))))
    fargate, described = _fargate(prices, tasks)
    lines.append(CostLine("ECS Tasks", described, fargate, plan.get("ECS Tasks")))

    alb = hours * (prices["alb_hour"] + usage["alb_lcu"] * prices["alb_lcu_hour"])
    lines.append(CostLine("ALB", f"1 ALB, ~{usage['alb_lcu']} LCU", alb, plan.get("ALB")))
    cdn = (
        usage["cloudfront_gb"] * prices["cloudfront_gb"]
        + usage["cloudfront_requests_10k"] * prices["cloudfront_https_per_10k"]
    )
    lines.append(CostLine("CloudFront", f"~{usage['cloudfront_gb']} GB out", cdn, plan.get("CloudFront")))
    s3 = usage["s3_gb"] * prices["s3_standard_gb_month"]
    lines.append(CostLine("S3", f"~{usage['s3_gb']} GB", s3, plan.get("S3")))

    # Not in the plan's table, but part of what it builds.
    az_count = int(cfg.get("az_count", 2))
    if cfg.get("use_existing_vpc"):
        lines.append(CostLine("NAT Gateway", "existing VPC: billed to that VPC", 0.0))
    else:
        nat_count = int(cfg.get("nat_gateway_count", az_count))
        nat = nat_count * hours * prices["nat_gateway_hour"] + usage["nat_gb"] * prices["nat_gateway_gb"]
        lines.append(CostLine("NAT Gateway", f"{nat_count}x, ~{usage['nat_gb']} GB", nat))
    if cfg.get("vpc_endpoints"):
        endpoints = INTERFACE_ENDPOINTS * az_count * hours * prices["interface_endpoint_az_hour"]
        lines.append(CostLine("VPC endpoints", f"{INTERFACE_ENDPOINTS} interface x {az_count} AZ", endpoints))
    secrets = _secret_count(cfg.get("app", {}))
    security = secrets * prices["secret_month"] + prices["kms_key_month"]
    lines.append(CostLine("Secrets + KMS", f"{secrets} secrets, 1 key", security))
    monitoring = (
        usage["alarms"] * prices["cloudwatch_alarm_month"] + usage["logs_gb"] * prices["cloudwatch_logs_ingest_gb"]
    )
    lines.append(CostLine("CloudWatch", f"{usage['alarms']} alarms, ~{usage['logs_gb']} GB logs", monitoring))

    rounded = [CostLine(line.resource, line.size, round(line.monthly, 2), line.plan_estimate) for line in lines]
    return CostReport(stack=stack, region=prices["region"], prices_as_of=prices["as_of"], lines=rounded)
