"""Property-based fuzzing of the whole API from its OpenAPI document, with every schemathesis check: no input
produces a server error, and every answer is one the document declares (status, headers, body schema, `Allow`
on 405, valid data accepted and invalid data refused, authentication never ignored).

Schemathesis runs against a real `fibonacco serve` on a database of its own, with the demo owner's token, for a
fixed time budget (`schemathesis.toml` next to this file says which rules the document cannot express). The
server's log must hold no error and no secret. For a longer run by hand: FUZZ_SECONDS=300.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx

from fibonacco.devstack.embedded import EmbeddedPostgres, free_port, wait_for_port
from fibonacco.devstack.seed import DEMO_EMAIL, DEMO_PASSWORD
from tests.helpers import fibonacco

TIME_BUDGET_SECONDS = int(os.environ.get("FUZZ_SECONDS", "45"))
CONFIG = Path(__file__).with_name("schemathesis.toml")


class TestFuzzing:
    def test_no_generated_request_gets_a_server_error(self, tmp_dir: Path, embedded_postgres: EmbeddedPostgres) -> None:
        database = f"fuzz_{uuid.uuid4().hex[:8]}"
        embedded_postgres.create_database(database)
        port = free_port()
        env = {
            **os.environ,
            "DB_DATABASE": database,
            "DATA_DIR": str(tmp_dir),
            "PORT": str(port),
            "AUTH_LOGIN_RATE_LIMIT": "100000",  # the fuzzer logs in far more often than a person
            "LOG_LEVEL": "INFO",  # access lines too, to show the log below is the server's
        }
        for command in ("migrate", "seed-demo"):
            assert fibonacco(command, env=env).returncode == 0
        token = (tmp_dir / "demo-token").read_text().strip()
        server_log = tmp_dir / "serve.log"
        with server_log.open("wb") as log:
            server = subprocess.Popen([sys.executable, "-m", "fibonacco", "serve"], env=env, stdout=log, stderr=log)
        try:
            wait_for_port(port, timeout=30)
            assert httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200
            arguments = [
                "run", f"http://127.0.0.1:{port}/openapi.json",
                "--header", f"Authorization: Bearer {token}",
                "--checks", "all",
                "--max-time", str(TIME_BUDGET_SECONDS),
                "--workers", "1",
                "--seed", "20261124",
                # Logging out or revoking the token would leave the rest of the run unauthenticated.
                "--exclude-path", "/api/v1/auth/logout",
                "--exclude-path-regex",
                "/api/v1/auth/tokens/",
            ]  # fmt: skip
            schemathesis = str(Path(sys.executable).with_name("schemathesis"))
            fuzz = subprocess.run(
                [schemathesis, "--config-file", str(CONFIG), *arguments],
                env=env,
                capture_output=True,
                text=True,
                timeout=TIME_BUDGET_SECONDS + 120,
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
        assert fuzz.returncode == 0, fuzz.stdout[-5000:]
        logged = server_log.read_text()
        assert '"request"' in logged  # the log is the server's, and it logged requests
        assert "unhandled_error" not in logged
        for secret in (token, "$argon2", DEMO_EMAIL, DEMO_PASSWORD):
            assert secret not in logged
