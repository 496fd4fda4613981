"""The operator's admin commands, run as a subprocess against the test database (they commit for real)."""

from __future__ import annotations

import os
import uuid

import httpx

from fibonacco.config import Settings
from fibonacco.devstack.embedded import free_port
from tests.helpers import fibonacco


class TestCommands:
    def test_help_lists_the_processes(self) -> None:
        result = fibonacco("--help")
        assert result.returncode == 0
        for command in ("serve", "migrate", "dev", "seed-demo", "tenants", "users", "tokens"):
            assert command in result.stdout

    def test_migrate_is_idempotent(self) -> None:
        result = fibonacco("migrate")
        assert result.returncode == 0, result.stderr
        assert "up to date" in result.stdout

    async def test_tenant_user_token_then_call_the_api(self, settings: Settings, client: httpx.AsyncClient) -> None:
        slug = f"cli-{uuid.uuid4().hex[:8]}"
        email = f"{slug}@example.com"
        assert fibonacco("tenants", "create", "--name", "CLI Co", "--slug", slug).returncode == 0
        assert fibonacco("tenants", "create", "--name", "Again", "--slug", slug).returncode == 1
        created = fibonacco(
            "users",
            "create",
            "--tenant",
            slug,
            "--email",
            email,
            "--name",
            "Ops",
            "--role",
            "admin",
            input="long enough pw\nlong enough pw\n",
        )
        assert created.returncode == 0, created.stdout + created.stderr
        issued = fibonacco("tokens", "create", "--tenant", slug, "--email", email, "--name", "ops")
        assert issued.returncode == 0, issued.stdout + issued.stderr
        token = issued.stdout.strip().splitlines()[-1]
        assert token.startswith("fib_")
        # The API under test runs inside a rolled-back transaction, but it still sees committed rows.
        me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200
        assert me.json()["data"]["tenant"]["slug"] == slug
        assert me.json()["data"]["user"]["role"] == "admin"

    def test_bad_input_is_reported(self) -> None:
        result = fibonacco("tenants", "create", "--name", "X", "--slug", "Not A Slug")
        assert result.returncode == 2
        assert "slug" in result.stdout

    def test_seed_demo_is_idempotent(self) -> None:
        first = fibonacco("seed-demo")
        second = fibonacco("seed-demo")
        assert first.returncode == 0 and second.returncode == 0, first.stdout + first.stderr
        assert "already present" in second.stdout
        assert "fib_" in second.stdout  # the saved demo token is shown again


class TestUnreachableServers:
    def test_one_line_naming_the_variables_not_a_traceback(self) -> None:
        env = {**os.environ, "DB_PORT": str(free_port()), "REDIS_PORT": str(free_port())}
        for args, variables in ((["migrate"], "DB_HOST/DB_PORT"), (["schedule", "list"], "REDIS_HOST/REDIS_PORT")):
            result = fibonacco(*args, env=env)
            assert result.returncode == 1
            assert variables in result.stdout and "Traceback" not in result.stdout + result.stderr
