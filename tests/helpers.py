"""Small helpers for tests that drive real processes."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import redis as sync_redis
import redis.asyncio as aioredis

from fibonacco.worker.broker import broker
from fibonacco.worker.queues import NAMESPACE, QueueKeys

T = TypeVar("T")


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> float:
    """Poll until `condition()` is truthy; returns the seconds it took. For sync tests; `eventually` in async ones."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)
    return time.monotonic() - started


async def eventually(
    condition: Callable[[], Awaitable[T]], what: str, *, seconds: float = 15, every: float = 0.05
) -> T:
    """Poll another process's progress until `condition()` returns something truthy, and return it."""
    for _ in range(max(1, round(seconds / every))):
        if found := await condition():
            return found
        await asyncio.sleep(every)
    raise AssertionError(f"timed out after {seconds}s waiting for {what}")


async def queued_jobs(redis: aioredis.Redis, queue: str, actor: str | None = None) -> list[dict[str, object]]:
    """The messages waiting in `queue` (of `actor` only, if given), as the broker stored them."""
    messages = [json.loads(raw) for raw in await redis.hvals(QueueKeys.of(queue).messages)]
    return [message for message in messages if actor is None or message["actor_name"] == actor]


def fibonacco(
    *args: str, input: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the `fibonacco` command as an operator would; the test's environment unless `env` is given."""
    return subprocess.run(
        [sys.executable, "-m", "fibonacco", *args],
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
        env=env if env is not None else os.environ.copy(),
        check=False,
    )


REPO = Path(__file__).resolve().parents[1]
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
