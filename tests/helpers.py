"""Small helpers for tests that drive real processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> float:
    """Poll until `condition()` is truthy; returns the seconds it took."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)
    return time.monotonic() - started


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
