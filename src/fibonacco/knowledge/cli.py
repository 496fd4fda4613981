"""`fibonacco embeddings process|generate-pending` and `fibonacco knowledge import`.

Registered on the main `fibonacco` app with `register(app)`.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.integrations.errors import ProviderError
from fibonacco.integrations.registry import get_embedder
from fibonacco.kit.cli import run_in_session, settings_or_exit
from fibonacco.kit.db import create_engine, create_sessionmaker, unit_of_work
from fibonacco.kit.tenancy import cross_tenant
from fibonacco.knowledge import service
from fibonacco.knowledge.importer import ImportSourceError, read_records
from fibonacco.knowledge.repository import PendingEntry
from fibonacco.tenant.cli import tenant_or_exit

if TYPE_CHECKING:
    from fibonacco.knowledge.tasks import EmbeddingTally

# The embeddings commands work on every tenant's entries (row-level security is lifted for them, logged).
EVERY_TENANT = "operator CLI: embeddings of every tenant"

console = Console()
embeddings_app = typer.Typer(help="Generate knowledge base embeddings.", no_args_is_help=True)
knowledge_app = typer.Typer(help="Manage the knowledge base.", no_args_is_help=True)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )


@embeddings_app.command("process")
def process(
    batch_size: Annotated[int, typer.Option(min=1, max=2048, help="entries per provider request")] = 64,
) -> None:
    """Embed every pending entry now, in this process (what the 5-minute schedule does on a worker)."""
    # The tasks module declares actors, so it builds the broker from the settings at import: after they are read.
    settings = settings_or_exit()
    from fibonacco.knowledge.tasks import process_pending

    async def count_everywhere(session: AsyncSession) -> int:
        await cross_tenant(session, EVERY_TENANT)
        return await service.count_pending(session)

    pending = run_in_session(settings, count_everywhere)
    embedder = get_embedder(settings)

    async def run(progress: Progress) -> EmbeddingTally:
        bar = progress.add_task(f"Embedding with {embedder.model_name}", total=pending)
        engine = create_engine(settings, pool_size=2)
        try:
            return await process_pending(
                partial(unit_of_work, create_sessionmaker(engine)),
                embedder,
                batch_size=batch_size,
                progress=lambda batch: progress.advance(bar, batch.claimed),
            )
        finally:
            await engine.dispose()

    try:
        with _progress() as progress:
            tally = asyncio.run(run(progress))
    except ProviderError as exc:
        console.print(f"[red]{exc.provider}: {exc.message} (the batch is marked failed; run again later)[/red]")
        raise typer.Exit(1) from None
    console.print(f"Embedded {tally.stored}, failed {tally.failed}, of {tally.claimed} claimed.")


@embeddings_app.command("generate-pending")
def generate_pending() -> None:
    """Queue embedding jobs for every entry without a current embedding (none yet, failed, or made by another
    model than the configured one); workers on the `embeddings` queue do the work."""
    settings = settings_or_exit()
    # The tasks module declares actors, so it builds the broker from the settings at import: after they are read.
    from fibonacco.knowledge.tasks import generate_embedding

    model = get_embedder(settings).model_name

    async def mark(session: AsyncSession) -> list[PendingEntry]:
        await cross_tenant(session, EVERY_TENANT)
        await service.mark_missing_embeddings(session, model)
        return await service.pending_entries(session)

    pending = run_in_session(settings, mark)  # committed before any job is sent
    with _progress() as progress:
        for entry in progress.track(pending, description=f"Queueing for {model}"):
            generate_embedding.send(str(entry.entry_id), tenant_id=str(entry.tenant_id))
    console.print(f"Queued {len(pending)} embedding job(s).")


@knowledge_app.command("import")
def import_entries(
    source: Annotated[Path, typer.Argument(help="a JSON or CSV file, or a folder of Markdown files")],
    tenant: Annotated[str, typer.Option(help="tenant slug")],
) -> None:
    """Import entries, idempotently: a source URL (or file path) seen before updates its entry.

    JSON: a list of entry objects (or {"entries": [...]}). CSV: a header row of entry fields; list fields
    separated by ';', metadata as JSON. Markdown: YAML front matter for the fields, the body as content,
    the first '# heading' as title. Invalid records are reported with the reason; the rest are imported.
    """
    try:
        plan = service.plan_records(read_records(source))
    except ImportSourceError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    outcomes: Counter[str] = Counter()

    async def work(session: AsyncSession) -> None:
        owner = await tenant_or_exit(session, tenant)
        with _progress() as progress:
            for record in progress.track(plan.records, description=f"Importing {source.name}"):
                outcomes[await service.import_entry(session, owner.id, record)] += 1

    # One unit of work: the import applies whole, and embedding jobs are sent once it has committed.
    run_in_session(settings_or_exit(), work)
    table = Table("created", "updated", "skipped", "invalid", title=f"Imported {source}")
    table.add_row(*(str(outcomes[name]) for name in ("created", "updated", "skipped")), str(len(plan.invalid)))
    console.print(table)
    for problem in plan.invalid:
        console.print(f"[yellow]invalid[/yellow] {problem.location}: {problem.reason}")


def register(app: typer.Typer) -> None:
    app.add_typer(embeddings_app, name="embeddings")
    app.add_typer(knowledge_app, name="knowledge")
