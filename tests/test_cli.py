"""The operator's admin commands, run as a subprocess against the test database (they commit for real)."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator

import httpx
import pytest

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


MISCONFIGURED = {"MAIL_MAILER": "ses", "SMS_DRIVER": "twilio"}
NAMES_TWILIO = ("integrations misconfigured:", "SMS_DRIVER=twilio needs TWILIO_ACCOUNT_SID")


@pytest.fixture
def port_in_use() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


class TestStartupRefusals:
    """serve, worker, scheduler and dev refuse to start with one block naming the variables, and exit code 1."""

    @pytest.mark.parametrize(
        ("command", "variables", "expected"),
        [
            ("serve", MISCONFIGURED, NAMES_TWILIO),
            ("worker", MISCONFIGURED, NAMES_TWILIO),
            ("dev", MISCONFIGURED, NAMES_TWILIO),
            ("scheduler", {"DB_PORT": "not-a-port"}, ("invalid configuration:", "DB_PORT")),
            ("scheduler", {"REDIS_PORT": "unused"}, ("cannot reach Redis:", "REDIS_HOST/REDIS_PORT")),
            ("worker", {"DB_PORT": "unused"}, ("cannot reach PostgreSQL:", "DB_HOST/DB_PORT")),
            ("serve", {"REDIS_PORT": "unused"}, ("cannot reach Redis:", "REDIS_HOST/REDIS_PORT")),
            ("serve", {"PORT": "in use"}, ("is already in use:", "PORT: set it to a free port")),
            ("dev", {"PORT": "in use"}, ("is already in use:", "PORT: set it to a free port")),
        ],
    )
    def test_one_block_exit_code_1_no_traceback(
        self, command: str, variables: dict[str, str], expected: tuple[str, ...], port_in_use: int
    ) -> None:
        ports = {"unused": str(free_port()), "in use": str(port_in_use)}
        env = {**os.environ, "PORT": str(free_port()), **{k: ports.get(v, v) for k, v in variables.items()}}
        result = fibonacco(command, env=env)
        assert result.returncode == 1, result.stdout + result.stderr
        assert all(text in result.stdout for text in expected), result.stdout
        assert "Traceback" not in result.stdout + result.stderr

    def test_the_traceback_only_under_debug(self) -> None:
        result = fibonacco("serve", env={**os.environ, **MISCONFIGURED, "LOG_LEVEL": "DEBUG"})
        assert result.returncode == 1
        assert "Traceback" in result.stderr and NAMES_TWILIO[1] in result.stdout
