"""Secrets Manager (plan: Secrets Manager): one secret per credential the running platform needs.

Names follow the plan (`{project}-{environment}/openai/api-key`, ...). The program creates every secret, so the
plan's `aws secretsmanager create-secret` would fail: the operator puts values with `aws secretsmanager
put-secret-value` (docs/deployment.md, Phase 1.7). A value given with `pulumi config set --secret <key>` seeds
the secret once; `pulumi up` never overwrites a value put by hand. The database password is not here: RDS
creates and rotates its own secret (rds.py), which the tasks read on every new connection.

Only the secrets the stack's drivers use are created and injected; the execution role reads exactly those.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .config import AppConfig


@dataclass(frozen=True)
class SecretSpec:
    env_var: str  # the variable the application reads (DESIGN.md §5)
    path: str  # under `{project}-{environment}/`
    config_key: str  # `pulumi config set --secret <config_key>`
    needed: Callable[[AppConfig], bool]


SECRET_SPECS = (
    SecretSpec("APP_KEY", "app/app-key", "app_key", lambda app: True),
    SecretSpec(
        "ELEVENLABS_API_KEY",
        "elevenlabs/api-key",
        "elevenlabs_api_key",
        lambda a: a.tts_driver == "elevenlabs",
    ),
    SecretSpec(
        "OPENROUTER_API_KEY",
        "openrouter/api-key",
        "openrouter_api_key",
        lambda a: a.llm_provider == "openrouter",
    ),
    SecretSpec(
        "OPENAI_API_KEY",
        "openai/api-key",
        "openai_api_key",
        lambda a: "openai" in (a.llm_provider, a.embeddings_provider),
    ),
    SecretSpec(
        "TWILIO_AUTH_TOKEN",
        "twilio/auth-token",
        "twilio_auth_token",
        lambda a: "twilio" in (a.sms_driver, a.voice_driver),
    ),
    SecretSpec("STRIPE_SECRET", "stripe/secret", "stripe_secret", lambda a: a.payments),
    SecretSpec("STRIPE_WEBHOOK_SECRET", "stripe/webhook-secret", "stripe_webhook_secret", lambda a: a.payments),
)


@dataclass(frozen=True)
class SecretsArgs:
    prefix: str
    app: AppConfig
    values: dict[str, pulumi.Output[str]]
    tags: dict[str, str]


class Secrets(pulumi.ComponentResource):
    def __init__(self, name: str, args: SecretsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fibonacco:security:Secrets", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # env var -> secret ARN, for the task definitions' `secrets` and the execution role's policy.
        self.arns: dict[str, pulumi.Output[str]] = {}
        for spec in SECRET_SPECS:
            if not spec.needed(args.app):
                continue
            secret = aws.secretsmanager.Secret(
                f"{name}-{spec.path.replace('/', '-')}",
                name=f"{args.prefix}/{spec.path}",
                description=f"{spec.env_var} for {args.prefix}",
                recovery_window_in_days=7,
                tags=args.tags,
                opts=child,
            )
            value = args.values.get(spec.config_key)
            if value is not None:
                aws.secretsmanager.SecretVersion(
                    f"{name}-{spec.path.replace('/', '-')}-value",
                    secret_id=secret.id,
                    # config.get_secret() values are secret outputs: encrypted in state, masked in logs.
                    secret_string=value,
                    # The config value seeds the secret once. A value put later by hand (`aws secretsmanager
                    # put-secret-value`) is never overwritten by `pulumi up`, nor is a rotated one.
                    opts=pulumi.ResourceOptions(parent=self, ignore_changes=["secret_string", "version_stages"]),
                )
            self.arns[spec.env_var] = secret.arn
        self.register_outputs({"arns": self.arns})
