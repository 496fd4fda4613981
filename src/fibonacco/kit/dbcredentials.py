"""The database password from AWS Secrets Manager, read when a connection is opened (`DB_SECRET_ARN`).

RDS rotates the master password it manages (every 7 days by default). A process that read `DB_PASSWORD` once, at
start, could open no new connection after the first rotation. With `DB_SECRET_ARN` set, the engine instead asks
`SecretPassword` for the password whenever it opens a connection (asyncpg calls it; `password` may be a
coroutine function). The value is cached, so a pool opening connections costs one Secrets Manager call; when the
server refuses it (SQLSTATE 28P01, the password was rotated), the cache is dropped and that connection is
retried once with the value read again. Connections already open are unaffected by a rotation.

Only the password is taken from the secret (RDS's secret is JSON `{"username", "password"}`); the user name
stays `DB_USERNAME`.
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import structlog
from sqlalchemy import event
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry

from fibonacco.config import Settings
from fibonacco.integrations._aws import aws_client

# PostgreSQL's invalid_password: what a server answers to a rotated-away password.
INVALID_PASSWORD = "28P01"

log = structlog.get_logger("fibonacco.db")


class DatabaseSecretError(RuntimeError):
    """The database secret has no usable `password` (the message names the secret, never its value)."""


class SecretPassword:
    """An asyncpg `password` callable returning the secret's current password, cached until it is refused."""

    def __init__(self, client: Any, secret_id: str) -> None:
        self._client = client  # boto3 "secretsmanager" client
        self._secret_id = secret_id
        self._lock = threading.Lock()
        self._cached: str | None = None
        self.reads = 0  # Secrets Manager calls made, for logs and tests

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretPassword | None:
        """The provider for `DB_SECRET_ARN`, or None when the password is the plain `DB_PASSWORD` setting."""
        if not settings.DB_SECRET_ARN:
            return None
        return cls(aws_client(settings, "secretsmanager"), settings.DB_SECRET_ARN)

    async def __call__(self) -> str:
        cached = self._cached
        if cached is not None:
            return cached
        return await asyncio.to_thread(self._read)  # boto3 blocks; the event loop must not

    def forget(self) -> None:
        """Drop the cached value: the next connection reads the secret again."""
        self._cached = None

    def _read(self) -> str:
        with self._lock:  # connections opened together share one read
            if self._cached is None:
                self._cached = self._fetch()
            return self._cached

    def _fetch(self) -> str:
        response = self._client.get_secret_value(SecretId=self._secret_id)
        self.reads += 1
        try:
            password = json.loads(response["SecretString"])["password"]
        except (KeyError, TypeError, ValueError):
            raise DatabaseSecretError(
                f"secret {self._secret_id} is not JSON with a 'password' key (the RDS-managed format)"
            ) from None
        if not isinstance(password, str) or not password:
            raise DatabaseSecretError(f"secret {self._secret_id} has an empty 'password'")
        log.info("db_password_read", secret=self._secret_id, version=response.get("VersionId"))
        return password

    def retry_when_refused(self, engine: AsyncEngine) -> None:
        """Make `engine` retry a connection the server refuses for its password once, with the secret read
        again (the password was rotated since it was cached)."""

        @event.listens_for(engine.sync_engine, "do_connect")
        def connect(dialect: Dialect, _: ConnectionPoolEntry, cargs: list[Any], cparams: dict[str, Any]) -> Any:
            try:
                return dialect.connect(*cargs, **cparams)
            except dialect.loaded_dbapi.Error as error:
                if getattr(error, "sqlstate", None) != INVALID_PASSWORD:
                    raise
            log.warning("db_password_refused", secret=self._secret_id, action="reading the secret again")
            self.forget()
            return dialect.connect(*cargs, **cparams)
