"""`fibonacco customers import`. Registered on the main app with `register(app, settings_or_exit)`."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fibonacco.config import Settings
from fibonacco.crm.importer import CHUNK_ROWS, MAX_IMPORT_BYTES, Outcome, Row, chunks
from fibonacco.crm.models import ImportKey
from fibonacco.kit.db import (
    DEADLOCK_DETECTED,
    UNIQUE_VIOLATION,
    create_engine,
    create_sessionmaker,
    sqlstate,
    unit_of_work,
)
from fibonacco.kit.errors import FibonaccoError
from fibonacco.kit.tenancy import bind_tenant
from fibonacco.tenant.service import get_tenant_by_slug

console = Console()
customers_app = typer.Typer(help="Import customers.", no_args_is_help=True)
# How many row errors are printed; the count of all of them is always shown.
SHOWN_ERRORS = 100
# Chunks imported at once (each a connection): on two cores, one chunk's database work overlaps the next's Python.
CONCURRENT_CHUNKS = 2
_LOST_RACE = frozenset({UNIQUE_VIOLATION, DEADLOCK_DETECTED})


class _Refused(Exception):
    """One red line, exit 1."""


async def _tenant_id(sessionmaker: async_sessionmaker[AsyncSession], slug: str) -> uuid.UUID:
    async with unit_of_work(sessionmaker) as session:
        tenant = await get_tenant_by_slug(session, slug)
    if tenant is None:
        raise _Refused(f"No tenant with slug '{slug}'.")
    return tenant.id


async def _import(
    settings: Settings,
    path: Path,
    content: bytes,
    tenant: str,
    mapping: list[str],
    key: ImportKey,
    dry_run: bool,
    progress: Progress,
) -> tuple[int, Outcome]:
    # The service module imports the job modules, whose broker reads settings at import: only after they are known.
    from fibonacco.crm import service

    engine = create_engine(settings, pool_size=CONCURRENT_CHUNKS)
    try:
        sessionmaker = create_sessionmaker(engine)
        tenant_id = await _tenant_id(sessionmaker, tenant)
        async with unit_of_work(sessionmaker) as session:
            await bind_tenant(session, tenant_id)
            parsed = await service.read_import(session, tenant_id, content, path.name, mapping, key)
        bar = progress.add_task(f"{'Checking' if dry_run else 'Importing'} {path.name}", total=len(parsed.rows))
        outcome = await import_chunks(
            sessionmaker, tenant_id, parsed.rows, key, dry_run=dry_run, advance=lambda n: progress.advance(bar, n)
        )
        outcome.errors.extend(parsed.errors)
        return len(parsed.rows) + len(parsed.errors), outcome
    finally:
        await engine.dispose()


async def import_chunks(
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_id: uuid.UUID,
    rows: Sequence[Row],
    key: ImportKey,
    *,
    dry_run: bool,
    advance: Callable[[int], None] = lambda rows: None,
    chunk_rows: int = CHUNK_ROWS,
) -> Outcome:
    """Every chunk of `rows` in a unit of work of its own (its good rows land together; a rerun resumes
    idempotently), `CONCURRENT_CHUNKS` at a time: PostgreSQL writes one while this process validates the next,
    on another core. Two chunks may want the same generated slug (two customers of one name); the one that
    loses (a unique violation, or a deadlock over two such slugs) runs again and then sees the other's. Each loss
    means another chunk committed, so a chunk loses at most once per other chunk: past that, the error is real."""
    from fibonacco.crm import service  # see `_import`

    outcome = Outcome()
    parts = chunks(rows, chunk_rows)
    pending = iter(parts)

    async def run_one(part: list[Row]) -> Outcome:
        losses = 0
        while True:
            try:
                async with unit_of_work(sessionmaker) as session:
                    await bind_tenant(session, tenant_id)
                    return await service.import_chunk(session, tenant_id, part, key, dry_run=dry_run)
            except DBAPIError as exc:
                losses += 1
                if losses >= len(parts) or sqlstate(exc) not in _LOST_RACE:
                    raise

    async def take_chunks() -> None:
        for part in pending:  # shared: each takes the next chunk when it is done with one
            outcome.add(await run_one(part))
            advance(len(part))

    runners = [asyncio.create_task(take_chunks()) for _ in range(CONCURRENT_CHUNKS)]
    try:
        await asyncio.gather(*runners)
    except BaseException:  # the first error as it is (the CLI prints a FibonaccoError), the other runner stopped
        for runner in runners:
            runner.cancel()
        await asyncio.gather(*runners, return_exceptions=True)
        raise
    return outcome


def _report(path: Path, rows: int, outcome: Outcome, dry_run: bool) -> None:
    title = f"{'Dry run of' if dry_run else 'Imported'} {path.name}: {rows} row(s)"
    table = Table("created", "updated", "unchanged", "rejected", title=title)
    table.add_row(str(outcome.created), str(outcome.updated), str(outcome.unchanged), str(len(outcome.errors)))
    console.print(table)
    if dry_run:
        console.print("Nothing was written (dry run): the figures are what an import would do.")
    errors = sorted(outcome.errors, key=lambda error: error.line)
    for error in errors[:SHOWN_ERRORS]:
        where = f"{error.field}: " if error.field else ""
        console.print(f"[yellow]line {error.line}[/yellow] {where}{error.message}")
    if len(errors) > SHOWN_ERRORS:
        console.print(f"… and {len(errors) - SHOWN_ERRORS} more rejected row(s).")


def register(app: typer.Typer, settings: Callable[[], Settings]) -> None:
    """Add `customers` to `app`; `settings` is the main app's settings-or-exit."""

    @customers_app.command("import")
    def import_customers(
        file: Annotated[Path, typer.Argument(help="a .csv (header row) or .json (list of objects) file, UTF-8")],
        tenant: Annotated[str, typer.Option(help="tenant slug")],
        map: Annotated[
            list[str] | None,
            typer.Option(
                "--map",
                help="COLUMN=FIELD[,COLUMN=FIELD…] (repeatable); fields: name slug email phone website industry "
                "timezone stage tags do_not_contact address.<part> metadata.<key> custom.<key>. "
                "Default: columns named as fields.",
            ),
        ] = None,
        key: Annotated[ImportKey, typer.Option(help="match existing customers by this")] = ImportKey.email,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="report what would change, write nothing")] = False,
    ) -> None:
        """Import (upsert) customers: rows matching an existing customer's email or slug update it, so a rerun
        changes nothing. Bad rows are reported with their line and left out; the good rows land."""
        if not file.is_file():
            console.print(f"[red]{file} is not a file.[/red]")
            raise typer.Exit(2)
        if file.stat().st_size > MAX_IMPORT_BYTES:
            console.print(f"[red]{file} is larger than {MAX_IMPORT_BYTES // 1_048_576} MB: split it.[/red]")
            raise typer.Exit(2)
        progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
        )
        try:
            with progress:
                rows, outcome = asyncio.run(
                    _import(settings(), file, file.read_bytes(), tenant, map or [], key, dry_run, progress)
                )
        except (FibonaccoError, _Refused) as exc:
            console.print(f"[red]{exc.message if isinstance(exc, FibonaccoError) else exc}[/red]")
            raise typer.Exit(1) from None
        _report(file, rows, outcome, dry_run)

    app.add_typer(customers_app, name="customers")
