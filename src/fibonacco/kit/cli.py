"""What every command of the `fibonacco` CLI shares: the settings or a one-line refusal, and one unit of work
run to completion with a failure reported as one red line (exit 1), never a traceback."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import NoReturn, TypeVar

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.config import ConfigurationError, Settings, get_settings
from fibonacco.kit.db import standalone_unit_of_work
from fibonacco.kit.errors import FibonaccoError

T = TypeVar("T")

console = Console(soft_wrap=True)  # long URLs and tokens stay on one line, copyable


def settings_or_exit() -> Settings:
    try:
        return get_settings()
    except ConfigurationError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


def database_unreachable(settings: Settings, exc: OSError) -> NoReturn:
    console.print(
        f"[red]Cannot reach PostgreSQL at {settings.DB_HOST or '127.0.0.1'}:{settings.DB_PORT} "
        f"(DB_HOST/DB_PORT): {exc.strerror or exc}[/red]"
    )
    raise typer.Exit(1) from None


def run_in_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """`work` in one unit of work, committed when it returns (jobs it enqueued are sent after the commit)."""

    async def runner() -> T:
        async with standalone_unit_of_work(settings) as session:
            return await work(session)

    try:
        return asyncio.run(runner())
    except FibonaccoError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    except OSError as exc:
        database_unreachable(settings, exc)
