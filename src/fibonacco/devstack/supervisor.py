"""`fibonacco dev`: embedded servers, migrations, the demo seed, then API + worker + scheduler under supervision.

A crashed child is restarted with backoff; Ctrl-C or SIGTERM stops every child (SIGTERM to each child's main
process only, as ECS would), then the embedded servers.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from types import FrameType

from rich.console import Console

from fibonacco.config import Settings, load_settings
from fibonacco.devstack.addresses import (
    DatabaseAddress,
    DevStackAddresses,
    RedisAddress,
    read_addresses,
    remove_addresses,
    this_process,
    write_addresses,
)
from fibonacco.devstack.embedded import (
    EmbeddedPostgres,
    EmbeddedRedis,
    EmbeddedServerError,
    die_with_parent,
    free_port,
)
from fibonacco.devstack.seed import seed_demo_sync
from fibonacco.integrations.registry import check_configuration
from fibonacco.kit.startup import StartupError, port_is_free, require_free_port, require_servers
from fibonacco.migrations.runner import migrate

EMBEDDED_DB_PORT = 54329
EMBEDDED_REDIS_PORT = 63799
STOP_TIMEOUT_SECONDS = 30
MAX_RESTART_DELAY_SECONDS = 30.0
# A child that stayed up this long is considered healthy again: its restart delay starts over.
HEALTHY_AFTER_SECONDS = 60.0


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
            preexec_fn=die_with_parent,
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


def _embedded_port(preferred: int, server: str, console: Console) -> int:
    if port_is_free(preferred):
        return preferred
    port = free_port()
    console.print(f"[yellow]127.0.0.1:{preferred} is taken by another program: embedded {server} uses {port}[/yellow]")
    return port


def _start_embedded(
    settings: Settings, console: Console, servers: list[EmbeddedPostgres | EmbeddedRedis]
) -> DevStackAddresses:
    """Start an embedded server for each of DB_HOST / REDIS_HOST that is unset; `servers` collects them."""
    database = redis = None
    if not settings.DB_HOST:
        postgres = EmbeddedPostgres(settings.DATA_DIR / "postgres", EMBEDDED_DB_PORT)
        postgres.stop()  # one left behind by a killed run holds the data directory and the port
        postgres.port = _embedded_port(EMBEDDED_DB_PORT, "PostgreSQL", console)
        console.print(f"starting embedded PostgreSQL on 127.0.0.1:{postgres.port} ({postgres.pgdata})")
        servers.append(postgres)
        postgres.start()
        postgres.create_database(settings.DB_DATABASE)
        database = DatabaseAddress("127.0.0.1", postgres.port, "postgres", settings.DB_DATABASE)
    if not settings.REDIS_HOST:
        port = _embedded_port(EMBEDDED_REDIS_PORT, "Redis", console)
        console.print(f"starting embedded Redis on 127.0.0.1:{port}")
        embedded_redis = EmbeddedRedis(settings.DATA_DIR / "redis", port)
        servers.append(embedded_redis)
        embedded_redis.start()
        redis = RedisAddress("127.0.0.1", port)
    return DevStackAddresses(*this_process(), database=database, redis=redis)


def _children_environment(addresses: DevStackAddresses) -> dict[str, str]:
    env: dict[str, str] = {}
    if addresses.database is not None:
        env.update(
            DB_HOST=addresses.database.host,
            DB_PORT=str(addresses.database.port),
            DB_USERNAME=addresses.database.username,
            DB_PASSWORD="",
        )
    if addresses.redis is not None:
        env.update(REDIS_HOST=addresses.redis.host, REDIS_PORT=str(addresses.redis.port), REDIS_PASSWORD="null")
    return env


def _refuse_a_second_stack(settings: Settings) -> None:
    running = read_addresses(settings.DATA_DIR)
    if running is not None:
        raise StartupError(
            f"a dev stack already runs on {settings.DATA_DIR} (pid {running.pid})",
            "DATA_DIR: set another one for a second stack, or stop the first (Ctrl-C in its terminal)",
        )


def run_dev_stack(settings: Settings, console: Console) -> int:
    """Start everything, supervise until Ctrl-C/SIGTERM; a start-up refusal raises `StartupError`."""
    _refuse_a_second_stack(settings)
    check_configuration(settings)
    require_free_port(settings.HOST, settings.PORT)
    servers: list[EmbeddedPostgres | EmbeddedRedis] = []
    try:
        addresses = _start_embedded(settings, console, servers)
        os.environ.update(_children_environment(addresses))
        settings = load_settings()
        require_servers(settings)  # DB_HOST / REDIS_HOST of your own: reachable?
        if servers:
            write_addresses(settings.DATA_DIR, addresses)  # a second terminal's commands find the servers
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
    except EmbeddedServerError as exc:
        raise StartupError(
            "an embedded server did not start", str(exc), "DB_HOST / REDIS_HOST: set them to use servers of your own"
        ) from exc
    except KeyboardInterrupt:  # Ctrl-C before the supervisor took over the signal
        return 130
    finally:
        remove_addresses(settings.DATA_DIR)
        for server in reversed(servers):
            server.stop()
        console.print("stopped.")
