"""Real worker and scheduler processes for the worker tests, started through `python -m fibonacco.worker`."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as sync_redis

from fibonacco.config import Settings
from fibonacco.worker.broker import broker
from fibonacco.worker.queues import NAMESPACE
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
    "WORKER_SWEEP_INTERVAL_SECONDS": "0.5",
    "JOB_OUTBOX_GRACE_SECONDS": "1",
}
HEARTBEATS = f"{NAMESPACE}:__heartbeats__"

assert jobs  # the test actors must be declared in this process too, to send them


@pytest.fixture
def sync_client(settings: Settings) -> Iterator[sync_redis.Redis]:
    client = sync_redis.Redis.from_url(settings.redis_url(), decode_responses=True)
    yield client
    client.close()


# Consumers poll (and so beat) about every second; a worker silent for longer is dead or stopping.
_LIVE_WINDOW_MS = 2000


def _worker_count(client: sync_redis.Redis) -> int:
    """Worker processes whose consumers are polling now (the test process's own broker excluded)."""
    now_ms = int(time.time() * 1000)
    live = client.zrangebyscore(HEARTBEATS, now_ms - _LIVE_WINDOW_MS, "+inf")
    return len({member for member in live if member != broker.broker_id})


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
            # This checkout's code (src) and test modules, whichever checkout the editable install points at.
            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)]), **FAST, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a test signals the main process only; cleanup may kill the whole group
        )
        self.started.append(process)
        return process

    def start_workers(
        self, client: sync_redis.Redis, count: int = 1, *, queues: str = "default", threads: int = 2, **env: str
    ) -> list[subprocess.Popen[bytes]]:
        before = _worker_count(client)
        args = (*worker_args(queues), "--processes", "1", "--threads", str(threads))
        workers = [self(*args, env=env) for _ in range(count)]
        wait_for(lambda: _worker_count(client) >= before + count, 30, f"{count} worker(s) to start")
        return workers

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL the process and its worker processes, as a crash or an OOM kill would."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        time.sleep(_LIVE_WINDOW_MS / 1000)  # until its heartbeat no longer counts as live

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


def worker_args(queues: str = "default") -> tuple[str, ...]:
    return ("worker", "--queues", queues, "--module", "tests.worker.jobs")


@pytest.fixture
def spawn() -> Iterator[Processes]:
    processes = Processes()
    yield processes
    processes.stop_all()
