"""`fibonacco dev`: embedded servers, migrations, the demo seed, then API + worker + scheduler under supervision.

A crashed child is restarted with backoff; Ctrl-C or SIGTERM stops every child (SIGTERM to each child's main
process only, as ECS would), then the embedded servers.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from types import FrameType

from rich.console import Console

from fibonacco.config import Settings, load_settings
from fibonacco.devstack.embedded import EmbeddedPostgres, EmbeddedRedis

EMBEDDED_DB_PORT = 54329
EMBEDDED_REDIS_PORT = 63799
STOP_TIMEOUT_SECONDS = 30
MAX_RESTART_DELAY_SECONDS = 30.0
# A child that stayed up this long is considered healthy again: its restart delay starts over.
HEALTHY_AFTER_SECONDS = 60.0


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM the child if the supervisor itself dies, so nothing is left behind."""
    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError):  # not Linux: children may outlive a killed supervisor
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


@dataclass
class Child:
    name: str
    args: list[str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    restart_at: float | None = None
    env: dict[str, str] = field(default_factory=dict)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fibonacco", *self.args],
            env={**os.environ, **self.env},
            start_new_session=True,  # Ctrl-C reaches the supervisor only; it forwards SIGTERM itself
            preexec_fn=_die_with_parent,
        )
        self.started_at = time.monotonic()
        self.restart_at = None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill_leftovers(self) -> None:
        """Kill what the child left in its process group (e.g. a killed Dramatiq main's worker processes)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):  # nothing left
            os.killpg(self.process.pid, signal.SIGKILL)

    def restart_delay(self) -> float:
        if time.monotonic() - self.started_at > HEALTHY_AFTER_SECONDS:
            self.restarts = 0
        delay: float = min(2.0**self.restarts, MAX_RESTART_DELAY_SECONDS)
        self.restarts += 1
        return delay


class Supervisor:
    def __init__(self, children: list[Child], console: Console) -> None:
        self.children = children
        self.console = console
        self.stopping = False

    def _request_stop(self, signum: int, _: FrameType | None) -> None:
        self.stopping = True

    def run(self) -> int:
        signal.signal(signal.SIGINT, self._request_stop)
        signal.signal(signal.SIGTERM, self._request_stop)
        for child in self.children:
            child.start()
        while not self.stopping:
            now = time.monotonic()
            for child in self.children:
                if child.restart_at is not None and now >= child.restart_at:
                    self.console.print(f"[yellow]restarting {child.name}[/yellow]")
                    child.start()
                elif child.restart_at is None and not child.running():
                    child.kill_leftovers()
                    code = child.process.returncode if child.process else None
                    delay = child.restart_delay()
                    self.console.print(f"[red]{child.name} exited ({code}); restart in {delay:.0f}s[/red]")
                    child.restart_at = now + delay
            time.sleep(0.2)
        self.stop_children()
        return 0

    def stop_children(self) -> None:
        self.console.print("stopping children…")
        for child in self.children:
            if child.running():
                assert child.process is not None
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                self.console.print(f"[red]{child.name} did not stop in time; killing it[/red]")
            child.kill_leftovers()
            child.process.wait()


def run_dev_stack(settings: Settings, console: Console) -> int:
    from fibonacco.devstack.seed import seed_demo_sync
    from fibonacco.migrations.runner import migrate

    servers: list[EmbeddedPostgres | EmbeddedRedis] = []
    env: dict[str, str] = {}
    try:
        if not settings.DB_HOST:
            postgres = EmbeddedPostgres(settings.DATA_DIR / "postgres", EMBEDDED_DB_PORT)
            console.print(f"starting embedded PostgreSQL on 127.0.0.1:{EMBEDDED_DB_PORT} ({postgres.pgdata})")
            postgres.start()
            servers.append(postgres)
            postgres.create_database(settings.DB_DATABASE)
            env.update(DB_HOST="127.0.0.1", DB_PORT=str(EMBEDDED_DB_PORT), DB_USERNAME="postgres", DB_PASSWORD="")
        if not settings.REDIS_HOST:
            redis = EmbeddedRedis(settings.DATA_DIR / "redis", EMBEDDED_REDIS_PORT)
            console.print(f"starting embedded Redis on 127.0.0.1:{EMBEDDED_REDIS_PORT}")
            redis.start()
            servers.append(redis)
            env.update(REDIS_HOST="127.0.0.1", REDIS_PORT=str(EMBEDDED_REDIS_PORT), REDIS_PASSWORD="null")
        os.environ.update(env)
        settings = load_settings()
        for revision in migrate(settings):
            console.print(f"[green]migrated[/green] {revision}")
        seed_demo_sync(settings).print(console, settings)
        url = f"http://{settings.HOST}:{settings.PORT}"
        console.print(f"\n[bold green]Fibonacco is starting at {url}[/bold green]  (API docs: {url}/docs)")
        console.print("Press Ctrl-C to stop everything.\n")
        children = [
            Child("api", ["serve"]),
            Child("worker", ["worker", "--processes", "1", "--threads", "4"]),
            Child("scheduler", ["scheduler"]),
        ]
        return Supervisor(children, console).run()
    finally:
        for server in reversed(servers):
            server.stop()
        console.print("stopped.")
