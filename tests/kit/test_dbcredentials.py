"""The database password rotates under a running API: the engine reads it from Secrets Manager (moto) when it
opens a connection, and a connection the server refuses is retried once with the secret read again.

The embedded PostgreSQL trusts every local user, so these tests give one role of their own a password
(`scram-sha-256` for that role only, in pg_hba.conf) and rotate it with ALTER ROLE, as RDS does.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
import redis.asyncio as aioredis
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from fibonacco.app import create_app
from fibonacco.config import ConfigurationError, Settings, load_settings
from fibonacco.kit.db import create_engine
from fibonacco.kit.dbcredentials import DatabaseSecretError, SecretPassword
from fibonacco.kit.tenancy import APP_ROLE
from tests.fakes.aws import REGION, MotoServer

pytestmark = pytest.mark.usefixtures("embedded_postgres")


@dataclass
class RotatingRole:
    name: str
    secret_arn: str
    secrets: Any  # boto3 secretsmanager client on moto
    admin: AsyncEngine  # the embedded server's superuser

    async def rotate(self, password: str) -> None:
        """What RDS's managed rotation does: a new password on the server and in the secret, old sessions
        dropped (here: ended, so the pool must open new connections)."""
        async with self.admin.begin() as connection:
            await connection.execute(text(f"ALTER ROLE {self.name} PASSWORD '{password}'"))
            await connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :role"),
                {"role": self.name},
            )
        self.secrets.put_secret_value(SecretId=self.secret_arn, SecretString=_secret(self.name, password))

    def settings(self, aws_overrides: dict[str, Any], **values: Any) -> Settings:
        return load_settings(DB_USERNAME=self.name, DB_SECRET_ARN=self.secret_arn, **aws_overrides, **values)


def _secret(username: str, password: str) -> str:
    return json.dumps({"username": username, "password": password})  # RDS's managed-secret format


async def _hba_file(admin: AsyncEngine) -> Path:
    async with admin.connect() as connection:
        return Path((await connection.execute(text("SHOW hba_file"))).scalar_one())


async def _reload(admin: AsyncEngine) -> None:
    async with admin.connect() as connection:
        await connection.execute(text("SELECT pg_reload_conf()"))
    await asyncio.sleep(0.3)  # the postmaster reloads on SIGHUP, asynchronously


@pytest.fixture
async def admin() -> AsyncIterator[AsyncEngine]:
    """The embedded server's superuser (trusted locally), whatever role the application's tests connect as."""
    engine = create_engine(load_settings(DB_USERNAME="postgres", DB_PASSWORD=""), pool_size=1, role=None)
    yield engine
    await engine.dispose()


@pytest.fixture
async def rotating_role(admin: AsyncEngine, moto_server: MotoServer) -> AsyncIterator[RotatingRole]:
    name = f"rotating_{uuid.uuid4().hex[:8]}"
    first = f"first-{uuid.uuid4().hex}"
    async with admin.begin() as connection:
        await connection.execute(text(f"CREATE ROLE {name} LOGIN PASSWORD '{first}'"))
        # Like the migrating login user, it acts as the application role that row-level security binds.
        await connection.execute(text(f"GRANT {APP_ROLE} TO {name}"))
    hba = await _hba_file(admin)
    original = hba.read_text()
    # First match wins: this role must authenticate with its password; everyone else stays trusted.
    hba.write_text(f"host all {name} 127.0.0.1/32 scram-sha-256\n{original}")
    await _reload(admin)
    secrets = boto3.client(
        "secretsmanager",
        region_name=REGION,
        endpoint_url=moto_server.url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    arn = secrets.create_secret(Name=f"rds!cluster-{name}", SecretString=_secret(name, first))["ARN"]
    try:
        yield RotatingRole(name, arn, secrets, admin)
    finally:
        hba.write_text(original)
        await _reload(admin)
        async with admin.begin() as connection:
            await connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :role"), {"role": name}
            )
            await connection.execute(text(f"DROP ROLE {name}"))


async def test_the_api_survives_a_password_rotation_mid_run(
    rotating_role: RotatingRole, aws_overrides: dict[str, Any], redis: aioredis.Redis
) -> None:
    # What ECS injects at start is stale after the rotation; the engine must not depend on it.
    first_password = json.loads(
        rotating_role.secrets.get_secret_value(SecretId=rotating_role.secret_arn)["SecretString"]
    )["password"]
    settings = rotating_role.settings(aws_overrides, DB_PASSWORD=first_password)
    app = create_app(settings)
    app.state.engine = create_engine(settings, pool_size=2)
    app.state.redis = redis
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            before = await client.get("/health/ready")
            assert before.status_code == 200, before.text

            await rotating_role.rotate(f"second-{uuid.uuid4().hex}")
            after = await client.get("/health/ready")
            assert after.status_code == 200, after.text
            assert after.json()["checks"]["database"] == "ok"

        # The old password really stopped working: without the secret, the same settings are locked out.
        stale = create_engine(settings.model_copy(update={"DB_SECRET_ARN": None}), pool_size=1)
        with pytest.raises(DBAPIError, match="password authentication failed"):
            async with stale.connect() as connection:
                await connection.execute(text("SELECT 1"))
        await stale.dispose()
    finally:
        await app.state.engine.dispose()


@pytest.fixture
def provider(rotating_role: RotatingRole, monkeypatch: pytest.MonkeyPatch) -> SecretPassword:
    """The provider `create_engine` builds, kept by the test to count its Secrets Manager reads."""
    provider = SecretPassword(rotating_role.secrets, rotating_role.secret_arn)
    monkeypatch.setattr(SecretPassword, "from_settings", classmethod(lambda cls, settings: provider))
    return provider


async def test_the_secret_is_read_once_for_many_connections_and_again_after_a_refusal(
    rotating_role: RotatingRole, provider: SecretPassword, aws_overrides: dict[str, Any]
) -> None:
    engine = create_engine(rotating_role.settings(aws_overrides), pool_size=3)
    try:
        connections = [await engine.connect() for _ in range(3)]
        assert provider.reads == 1
        for connection in connections:
            await connection.close()

        await rotating_role.rotate(f"third-{uuid.uuid4().hex}")
        async with engine.connect() as connection:  # the pooled one was ended: pre-ping reconnects
            assert (await connection.execute(text("SELECT session_user"))).scalar_one() == rotating_role.name
        assert provider.reads == 2
    finally:
        await engine.dispose()


async def test_a_wrong_password_in_the_secret_fails_after_one_retry(
    rotating_role: RotatingRole, provider: SecretPassword, aws_overrides: dict[str, Any]
) -> None:
    rotating_role.secrets.put_secret_value(
        SecretId=rotating_role.secret_arn, SecretString=_secret(rotating_role.name, "not-the-password")
    )
    engine = create_engine(rotating_role.settings(aws_overrides), pool_size=1)
    try:
        with pytest.raises(DBAPIError, match="password authentication failed"):
            async with engine.connect():
                pass
        assert provider.reads == 2  # read, refused, read again, refused: one retry, no loop
    finally:
        await engine.dispose()


def test_a_secret_without_a_password_is_refused_by_name() -> None:
    class Client:
        def get_secret_value(self, SecretId: str) -> dict[str, str]:
            return {"SecretString": json.dumps({"username": "postgres"})}

    with pytest.raises(DatabaseSecretError, match="arn:db-secret") as error:
        asyncio.run(SecretPassword(Client(), "arn:db-secret")())
    assert "password" in str(error.value)


def test_without_a_secret_arn_the_plain_password_is_used(settings: Settings) -> None:
    assert settings.DB_SECRET_ARN is None
    assert SecretPassword.from_settings(settings) is None


def test_outside_development_the_secret_arn_replaces_a_db_password() -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-abc"
    production = {"APP_ENV": "production", "APP_KEY": "k" * 40, "DB_HOST": "db.internal"}
    settings = load_settings(**production, DB_PASSWORD="", DB_SECRET_ARN=arn)
    assert (settings.DB_SECRET_ARN, settings.DB_PASSWORD.get_secret_value()) == (arn, "")
    with pytest.raises(ConfigurationError, match="DB_PASSWORD"):
        load_settings(**production, DB_PASSWORD="")  # neither: still refused
