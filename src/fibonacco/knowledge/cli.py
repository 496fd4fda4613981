"""`fibonacco embeddings process|generate-pending` and `fibonacco knowledge import`.

Registered on the main `fibonacco` app with `register(app)`.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.config import Settings
from fibonacco.kit.tenancy import bind_tenant, cross_tenant

# The embeddings commands work on every tenant's entries (row-level security is lifted for them, logged).
EVERY_TENANT = "operator CLI: embeddings of every tenant"

console = Console()
embeddings_app = typer.Typer(help="Generate knowledge base embeddings.", no_args_is_help=True)
knowledge_app = typer.Typer(help="Manage the knowledge base.", no_args_is_help=True)


def _settings() -> Settings:
    from fibonacco.cli import settings_or_exit

    return settings_or_exit()


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )


@embeddings_app.command("process")
def process(
    batch_size: Annotated[int, typer.Option(min=1, max=2048, help="entries per provider request")] = 64,
) -> None:
    """Embed every pending entry now, in this process (what the 5-minute schedule does on a worker)."""
    from fibonacco.cli import run_in_session
    from fibonacco.integrations.errors import ProviderError
    from fibonacco.integrations.registry import get_embedder
    from fibonacco.kit.db import create_engine, create_sessionmaker, unit_of_work
    from fibonacco.knowledge.service import count_pending
    from fibonacco.knowledge.tasks import EmbeddingTally, process_pending

    settings = _settings()

    async def count_everywhere(session: AsyncSession) -> int:
        await cross_tenant(session, EVERY_TENANT)
        return await count_pending(session)

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
    from fibonacco.cli import run_in_session
    from fibonacco.integrations.registry import get_embedder
    from fibonacco.knowledge.service import mark_missing_embeddings, pending_entry_ids
    from fibonacco.knowledge.tasks import generate_embedding

    settings = _settings()
    model = get_embedder(settings).model_name

    async def mark(session: AsyncSession) -> list[str]:
        await cross_tenant(session, EVERY_TENANT)
        await mark_missing_embeddings(session, model)
        return [str(entry_id) for entry_id in await pending_entry_ids(session)]

    entry_ids = run_in_session(settings, mark)  # committed before any job is sent
    with _progress() as progress:
        for entry_id in progress.track(entry_ids, description=f"Queueing for {model}"):
            generate_embedding.send(entry_id)
    console.print(f"Queued {len(entry_ids)} embedding job(s).")


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
    from fibonacco.cli import run_in_session
    from fibonacco.knowledge.importer import ImportSourceError, read_records
    from fibonacco.knowledge.service import import_entry
    from fibonacco.tenant.service import get_tenant_by_slug

    try:
        records = read_records(source)
    except ImportSourceError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    outcomes: Counter[str] = Counter()
    invalid: list[tuple[str, str]] = [(r.location, r.error or "") for r in records if r.data is None]
    first_seen: dict[str, str] = {}

    async def work(session: AsyncSession) -> None:
        owner = await get_tenant_by_slug(session, tenant)
        if owner is None:
            console.print(f"[red]No tenant with slug '{tenant}'.[/red]")
            raise typer.Exit(1)
        await bind_tenant(session, owner.id)
        with _progress() as progress:
            for record in progress.track(records, description=f"Importing {source.name}"):
                if record.data is None:
                    continue
                key = record.data.source_url or ""
                if key in first_seen:
                    invalid.append((record.location, f"same source as {first_seen[key]}"))
                    continue
                first_seen[key] = record.location
                outcomes[await import_entry(session, owner.id, record.data)] += 1

    # One unit of work: the import applies whole, and embedding jobs are sent once it has committed.
    run_in_session(_settings(), work)
    table = Table("created", "updated", "skipped", "invalid", title=f"Imported {source}")
    table.add_row(*(str(outcomes[name]) for name in ("created", "updated", "skipped")), str(len(invalid)))
    console.print(table)
    for location, reason in invalid:
        console.print(f"[yellow]invalid[/yellow] {location}: {reason}")


def register(app: typer.Typer) -> None:
    app.add_typer(embeddings_app, name="embeddings")
    app.add_typer(knowledge_app, name="knowledge")
