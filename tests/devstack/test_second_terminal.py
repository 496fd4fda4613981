"""With `fibonacco dev` running, a second terminal's admin commands reach its embedded servers with no variables."""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator
from pathlib import Path

from fibonacco.devstack.addresses import ADDRESSES_FILE, read_addresses
from fibonacco.devstack.embedded import free_port
from fibonacco.devstack.supervisor import EMBEDDED_DB_PORT, EMBEDDED_REDIS_PORT
from tests.devstack.harness import running_dev_stack
from tests.helpers import fibonacco


@contextlib.contextmanager
def taken(port: int) -> Iterator[None]:
    """Hold 127.0.0.1:port, as another program would (if one already does, so much the better)."""
    with socket.socket() as sock:
        with contextlib.suppress(OSError):
            sock.bind(("127.0.0.1", port))
            sock.listen()
        yield


def a_new_terminal(data_dir: Path, port: int) -> dict[str, str]:
    """A developer's shell: no DB_* or REDIS_* variables (the test session's servers are not the stack's)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DB_", "REDIS_"))}
    return {**env, "APP_ENV": "development", "DATA_DIR": str(data_dir), "PORT": str(port), "LOG_LEVEL": "INFO"}


class TestSecondTerminal:
    def test_admin_commands_reach_the_dev_stack_on_whatever_ports_it_took(self, tmp_dir: Path) -> None:
        port = free_port()
        env = a_new_terminal(tmp_dir, port)
        with (
            taken(EMBEDDED_DB_PORT),
            taken(EMBEDDED_REDIS_PORT),
            running_dev_stack(env, port, tmp_dir / "dev.log") as stack,
        ):
            addresses = read_addresses(tmp_dir)
            assert addresses is not None and addresses.database is not None and addresses.redis is not None
            assert (addresses.database.port, addresses.redis.port) != (EMBEDDED_DB_PORT, EMBEDDED_REDIS_PORT)

            stats = fibonacco("queue", "stats", env=env)
            assert stats.returncode == 0, stats.stdout + stats.stderr
            assert "emails" in stats.stdout
            created = fibonacco(
                "users",
                "create",
                "--tenant",
                "demo",  # seeded by the stack in its own database
                "--email",
                "second-terminal@example.com",
                "--name",
                "Ops",
                input="long enough pw\nlong enough pw\n",
                env=env,
            )
            assert created.returncode == 0, created.stdout + created.stderr
            assert "second-terminal@example.com created" in created.stdout

            second = fibonacco("dev", env=env)
            assert second.returncode == 1 and "a dev stack already runs" in second.stdout
            assert "DATA_DIR" in second.stdout and "Traceback" not in second.stdout + second.stderr
            returncode = stack.stop()
        output = stack.output()
        assert returncode == 0, output[-3000:]
        assert f"127.0.0.1:{EMBEDDED_DB_PORT} is taken by another program" in output
        assert f"127.0.0.1:{EMBEDDED_REDIS_PORT} is taken by another program" in output
        assert not (tmp_dir / ADDRESSES_FILE).exists()

        # The dev terminal: one human format, the process on every line, no start-up warning.
        lines = output.splitlines()
        for process in ("api", "worker", "scheduler"):
            assert any(line[9:].startswith(f"{process} ") for line in lines), f"no {process} line"
        assert not [line for line in lines if line.startswith(("{", "[20"))]  # neither JSON nor Dramatiq's own
        assert "XDG_RUNTIME_DIR" not in output
