"""The browser app end to end: Playwright drives Debian's Chromium against a real `fibonacco serve` and worker
on the test session's PostgreSQL and Redis, with a freshly seeded tenant and owner.

Needs the built app (`frontend/dist`), `npm ci` in `frontend/` and `/usr/bin/chromium`; `make test` provides
all three and sets FIBONACCO_E2E=required, so there a missing piece fails instead of skipping. The specs are in
`frontend/e2e/`; screenshots land in `frontend/e2e-artifacts/screenshots/` (git-ignored). PLAYWRIGHT_ARGS
passes options through, e.g. `PLAYWRIGHT_ARGS="--project desktop -g outbox" pytest tests/e2e`.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from fibonacco.auth.models import Role, User
from fibonacco.auth.passwords import hash_password
from fibonacco.devstack.embedded import free_port
from fibonacco.kit.db import create_sessionmaker, unit_of_work
from fibonacco.tenant.models import Tenant
from tests.helpers import wait_for

REPO = Path(__file__).resolve().parents[2]
FRONTEND = REPO / "frontend"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
PASSWORD = "e2e password, long enough"
PLAYWRIGHT_TIMEOUT = 900
PLAYWRIGHT_LOG = FRONTEND / "e2e-artifacts" / "playwright.log"


def _missing() -> str | None:
    if not (FRONTEND / "dist" / "index.html").is_file():
        return "the app is not built (cd frontend && npm ci && npx vite build)"
    if not (FRONTEND / "node_modules" / ".bin" / "playwright").exists():
        return "frontend dependencies are not installed (cd frontend && npm ci)"
    if not CHROMIUM.exists() or shutil.which("npx") is None:
        return f"{CHROMIUM} or npx is missing (apt-get install -y chromium nodejs npm)"
    return None


@pytest.fixture
def prerequisites() -> None:
    missing = _missing()
    if missing and os.environ.get("FIBONACCO_E2E") == "required":
        pytest.fail(missing)
    if missing:
        pytest.skip(missing)


@pytest.fixture
async def owner(prerequisites: None, committed_tenant: Tenant, engine: AsyncEngine) -> User:
    async with unit_of_work(create_sessionmaker(engine)) as session:
        user = User(
            tenant_id=committed_tenant.id,
            email=f"owner-{uuid.uuid4().hex[:8]}@e2e.example.com",
            name="Erin Owner",
            role=Role.owner,
            password_hash=hash_password(PASSWORD),
        )
        session.add(user)
    return user


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.fixture
def platform(owner: User) -> Iterator[str]:
    """`fibonacco serve` and `fibonacco worker` on the test database and Redis; yields the base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    logs = Path(tempfile.mkdtemp(prefix="fibonacco-e2e-"))
    # Run outside the repository, so a developer's .env cannot leak in; the code is this tree's.
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "PORT": str(port), "APP_URL": url}
    commands = {
        "serve": [sys.executable, "-m", "fibonacco", "serve", "--host", "127.0.0.1", "--port", str(port)],
        "worker": [sys.executable, "-m", "fibonacco", "worker", "--processes", "1", "--threads", "2"],
    }
    processes: dict[str, subprocess.Popen[bytes]] = {}
    for name, command in commands.items():
        log = open(logs / f"{name}.log", "wb")  # noqa: SIM115 - outlives this loop, closed with the process
        processes[name] = subprocess.Popen(
            command, cwd=logs, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_for(lambda: _healthy(url) or processes["serve"].poll() is not None, 60, "fibonacco serve")
        assert processes["serve"].poll() is None, (logs / "serve.log").read_text()
        yield url
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for name in processes:
            print(f"--- {name}.log (tail) ---\n" + "\n".join((logs / f"{name}.log").read_text().splitlines()[-40:]))
        shutil.rmtree(logs, ignore_errors=True)


@pytest.mark.timeout(PLAYWRIGHT_TIMEOUT + 60)
def test_playwright_suite(platform: str, owner: User, committed_tenant: Tenant) -> None:
    """Logs in, creates an entry and waits for its embedding, finds it in the public Learning Center and votes
    on it, imports a file, checks the outbox and jobs pages, and scans every page (axe, console, 375/1280 px)."""
    env = {
        **os.environ,
        "E2E_BASE_URL": platform,
        "E2E_TENANT": committed_tenant.slug,
        "E2E_EMAIL": owner.email,
        "E2E_PASSWORD": PASSWORD,
        "CHROMIUM_PATH": str(CHROMIUM),
    }
    PLAYWRIGHT_LOG.parent.mkdir(parents=True, exist_ok=True)
    with PLAYWRIGHT_LOG.open("w") as log:  # follow it with `tail -f` while it runs
        run = subprocess.run(
            ["npx", "playwright", "test", *shlex.split(os.environ.get("PLAYWRIGHT_ARGS", ""))],
            cwd=FRONTEND,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=PLAYWRIGHT_TIMEOUT,
            check=False,
        )
    output = PLAYWRIGHT_LOG.read_text()
    print(output[-20000:])
    assert run.returncode == 0, f"Playwright failed (full output in {PLAYWRIGHT_LOG}):\n{output[-20000:]}"
