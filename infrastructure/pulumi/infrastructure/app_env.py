"""The configuration contract (DESIGN.md §5) as the tasks see it: plain settings vs. secrets.

Every value here is non-secret; anything secret is a Secrets Manager reference (`secrets`), never
`environment`.
AWS credentials are not passed at all: boto3 picks up the task role.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi

from .config import CONTAINER_PORT, StackConfig


@dataclass(frozen=True)
class Endpoints:
    db_host: pulumi.Input[str]
    db_port: pulumi.Input[int]
    redis_host: pulumi.Input[str]
    redis_port: int
    assets_bucket: pulumi.Input[str]
    db_secret_arn: pulumi.Input[str]


def app_environment(cfg: StackConfig, endpoints: Endpoints) -> dict[str, pulumi.Input[str]]:
    app = cfg.app
    env: dict[str, pulumi.Input[str]] = {
        "APP_NAME": "Fibonacco Operations Platform",
        "APP_ENV": app.app_env,
        "APP_DEBUG": "false",
        "APP_URL": f"https://{cfg.domains.api}",
        "CORS_ORIGINS": json.dumps([f"https://{domain}" for domain in cfg.domains.frontend]),
        "HOST": "0.0.0.0",  # noqa: S104 - inside the task's private ENI, reached only from the ALB
        "PORT": str(CONTAINER_PORT),
        "LOG_FORMAT": "json",
        "DB_CONNECTION": "pgsql",
        "DB_HOST": endpoints.db_host,
        "DB_PORT": pulumi.Output.from_input(endpoints.db_port).apply(str),
        "DB_DATABASE": cfg.database.name,
        "DB_USERNAME": cfg.database.username,
        "DB_SSLMODE": "require",
        # RDS rotates the password in this secret; the app reads it whenever it opens a connection (its ARN is
        # not a credential, and the task role may read exactly this secret).
        "DB_SECRET_ARN": endpoints.db_secret_arn,
        "REDIS_HOST": endpoints.redis_host,
        "REDIS_PORT": str(endpoints.redis_port),
        "REDIS_TLS": "true" if cfg.redis.transit_encryption else "false",
        "CACHE_DRIVER": "redis",
        "QUEUE_CONNECTION": "redis",
        "SESSION_DRIVER": "redis",
        "AWS_DEFAULT_REGION": cfg.region,
        "AWS_BUCKET": endpoints.assets_bucket,
        "FILESYSTEM_DISK": "s3",
        "METRICS_DRIVER": "cloudwatch",
        "MAIL_MAILER": app.mail_mailer,
        "MAIL_FROM_ADDRESS": app.mail_from_address,
        "SMS_DRIVER": app.sms_driver,
        "VOICE_DRIVER": app.voice_driver,
        "TTS_DRIVER": app.tts_driver,
        "LLM_PROVIDER": app.llm_provider,
        "EMBEDDINGS_PROVIDER": app.embeddings_provider,
    }
    # Identifiers, not credentials: the plan lists them beside the keys, but they are safe in plain config.
    for name, value in (
        ("TWILIO_ACCOUNT_SID", app.twilio_account_sid),
        ("TWILIO_PHONE_NUMBER", app.twilio_phone_number),
        ("STRIPE_KEY", app.stripe_key),
    ):
        if value:
            env[name] = value
    return env


def app_secrets(
    secret_arns: dict[str, pulumi.Output[str]], db_secret_arn: pulumi.Input[str]
) -> dict[str, pulumi.Input[str]]:
    """env var -> `valueFrom` for the task definitions' `secrets`."""
    refs: dict[str, pulumi.Input[str]] = dict(secret_arns)
    # RDS's own secret is JSON {"username", "password"}; ECS extracts one key with `arn:key::`. This copy is read
    # once, at task start: only `fibonacco migrate` (a fresh one-off task per release) uses it; the long-running
    # processes read DB_SECRET_ARN on every new connection, so a rotation cannot lock them out.
    refs["DB_PASSWORD"] = pulumi.Output.from_input(db_secret_arn).apply(lambda arn: f"{arn}:password::")
    return refs
