"""The stack's configuration, read once and validated here; every other module takes these dataclasses.

Keys are the plan's (`project_name`, `environment`, `use_existing_vpc`, `existing_vpc_id`, ...) plus the
sizes its cost tables give. A bad value fails `pulumi up`/`preview` with a message naming the key.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any, Literal

import pulumi

QUEUES = ("default", "emails", "sms", "calls", "tts", "embeddings")
# The scheduler publishes one `QueueDepth` datapoint per queue every minute (DESIGN.md §8).
QUEUE_METRIC_NAMESPACE = "Fibonacco/Queues"
QUEUE_METRIC_NAME = "QueueDepth"
# Custom metrics the application may publish; the task role's PutMetricData is limited to these.
APP_METRIC_NAMESPACE_PATTERN = "Fibonacco/*"
# A non-root process cannot bind port 80, so the container listens on 8000 (docs/deployment.md).
CONTAINER_PORT = 8000

_FARGATE_MEMORY = {  # valid Fargate memory (MiB) per CPU unit
    256: range(512, 2049, 512),
    512: range(1024, 4097, 1024),
    1024: range(2048, 8193, 1024),
    2048: range(4096, 16385, 1024),
    4096: range(8192, 30721, 1024),
}
_VPC_ID = re.compile(r"^vpc-[0-9a-f]{8}([0-9a-f]{9})?$")


class ConfigError(ValueError):
    """A stack configuration value is missing or invalid; the message names the key."""


@dataclass(frozen=True)
class TaskSize:
    cpu: int
    memory: int

    def validate(self, key: str) -> None:
        allowed = _FARGATE_MEMORY.get(self.cpu)
        if allowed is None:
            raise ConfigError(f"{key}.cpu={self.cpu}: Fargate accepts {sorted(_FARGATE_MEMORY)}")
        if self.memory not in allowed:
            raise ConfigError(f"{key}.memory={self.memory} is not valid for cpu={self.cpu} on Fargate")


@dataclass(frozen=True)
class ApiConfig:
    size: TaskSize
    min_count: int
    max_count: int
    cpu_target: float = 70.0
    scale_in_cooldown: int = 300
    scale_out_cooldown: int = 60


@dataclass(frozen=True)
class WorkerConfig:
    name: str
    queues: tuple[str, ...]
    size: TaskSize
    processes: int
    threads: int
    min_count: int
    max_count: int
    # Target of the queue-depth scaling policy: jobs waiting per running task.
    backlog_per_task: int


@dataclass(frozen=True)
class SchedulerConfig:
    # "service": one continuous `fibonacco scheduler` task; "eventbridge": `fibonacco schedule run` every
    # minute.
    mode: Literal["service", "eventbridge"]
    size: TaskSize


@dataclass(frozen=True)
class NetworkConfig:
    use_existing_vpc: bool
    existing_vpc_id: str | None
    vpc_cidr: str
    az_count: int
    nat_gateway_count: int
    vpc_endpoints: bool


@dataclass(frozen=True)
class DatabaseConfig:
    engine_version: str
    instance_class: str
    instance_count: int
    name: str
    username: str
    backup_retention_days: int
    backup_window: str
    maintenance_window: str
    deletion_protection: bool


@dataclass(frozen=True)
class RedisConfig:
    engine_version: str
    node_type: str
    num_cache_clusters: int
    transit_encryption: bool


@dataclass(frozen=True)
class DomainConfig:
    zone: str
    api: str
    frontend: tuple[str, ...]


@dataclass(frozen=True)
class AppConfig:
    app_env: str
    mail_from_address: str
    mail_mailer: str
    sms_driver: str
    voice_driver: str
    tts_driver: str
    llm_provider: str
    embeddings_provider: str
    payments: bool
    twilio_account_sid: str | None
    twilio_phone_number: str | None
    stripe_key: str | None

    @property
    def mail_domain(self) -> str:
        return self.mail_from_address.rsplit("@", 1)[-1]


@dataclass(frozen=True)
class AlarmConfig:
    email: str | None
    # Optional HTTPS endpoint (a chat webhook, an incident tool) subscribed to the alarm topic.
    https_endpoint: str | None
    cpu_percent: float
    memory_percent: float
    queue_depth: int
    db_connections: int
    redis_memory_percent: float


@dataclass(frozen=True)
class StackConfig:
    region: str
    project_name: str
    environment: str
    network: NetworkConfig
    database: DatabaseConfig
    redis: RedisConfig
    api: ApiConfig
    workers: tuple[WorkerConfig, ...]
    scheduler: SchedulerConfig
    migrate: TaskSize
    domains: DomainConfig
    app: AppConfig
    alarms: AlarmConfig
    log_retention_days: int
    # The image every task runs: an immutable tag (the git SHA), set by scripts/deploy.sh, never `latest`.
    image_tag: str
    # Secret values given with `pulumi config set --secret`, keyed by config key; absent ones are set by hand.
    secret_values: dict[str, pulumi.Output[str]]

    @property
    def prefix(self) -> str:
        """Name prefix of every resource, so dev and production can share an account."""
        return f"{self.project_name}-{self.environment}"

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def tags(self) -> dict[str, str]:
        return {"Project": self.project_name, "Environment": self.environment, "ManagedBy": "pulumi"}


# Secret config keys the program understands (all optional; see secrets.py for where each one goes).
SECRET_CONFIG_KEYS = (
    "app_key",
    "elevenlabs_api_key",
    "openrouter_api_key",
    "openai_api_key",
    "twilio_auth_token",
    "stripe_secret",
    "stripe_webhook_secret",
)


def _task_size(raw: dict[str, Any], key: str, default: TaskSize) -> TaskSize:
    size = TaskSize(cpu=int(raw.get("cpu", default.cpu)), memory=int(raw.get("memory", default.memory)))
    size.validate(key)
    return size


def _counts(raw: dict[str, Any], key: str, min_default: int, max_default: int) -> tuple[int, int]:
    low, high = int(raw.get("min_count", min_default)), int(raw.get("max_count", max_default))
    if not 0 < low <= high:
        raise ConfigError(f"{key}: need 0 < min_count <= max_count, got {low}..{high}")
    return low, high


def _workers(raw: list[dict[str, Any]]) -> tuple[WorkerConfig, ...]:
    if not raw:
        raise ConfigError("workers: at least one worker service is needed")
    workers, served = [], set()
    for index, item in enumerate(raw):
        key = f"workers[{index}]"
        queues = tuple(item.get("queues", QUEUES))
        unknown = set(queues) - set(QUEUES)
        if unknown:
            raise ConfigError(f"{key}.queues: unknown queue(s) {sorted(unknown)}; known: {list(QUEUES)}")
        served |= set(queues)
        low, high = _counts(item, key, 1, 4)
        workers.append(
            WorkerConfig(
                name=str(item.get("name", f"worker-{index}")),
                queues=queues,
                size=_task_size(item, key, TaskSize(256, 512)),
                processes=int(item.get("processes", 1)),
                threads=int(item.get("threads", 8)),
                min_count=low,
                max_count=high,
                backlog_per_task=int(item.get("backlog_per_task", 100)),
            )
        )
    missing = set(QUEUES) - served
    if missing:
        raise ConfigError(f"workers: no worker serves queue(s) {sorted(missing)}; their jobs would never run")
    names = [w.name for w in workers]
    if len(set(names)) != len(names):
        raise ConfigError(f"workers: names must be unique, got {names}")
    return tuple(workers)


def _network(cfg: pulumi.Config) -> NetworkConfig:
    use_existing = cfg.get_bool("use_existing_vpc") or False
    existing_id = cfg.get("existing_vpc_id")
    if use_existing and not (existing_id and _VPC_ID.match(existing_id)):
        raise ConfigError(
            f"existing_vpc_id={existing_id!r}: use_existing_vpc is true, so set the real VPC id (vpc-0123abcd...)"
        )
    cidr = cfg.get("vpc_cidr") or "10.0.0.0/16"
    try:
        if ipaddress.ip_network(cidr).prefixlen > 16:
            raise ConfigError(f"vpc_cidr={cidr}: needs a /16 or larger for the three subnet tiers")
    except ValueError as exc:
        raise ConfigError(f"vpc_cidr={cidr}: {exc}") from None
    az_count = cfg.get_int("az_count") or 2
    if az_count < 2:
        raise ConfigError("az_count: the ALB, Aurora and ElastiCache subnet groups need at least 2 AZs")
    nat_count = cfg.get_int("nat_gateway_count") or az_count
    if not 1 <= nat_count <= az_count:
        raise ConfigError(f"nat_gateway_count={nat_count}: must be between 1 and az_count={az_count}")
    return NetworkConfig(
        use_existing_vpc=use_existing,
        existing_vpc_id=existing_id if use_existing else None,
        vpc_cidr=cidr,
        az_count=az_count,
        nat_gateway_count=nat_count,
        vpc_endpoints=cfg.get_bool("vpc_endpoints") or False,
    )


def _node_count(cfg: pulumi.Config, key: str, production: bool) -> int:
    """Database instances / cache nodes: production is Multi-AZ, so it needs a primary and a replica."""
    count = cfg.get_int(key) or (2 if production else 1)
    if production and count < 2:
        raise ConfigError(f"{key}={count}: production is Multi-AZ, so it needs a primary and a replica (>= 2)")
    return count


def _database(cfg: pulumi.Config, production: bool) -> DatabaseConfig:
    count = _node_count(cfg, "db_instance_count", production)
    return DatabaseConfig(
        engine_version=cfg.get("db_engine_version") or "15.15",
        instance_class=cfg.require("db_instance_class"),
        instance_count=count,
        name=cfg.get("db_name") or "learning_center",
        username=cfg.get("db_username") or "postgres",
        backup_retention_days=cfg.get_int("db_backup_retention_days") or 7,
        backup_window=cfg.get("db_backup_window") or "03:00-04:00",
        # After the backup window, so the two never overlap.
        maintenance_window=cfg.get("db_maintenance_window") or "sun:04:30-sun:05:30",
        deletion_protection=cfg.get_bool("db_deletion_protection") is not False,
    )


def _redis(cfg: pulumi.Config, production: bool) -> RedisConfig:
    count = _node_count(cfg, "redis_num_cache_clusters", production)
    return RedisConfig(
        engine_version=cfg.get("redis_engine_version") or "7.1",
        node_type=cfg.require("redis_node_type"),
        num_cache_clusters=count,
        transit_encryption=cfg.get_bool("redis_transit_encryption") or False,
    )


def _app(raw: dict[str, Any]) -> AppConfig:
    return AppConfig(
        app_env=str(raw.get("app_env", "production")),
        mail_from_address=str(raw.get("mail_from_address", "noreply@fibonacco.com")),
        mail_mailer=str(raw.get("mail_mailer", "ses")),
        sms_driver=str(raw.get("sms_driver", "twilio")),
        voice_driver=str(raw.get("voice_driver", "twilio")),
        tts_driver=str(raw.get("tts_driver", "elevenlabs")),
        llm_provider=str(raw.get("llm_provider", "openrouter")),
        embeddings_provider=str(raw.get("embeddings_provider", "openai")),
        payments=bool(raw.get("payments", True)),
        twilio_account_sid=raw.get("twilio_account_sid"),
        twilio_phone_number=raw.get("twilio_phone_number"),
        stripe_key=raw.get("stripe_key"),
    )


def _alarms(raw: dict[str, Any]) -> AlarmConfig:
    https_endpoint = raw.get("https_endpoint")
    if https_endpoint and not str(https_endpoint).startswith("https://"):
        raise ConfigError(f"alarms.https_endpoint={https_endpoint!r}: must be an https:// URL")
    return AlarmConfig(
        email=raw.get("email"),
        https_endpoint=https_endpoint,
        cpu_percent=float(raw.get("cpu_percent", 80)),
        memory_percent=float(raw.get("memory_percent", 80)),
        queue_depth=int(raw.get("queue_depth", 1000)),
        db_connections=int(raw.get("db_connections", 300)),
        redis_memory_percent=float(raw.get("redis_memory_percent", 80)),
    )


def _image_tag(cfg: pulumi.Config) -> str:
    tag = cfg.get("image_tag")
    if not tag:
        raise ConfigError(
            "image_tag: required, the git SHA of the image to run; scripts/deploy.sh passes it "
            "(`deploy.sh infrastructure` keeps the deployed one, `deploy.sh backend` releases a new one)"
        )
    if tag == "latest":
        raise ConfigError(
            "image_tag=latest: deploy an immutable tag (the git SHA), so new code never meets an old schema"
        )
    return tag


def load() -> StackConfig:
    """Read and validate this stack's configuration (the only place that touches pulumi.Config)."""
    cfg = pulumi.Config()
    environment = cfg.require("environment")
    production = environment == "production"
    api_raw = cfg.get_object("api") or {}
    api_min, api_max = _counts(api_raw, "api", 1, 10)
    scheduler_raw = cfg.get_object("scheduler") or {}
    mode = scheduler_raw.get("mode", "service")
    if mode not in ("service", "eventbridge"):
        raise ConfigError(f"scheduler.mode={mode!r}: use 'service' or 'eventbridge'")
    domains_raw = cfg.require_object("domains")
    for key in ("zone", "api"):
        if not domains_raw.get(key):
            raise ConfigError(f"domains.{key}: required (the hosted zone and the API's domain name)")
    frontend = tuple(domains_raw.get("frontend", ()))
    if not frontend:
        raise ConfigError("domains.frontend: name at least one frontend domain (app, learn)")
    return StackConfig(
        region=pulumi.Config("aws").require("region"),
        project_name=cfg.require("project_name"),
        environment=environment,
        network=_network(cfg),
        database=_database(cfg, production),
        redis=_redis(cfg, production),
        api=ApiConfig(
            size=_task_size(api_raw, "api", TaskSize(512, 1024)),
            min_count=api_min,
            max_count=api_max,
            cpu_target=float(api_raw.get("cpu_target", 70)),
        ),
        workers=_workers(cfg.get_object("workers") or [{}]),
        scheduler=SchedulerConfig(mode=mode, size=_task_size(scheduler_raw, "scheduler", TaskSize(256, 512))),
        migrate=_task_size(cfg.get_object("migrate") or {}, "migrate", TaskSize(256, 512)),
        domains=DomainConfig(zone=str(domains_raw["zone"]), api=str(domains_raw["api"]), frontend=frontend),
        app=_app(cfg.get_object("app") or {}),
        alarms=_alarms(cfg.get_object("alarms") or {}),
        log_retention_days=cfg.get_int("log_retention_days") or 7,
        image_tag=_image_tag(cfg),
        secret_values={key: value for key in SECRET_CONFIG_KEYS if (value := cfg.get_secret(key)) is not None},
    )
