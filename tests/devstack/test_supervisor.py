"""`fibonacco dev` end to end: it serves, restarts a killed worker, and Ctrl-C leaves nothing behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil

from fibonacco.devstack.embedded import EmbeddedPostgres, free_port


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).json() == {"status": "ok"}
    except httpx.HTTPError:
        return False


def worker_mains(supervisor: psutil.Process) -> list[psutil.Process]:
    mains = []
    for child in supervisor.children():
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "worker" in child.cmdline():
                mains.append(child)
        except psutil.Error:
            continue  # exited while we looked
    return mains


class TestDevStack:
    def test_serves_restarts_a_killed_worker_and_stops_cleanly(
        self, tmp_dir: Path, embedded_postgres: EmbeddedPostgres
    ) -> None:
        port = free_port()
        database = f"devstack_{uuid.uuid4().hex[:8]}"
        embedded_postgres.create_database(database)
        # DB_HOST/REDIS_HOST point at the test session's servers, so the stack uses them instead of its own;
        # a database of its own shows it migrating and seeding from empty.
        env = {
            **os.environ,
            "PORT": str(port),
            "DATA_DIR": str(tmp_dir),
            "LOG_LEVEL": "WARNING",
            "DB_DATABASE": database,
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "fibonacco", "dev"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        supervisor = psutil.Process(process.pid)
        try:
            wait_until(lambda: healthy(port), 60, "the API")
            wait_until(lambda: len(worker_mains(supervisor)) == 1, 30, "the worker")
            (worker,) = worker_mains(supervisor)
            worker.kill()
            wait_until(
                lambda: [p.pid for p in worker_mains(supervisor)] not in ([], [worker.pid]),
                30,
                "a new worker",
            )
            descendants = supervisor.children(recursive=True)
            assert len(descendants) >= 3  # api, worker (+ its processes), scheduler

            process.send_signal(signal.SIGINT)
            output, _ = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
        text = output.decode()
        assert process.returncode == 0, text[-3000:]
        assert "worker exited" in text and "restarting worker" in text
        assert "migrated 0001" in text and "demo token: fib_" in text
        alive = [p for p in descendants if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        assert alive == [], f"left behind: {[p.cmdline() for p in alive]}"
