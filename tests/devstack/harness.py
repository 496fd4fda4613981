"""Runs `fibonacco dev` as a developer would, its output in a file, and leaves nothing running behind a test."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from tests.helpers import wait_for

START_TIMEOUT_SECONDS = 90  # a first start runs initdb and every migration on two busy cores


def healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).json() == {"status": "ok"}
    except httpx.HTTPError:
        return False


@dataclass
class DevStack:
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def supervisor(self) -> psutil.Process:
        return psutil.Process(self.process.pid)

    def output(self) -> str:
        return self.log_path.read_text()

    def stop(self) -> int:
        """Ctrl-C, as a developer stops it; returns its exit code."""
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=60)


@contextlib.contextmanager
def running_dev_stack(env: dict[str, str], port: int, log_path: Path) -> Iterator[DevStack]:
    """`fibonacco dev` with `env`, once its API answers on `port`."""
    with log_path.open("wb") as log:  # a file, not a pipe: a full pipe would block the stack
        process = subprocess.Popen([sys.executable, "-m", "fibonacco", "dev"], env=env, stdout=log, stderr=log)
    stack = DevStack(process, log_path)
    supervisor = stack.supervisor
    try:
        wait_for(lambda: healthy(port) or process.poll() is not None, START_TIMEOUT_SECONDS, "the API")
        assert process.poll() is None, stack.output()[-3000:]
        yield stack
    finally:
        if process.poll() is None:  # the test failed midway: leave nothing running behind it
            for leftover in [*supervisor.children(recursive=True), supervisor]:
                with contextlib.suppress(psutil.Error):
                    leftover.kill()
            process.wait()
