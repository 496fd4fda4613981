"""The one typed settings object.

Variable names are the deployment plan's `.env` names (DESIGN.md §5), so an operator can follow the plan unchanged.
Derived values are methods. Secrets are `SecretStr`, so they never appear in a repr or a log line.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL

from fibonacco.devstack.addresses import read_addresses
from fibonacco.integrations.embeddings import MiniLMEmbedder

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Values copied from examples or left blank: refused for secrets outside development.
PLACEHOLDER_SECRETS = frozenset(
    {"", "null", "changeme", "change-me", "secret", "password", "base64:...", "dev", "development", "example"}
)


class Environment(StrEnum):
    development = "development"
    testing = "testing"
    staging = "staging"
    production = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=True)

    # --- application (plan: APP_*) ---
    APP_NAME: str = "Fibonacco Operations Platform"
    APP_ENV: Environment = Environment.development
    APP_KEY: SecretStr = SecretStr("dev-insecure-app-key")
    APP_DEBUG: bool = False
    APP_URL: str = "http://127.0.0.1:8000"  # default: http://HOST:PORT
    HOST: str = "127.0.0.1"
    PORT: int = Field(default=8000, ge=1, le=65535)
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # json (CloudWatch) or console (human, coloured); unset: console in development, json elsewhere.
    LOG_FORMAT: Literal["json", "console"] = "json"
    # Where `make dev` keeps embedded PostgreSQL/Redis data and local files (git-ignored).
    DATA_DIR: Path = PROJECT_ROOT / ".data"
    CORS_ORIGINS: list[str] = Field(default_factory=list)

    # --- database (plan: DB_*) ---
    DB_CONNECTION: Literal["pgsql"] = "pgsql"
    DB_HOST: str | None = None
    DB_PORT: int = Field(default=5432, ge=1, le=65535)
    DB_DATABASE: str = "learning_center"
    DB_USERNAME: str = "postgres"
    DB_PASSWORD: SecretStr = SecretStr("")
    DB_POOL_SIZE: int = Field(default=10, ge=1)
    # How long a checkout waits for a connection of a full pool (an API request is then answered 503).
    DB_POOL_TIMEOUT: float = Field(default=30.0, gt=0)
    DB_SSLMODE: Literal["disable", "prefer", "require"] = "prefer"
    # Secrets Manager secret (JSON with "password", RDS's managed format) read whenever a connection is opened,
    # so a rotated password is picked up without a restart; when set, DB_PASSWORD is not used by the app's engine.
    DB_SECRET_ARN: str | None = None

    # --- redis (plan: REDIS_*, *_DRIVER) ---
    REDIS_HOST: str | None = None
    REDIS_PASSWORD: SecretStr | None = None
    REDIS_PORT: int = Field(default=6379, ge=1, le=65535)
    REDIS_DB: int = Field(default=0, ge=0)
    REDIS_TLS: bool = False
    CACHE_DRIVER: Literal["redis"] = "redis"
    QUEUE_CONNECTION: Literal["redis"] = "redis"
    SESSION_DRIVER: Literal["redis"] = "redis"

    # --- auth ---
    AUTH_LOGIN_RATE_LIMIT: int = Field(default=10, ge=1, description="login attempts per minute per email+IP")
    AUTH_TOKEN_TTL_DAYS: int = Field(default=30, ge=1, description="lifetime of tokens issued by login")

    # --- jobs and scheduler ---
    WORKER_PROCESSES: int = Field(default=1, ge=1, description="worker processes per `fibonacco worker`")
    WORKER_THREADS: int = Field(default=8, ge=1, description="jobs run concurrently by each worker process")
    # Jobs each worker process holds ahead of its threads (0: Dramatiq's default, twice WORKER_THREADS). Raise it
    # for workers of short jobs (throughput); keep it low for long ones (TTS, calls), which one process would hoard.
    WORKER_PREFETCH: int = Field(default=0, ge=0, le=65535)
    # A worker silent for this long is presumed dead and its unfinished jobs are re-queued (at-least-once).
    # Live workers poll Redis about every second, so a few seconds is safe; it bounds redelivery after a crash.
    WORKER_HEARTBEAT_TIMEOUT_SECONDS: float = Field(default=15, ge=2)
    # Share of broker commands that also run the re-queue pass; 1.0 re-queues within ~1 s of the timeout.
    WORKER_MAINTENANCE_CHANCE: float = Field(default=1.0, gt=0, le=1)
    # On SIGTERM, in-flight jobs get this long to finish (keep the ECS stopTimeout above it).
    WORKER_SHUTDOWN_TIMEOUT_SECONDS: float = Field(default=30, ge=0)
    WORKER_LIVENESS_INTERVAL_SECONDS: float = Field(default=10, gt=0, description="liveness heartbeat period")
    JOB_TRIES: int = Field(default=3, ge=1, description="tries per job before it lands in failed jobs")
    JOB_MIN_BACKOFF_SECONDS: float = Field(default=10, gt=0, description="first retry delay; doubles per try")
    JOB_MAX_BACKOFF_SECONDS: float = Field(default=3600, gt=0)
    JOB_TIME_LIMIT_SECONDS: float = Field(default=600, gt=0, description="default per-try time limit")
    JOB_RETENTION_DAYS: int = Field(default=7, ge=1, description="failed jobs and finished batches kept this long")
    # Each worker process relays jobs left in the outbox, and re-queues stalled sends, this often.
    WORKER_SWEEP_INTERVAL_SECONDS: float = Field(default=10, gt=0)
    # A job's outbox row is relayed by the sweeper only after this long (its own unit relays it at once).
    JOB_OUTBOX_GRACE_SECONDS: float = Field(default=10, ge=0)
    # The active scheduler renews its lock every third of this; a standby takes over once it expires.
    SCHEDULER_LOCK_TTL_SECONDS: float = Field(default=30, ge=1)
    # The active scheduler publishes Fibonacco/Queues QueueDepth this often (the workers' scaling metric).
    QUEUE_METRICS_INTERVAL_SECONDS: float = Field(default=60, gt=0)

    # --- provider keys (plan) ---
    ELEVENLABS_API_KEY: SecretStr | None = None
    OPENROUTER_API_KEY: SecretStr | None = None
    OPENAI_API_KEY: SecretStr | None = None
    TWILIO_ACCOUNT_SID: str | None = None
    TWILIO_AUTH_TOKEN: SecretStr | None = None
    TWILIO_PHONE_NUMBER: str | None = None
    STRIPE_KEY: str | None = None
    STRIPE_SECRET: SecretStr | None = None
    STRIPE_WEBHOOK_SECRET: SecretStr | None = None
    AWS_ACCESS_KEY_ID: str | None = None
    AWS_SECRET_ACCESS_KEY: SecretStr | None = None
    AWS_DEFAULT_REGION: str = "us-east-1"
    AWS_BUCKET: str | None = None
    # Overrides the AWS endpoint (moto's server in tests, LocalStack on a laptop); unset in AWS.
    AWS_ENDPOINT_URL: str | None = None

    # --- integrations: driver selectors (offline defaults) and provider options ---
    MAIL_MAILER: Literal["outbox", "ses"] = "outbox"
    MAIL_FROM_ADDRESS: str = "noreply@fibonacco.local"
    MAIL_FROM_NAME: str = "Fibonacco"
    SES_CONFIGURATION_SET: str | None = None
    # SNS topics whose SES events the API accepts (empty: any topic with a valid SNS signature).
    SES_EVENTS_TOPIC_ARNS: list[str] = Field(default_factory=list)
    SMS_DRIVER: Literal["outbox", "twilio"] = "outbox"
    VOICE_DRIVER: Literal["outbox", "twilio"] = "outbox"
    TWILIO_API_BASE_URL: str | None = None  # fake Twilio in tests
    TTS_DRIVER: Literal["espeak", "elevenlabs"] = "espeak"
    ELEVENLABS_BASE_URL: str | None = None
    ELEVENLABS_VOICE_ID: str = "21m00Tcm4TlvDq8ikWAM"
    ELEVENLABS_MODEL_ID: str = "eleven_multilingual_v2"
    LLM_PROVIDER: Literal["local", "openai", "openrouter"] = "local"
    LLM_MODEL: str | None = None
    OPENAI_BASE_URL: str | None = None
    OPENROUTER_BASE_URL: str = "https://openrouter.ai/api/v1"
    # Unset: MiniLM in development where it is installed (`make install`), else the hashing embedder.
    EMBEDDINGS_PROVIDER: Literal["hashing", "openai", "minilm"] = "hashing"
    EMBEDDINGS_MODEL: str | None = None
    # Threads torch may use for local (MiniLM) embeddings, so the API, the worker and PostgreSQL share the cores.
    EMBEDDINGS_TORCH_THREADS: int = Field(default=1, ge=1, le=64)
    FILESYSTEM_DISK: Literal["local", "s3"] = "local"
    METRICS_DRIVER: Literal["log", "cloudwatch"] = "log"
    # Sends per second allowed toward each provider, shared by all workers (token bucket in Redis).
    SES_SEND_RATE: float = Field(default=14.0, gt=0)
    TWILIO_SEND_RATE: float = Field(default=1.0, gt=0)
    # Twilio API calls give up after this long; the outcome of a send is then unknown and is reconciled.
    TWILIO_TIMEOUT_SECONDS: float = Field(default=15.0, gt=0)
    # A send whose outcome is unknown is looked up at the provider this long after it started; it must exceed
    # the longest a provider call can take (TWILIO_TIMEOUT_SECONDS, SES's connect + read timeouts).
    MESSAGE_RECONCILE_AFTER_SECONDS: float = Field(default=60.0, gt=0)
    # A message still queued or unresolved this long after its last change gets its send job queued again.
    MESSAGE_REDRIVE_AFTER_SECONDS: float = Field(default=600.0, gt=0)
    # SES cannot be asked whether it took an email: an unknown send is resent only if no `Send` event with its
    # message-id tag arrived (SES_CONFIGURATION_SET) within this window, and the resend is recorded as such.
    SES_SEND_EVENT_WINDOW_SECONDS: float = Field(default=900.0, gt=0)
    ELEVENLABS_REQUEST_RATE: float = Field(default=2.0, gt=0)

    @field_validator("REDIS_PASSWORD", mode="before")
    @classmethod
    def _null_means_none(cls, value: Any) -> Any:
        # The plan writes `REDIS_PASSWORD=null` for "no password".
        if isinstance(value, str) and value.strip().lower() in {"", "null", "none"}:
            return None
        return value

    @model_validator(mode="after")
    def _default_app_url(self) -> Settings:
        # Unset, the public URL follows the bind address, so dev links (files, callbacks) work on any PORT.
        if "APP_URL" not in self.model_fields_set:
            self.APP_URL = f"http://{self.HOST}:{self.PORT}"
        return self

    @model_validator(mode="after")
    def _default_log_format(self) -> Settings:
        if "LOG_FORMAT" not in self.model_fields_set and self.is_development():
            self.LOG_FORMAT = "console"
        return self

    @model_validator(mode="after")
    def _running_dev_stack(self) -> Settings:
        # In development an unset DB_HOST / REDIS_HOST means "the embedded server": the one a running
        # `fibonacco dev` on this DATA_DIR started, wherever it listens, so a second terminal's commands reach it.
        # A variable that is set always wins (DB_HOST set: nothing of the database comes from the dev stack).
        if not self.is_development() or (self.DB_HOST and self.REDIS_HOST):
            return self
        stack = read_addresses(self.DATA_DIR)
        if stack is None:
            return self
        if not self.DB_HOST and stack.database is not None:
            self.DB_HOST, self.DB_PORT, self.DB_USERNAME = (
                stack.database.host,
                stack.database.port,
                stack.database.username,
            )
            if "DB_DATABASE" not in self.model_fields_set:
                self.DB_DATABASE = stack.database.database
        if not self.REDIS_HOST and stack.redis is not None:
            self.REDIS_HOST, self.REDIS_PORT = stack.redis.host, stack.redis.port
            self.REDIS_PASSWORD = None  # the embedded Redis has none
        return self

    @model_validator(mode="after")
    def _default_embedder(self) -> Settings:
        # The offline embedder that works: MiniLM finds paraphrases the hashing one misses (bench/retrieval.py).
        if "EMBEDDINGS_PROVIDER" not in self.model_fields_set and self.is_development():
            self.EMBEDDINGS_PROVIDER = "minilm" if MiniLMEmbedder.is_available() else "hashing"
        return self

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if self.is_development() or self.APP_ENV is Environment.testing:
            return self
        problems = []
        if self.APP_KEY.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS | {"dev-insecure-app-key"}:
            problems.append("APP_KEY")
        db_password = self.DB_PASSWORD.get_secret_value().strip().lower()
        if self.DB_HOST and not self.DB_SECRET_ARN and db_password in PLACEHOLDER_SECRETS:
            problems.append("DB_PASSWORD")
        if problems:
            raise ValueError(
                f"placeholder or empty secret in {', '.join(problems)}: set a real value "
                f"(APP_ENV={self.APP_ENV.value} refuses placeholders)"
            )
        return self

    # --- derived values ---
    def is_development(self) -> bool:
        return self.APP_ENV is Environment.development

    def is_production(self) -> bool:
        return self.APP_ENV is Environment.production

    def database_url(self, database: str | None = None) -> str:
        """SQLAlchemy URL for asyncpg. The password is quoted into the URL, never logged."""
        url = URL.create(
            "postgresql+asyncpg",
            username=self.DB_USERNAME,
            password=self.DB_PASSWORD.get_secret_value() or None,
            host=self.DB_HOST or "127.0.0.1",
            port=self.DB_PORT,
            database=database or self.DB_DATABASE,
        )
        return url.render_as_string(hide_password=False)

    def redis_url(self) -> str:
        scheme = "rediss" if self.REDIS_TLS else "redis"
        auth = ""
        if self.REDIS_PASSWORD is not None:
            auth = f":{quote(self.REDIS_PASSWORD.get_secret_value(), safe='')}@"
        return f"{scheme}://{auth}{self.REDIS_HOST or '127.0.0.1'}:{self.REDIS_PORT}/{self.REDIS_DB}"


class ConfigurationError(RuntimeError):
    """Start-up configuration is invalid; the message names each bad variable and never a secret's value."""


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            variable = ".".join(str(part) for part in error["loc"]) or "settings"
            lines.append(f"  {variable}: {error['msg']}")
        raise ConfigurationError("invalid configuration:\n" + "\n".join(lines)) from None


@lru_cache
def get_settings() -> Settings:
    return load_settings()
