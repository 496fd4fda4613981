"""Start-up checks of the long-running commands (`serve`, `worker`, `scheduler`, `dev`) and how a refusal looks.

A refusal is one block, like the `invalid configuration:` one: what is wrong, then one indented line per variable
to change, and exit code 1. The traceback is shown only under LOG_LEVEL=DEBUG.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
import typer
from redis.exceptions import AuthenticationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rich.console import Console
from sqlalchemy import text

from fibonacco.config import ConfigurationError, Settings, get_settings
from fibonacco.kit.db import create_engine
from fibonacco.kit.redis import create_redis

CHECK_TIMEOUT_SECONDS = 10.0


class StartupError(Exception):
    """A process refuses to start: `problem` says what is wrong, each of `fixes` names a variable to change."""

    def __init__(self, problem: str, *fixes: str) -> None:
        lines = [line for fix in fixes for line in fix.splitlines()]
        super().__init__("\n".join([f"{problem}:", *(f"  {line}" for line in lines)]))


@contextmanager
def refusals(console: Console) -> Iterator[None]:
    """Around a command's start-up: a configuration or start-up error prints one block and exits with code 1."""
    try:
        yield
    except (ConfigurationError, StartupError) as exc:
        if _debugging():
            traceback.print_exception(exc, file=sys.stderr)
        console.print(str(exc), style="red", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def _debugging() -> bool:
    try:
        return get_settings().LOG_LEVEL == "DEBUG"
    except ConfigurationError:  # the settings are what is wrong: read the variable itself
        return os.environ.get("LOG_LEVEL", "").upper() == "DEBUG"


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on host:port now (with SO_REUSEADDR, as servers bind)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def require_free_port(host: str, port: int) -> None:
    if not port_is_free(port, host):
        raise StartupError(f"{host}:{port} is already in use", "PORT: set it to a free port (or stop what listens)")


def _database_fix(settings: Settings, exc: BaseException) -> str:
    where = f"{settings.DB_HOST or '127.0.0.1'}:{settings.DB_PORT}"
    if isinstance(exc, asyncpg.InvalidAuthorizationSpecificationError):  # wrong user or password
        return f"DB_USERNAME/DB_PASSWORD: {settings.DB_USERNAME} at {where}: {exc}"
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return f"DB_DATABASE: {exc}"
    reason = "no answer in time" if isinstance(exc, TimeoutError) else getattr(exc, "strerror", None) or exc
    return f"DB_HOST/DB_PORT: {where}: {reason}"


def _redis_fix(settings: Settings, exc: BaseException) -> str:
    if isinstance(exc, AuthenticationError):
        return f"REDIS_PASSWORD: {exc}"
    if isinstance(exc, TimeoutError):
        return f"REDIS_HOST/REDIS_PORT: {settings.REDIS_HOST or '127.0.0.1'}:{settings.REDIS_PORT}: no answer in time"
    return f"REDIS_HOST/REDIS_PORT: {exc}"  # redis-py names the address


async def _ping_database(settings: Settings) -> None:
    # As the login user: the application role appears only with the first migration.
    engine = create_engine(settings, pool_size=1, role=None)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()


async def _ping_redis(settings: Settings) -> None:
    client = create_redis(settings)
    try:
        await client.ping()
    finally:
        await client.aclose()


def require_servers(settings: Settings, *, database: bool = True, redis: bool = True) -> None:
    """Refuse to start, naming the variables, if PostgreSQL or Redis cannot be used."""
    unreachable: dict[str, str] = {}
    cause: BaseException | None = None
    if database:
        try:
            asyncio.run(asyncio.wait_for(_ping_database(settings), CHECK_TIMEOUT_SECONDS))
        except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
            unreachable["PostgreSQL"], cause = _database_fix(settings, exc), exc
    if redis:
        try:
            asyncio.run(asyncio.wait_for(_ping_redis(settings), CHECK_TIMEOUT_SECONDS))
        except (RedisConnectionError, RedisTimeoutError, TimeoutError) as exc:
            unreachable["Redis"], cause = _redis_fix(settings, exc), exc
    if unreachable:
        raise StartupError(f"cannot reach {' and '.join(unreachable)}", *unreachable.values()) from cause
