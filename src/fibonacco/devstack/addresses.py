"""Where a running `fibonacco dev` keeps its embedded servers, so a second terminal's commands find them.

`fibonacco dev` writes `DATA_DIR/dev-stack.json` once its embedded PostgreSQL and Redis are up and removes it when
it stops. The file names the supervisor's process (pid and start time): a file left by a killed stack is stale
and ignored. It holds addresses only, never a secret (the embedded servers have no passwords).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import psutil
from pydantic import TypeAdapter, ValidationError

ADDRESSES_FILE = "dev-stack.json"


@dataclass(frozen=True)
class DatabaseAddress:
    host: str
    port: int
    username: str
    database: str


@dataclass(frozen=True)
class RedisAddress:
    host: str
    port: int


@dataclass(frozen=True)
class DevStackAddresses:
    pid: int
    started: float  # the supervisor's process start time, so a reused pid does not pass for it
    database: DatabaseAddress | None = None  # None: the stack uses the configured DB_HOST, not its own
    redis: RedisAddress | None = None

    def is_live(self) -> bool:
        try:
            return psutil.Process(self.pid).create_time() == self.started
        except psutil.Error:
            return False


_ADAPTER = TypeAdapter(DevStackAddresses)


def _path(data_dir: Path) -> Path:
    return data_dir / ADDRESSES_FILE


def this_process() -> tuple[int, float]:
    """The (pid, started) pair that identifies the calling process in the file."""
    return os.getpid(), psutil.Process().create_time()


def write_addresses(data_dir: Path, addresses: DevStackAddresses) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    staging = _path(data_dir).with_suffix(".tmp")
    staging.write_bytes(_ADAPTER.dump_json(addresses, indent=2))
    staging.replace(_path(data_dir))  # a reader never sees half a file


def _load(data_dir: Path) -> DevStackAddresses | None:
    try:
        return _ADAPTER.validate_json(_path(data_dir).read_bytes())
    except (OSError, ValidationError):
        return None


def read_addresses(data_dir: Path) -> DevStackAddresses | None:
    """The running dev stack's addresses, or None (no file, an unreadable one, or one left by a dead stack)."""
    addresses = _load(data_dir)
    return addresses if addresses is not None and addresses.is_live() else None


def remove_addresses(data_dir: Path) -> None:
    """Remove the file if this process wrote it (a second, refused `fibonacco dev` leaves the first one's)."""
    owner = _load(data_dir)
    if owner is not None and (owner.pid, owner.started) == this_process():
        with contextlib.suppress(FileNotFoundError):
            _path(data_dir).unlink()
