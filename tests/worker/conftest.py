"""Real worker and scheduler processes for the worker tests, started through `python -m fibonacco.worker`."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as sync_redis

from fibonacco.config import Settings
from fibonacco.worker.broker import NAMESPACE, broker
from tests.helpers import wait_for
from tests.worker import jobs

REPO = Path(__file__).resolve().parents[2]
# Tuned down so redelivery, leader takeover and retries happen within a few seconds.
FAST = {
    "WORKER_HEARTBEAT_TIMEOUT_SECONDS": "3",
    "WORKER_LIVENESS_INTERVAL_SECONDS": "1",
    "WORKER_SHUTDOWN_TIMEOUT_SECONDS": "10",
    "SCHEDULER_LOCK_TTL_SECONDS": "2",
    "JOB_MIN_BACKOFF_SECONDS": "0.1",
}
HEARTBEATS = f"{NAMESPACE}:__heartbeats__"

assert jobs  # the test actors must be declared in this process too, to send them


@pytest.fixture
def sync_client(settings: Settings) -> Iterator[sync_redis.Redis]:
    client = sync_redis.Redis.from_url(settings.redis_url(), decode_responses=True)
    yield client
    client.close()


def _worker_count(client: sync_redis.Redis) -> int:
    """Worker processes whose consumers are polling (the test process's own broker excluded)."""
    return len({member for member in client.zrange(HEARTBEATS, 0, -1) if member != broker.broker_id})


class Processes:
    """`python -m fibonacco.worker <args>` processes with the fast settings, stopped (SIGTERM) by `stop_all`."""

    def __init__(self) -> None:
        self.log_dir = Path(tempfile.mkdtemp(prefix="fibonacco-worker-logs-"))
        self.started: list[subprocess.Popen[bytes]] = []

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = open(self.log_dir / f"{args[0]}-{len(self.started)}.log", "wb")  # noqa: SIM115 - outlives this call
        process = subprocess.Popen(
            [sys.executable, "-m", "fibonacco.worker", *args],
            cwd=REPO,
            # The caller's PYTHONPATH first (a worktree's src/), then the repository for the test jobs.
            env={
                **os.environ,
                "PYTHONPATH": os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), str(REPO)])),
                **FAST,
                **(env or {}),
            },
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a test signals the main process only; cleanup may kill the whole group
        )
        self.started.append(process)
        return process

    def start_workers(self, client: sync_redis.Redis, count: int = 1, **env: str) -> list[subprocess.Popen[bytes]]:
        before = _worker_count(client)
        workers = [self(*WORKER_ARGS, "--processes", "1", "--threads", "2", env=env) for _ in range(count)]
        wait_for(lambda: _worker_count(client) >= before + count, 30, f"{count} worker(s) to start")
        return workers

    def stop_all(self) -> None:
        """SIGTERM every process still running (main process only), then remove the logs."""
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        shutil.rmtree(self.log_dir, ignore_errors=True)


WORKER_ARGS = ("worker", "--queues", "default", "--module", "tests.worker.jobs")


@pytest.fixture
def spawn() -> Iterator[Processes]:
    processes = Processes()
    yield processes
    processes.stop_all()
