"""Job commands: `worker`, `scheduler`, `schedule run|list` and `queue failed|retry|forget|flush|stats`.

Registered on the main `fibonacco` app with `register(app)`. Command bodies import the worker's machinery
(Dramatiq's command line, the scheduler, the tasks modules) when they run: `fibonacco --help` stays quick, and
the tasks modules build the broker from the settings at import, so they come after the settings are checked.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.config import Settings, get_settings
from fibonacco.integrations.registry import check_configuration
from fibonacco.kit.cli import run_in_session, settings_or_exit
from fibonacco.kit.redis import create_redis
from fibonacco.kit.responses import Page
from fibonacco.kit.startup import refusals, require_servers
from fibonacco.kit.tenancy import cross_tenant
from fibonacco.logging import configure_logging
from fibonacco.worker import service
from fibonacco.worker.health import Role, is_alive
from fibonacco.worker.queues import QUEUES
from fibonacco.worker.schemas import QueueStats

T = TypeVar("T")
console = Console()
schedule_app = typer.Typer(help="Run or inspect the schedules.", no_args_is_help=True)
queue_app = typer.Typer(help="Inspect queues and handle failed jobs.", no_args_is_help=True)

ModulesOption = Annotated[
    list[str] | None,
    typer.Option("--module", help="also import this module's actors and schedules (repeatable)"),
]


def _load(modules: list[str] | None) -> None:
    """Import every tasks module (and `modules`): only once the settings are checked, since the broker is built
    from them at import."""
    from fibonacco.worker.registry import load_tasks

    load_tasks(*(modules or []))


def _exit_with_health(settings: Settings, role: Role) -> None:
    alive = is_alive(settings, role)
    console.print(f"{role}: {'alive' if alive else 'no recent heartbeat on this host'}")
    raise typer.Exit(0 if alive else 1)


def dramatiq_arguments(
    settings: Settings,
    *,
    queues: list[str] | None = None,
    processes: int | None = None,
    threads: int | None = None,
    modules: list[str] | None = None,
) -> list[str]:
    """Arguments for Dramatiq's worker command line, from our options and settings."""
    arguments = [
        "fibonacco.worker.registry",
        *(modules or []),
        "--processes", str(processes or settings.WORKER_PROCESSES),
        "--threads", str(threads or settings.WORKER_THREADS),
        "--worker-shutdown-timeout", str(int(settings.WORKER_SHUTDOWN_TIMEOUT_SECONDS * 1000)),
    ]  # fmt: skip
    if queues:
        arguments += ["--queues", *queues]
    return arguments


def worker(
    queues: Annotated[str | None, typer.Option(help="comma-separated subset, e.g. emails,sms (default: all)")] = None,
    processes: Annotated[int | None, typer.Option(min=1, help="worker processes (default WORKER_PROCESSES)")] = None,
    threads: Annotated[int | None, typer.Option(min=1, help="jobs per process (default WORKER_THREADS)")] = None,
    module: ModulesOption = None,
    check: Annotated[bool, typer.Option("--check", help="exit 0 if a worker on this host is alive")] = False,
) -> None:
    """Run queue workers. SIGTERM lets running jobs finish for WORKER_SHUTDOWN_TIMEOUT_SECONDS, then exits."""
    from dramatiq.cli import main, make_argument_parser  # Dramatiq's command line: only for this command

    with refusals(console):
        settings = get_settings()
        if check:
            _exit_with_health(settings, "worker")
        check_configuration(settings)
        require_servers(settings)
    selected = [name.strip() for name in queues.split(",") if name.strip()] if queues else None
    unknown = sorted(set(selected or []) - set(QUEUES))
    if unknown:
        console.print(f"[red]Unknown queue(s): {', '.join(unknown)}. Queues: {', '.join(QUEUES)}.[/red]")
        raise typer.Exit(2)
    try:
        _load(module)  # what each worker process imports: a failure here is one line, not a traceback per process
    except Exception as exc:
        console.print(f"[red]The worker cannot start: {type(exc).__name__}: {exc}[/red]", soft_wrap=True)
        raise typer.Exit(2) from None
    arguments = dramatiq_arguments(settings, queues=selected, processes=processes, threads=threads, modules=module)
    configure_logging(settings, process="worker")  # before Dramatiq's main process logs; its workers inherit it
    if settings.WORKER_PREFETCH:
        import dramatiq.worker  # only to set its prefetch below

        # Dramatiq reads this at worker construction: the env var reaches spawned processes, the module
        # attribute forked ones (its import-time copy would otherwise win).
        os.environ["dramatiq_queue_prefetch"] = str(settings.WORKER_PREFETCH)  # noqa: SIM112 - its own spelling
        dramatiq.worker.QUEUE_PREFETCH = settings.WORKER_PREFETCH
    # Runs in this process (same pid), so a supervisor's or ECS's SIGTERM reaches Dramatiq's main process.
    parsed = make_argument_parser().parse_args(arguments)  # type: ignore[no-untyped-call]
    raise typer.Exit(main(parsed))  # type: ignore[no-untyped-call]


def scheduler(
    module: ModulesOption = None,
    check: Annotated[bool, typer.Option("--check", help="exit 0 if a scheduler on this host is alive")] = False,
) -> None:
    """Run the scheduler: only one of several is active (Redis lock); it enqueues, workers do the work."""
    with refusals(console):
        settings = get_settings()
        from fibonacco.worker.scheduler import run_scheduler  # APScheduler: only for this command

        if check:
            _exit_with_health(settings, "scheduler")
        require_servers(settings, database=False)  # it only enqueues
    configure_logging(settings, process="scheduler")
    _load(module)
    run_scheduler(settings)


@schedule_app.command("run")
def schedule_run(module: ModulesOption = None) -> None:
    """Enqueue every schedule's due tick once and publish queue depth (for an EventBridge `rate(1 minute)` rule)."""
    from fibonacco.worker.metrics import QueueDepthPublisher  # the metrics client: only for this command
    from fibonacco.worker.scheduler import Ticker, redis_client, scheduler_identity  # APScheduler: only here

    settings = settings_or_exit()
    _load(module)
    client = redis_client(settings)
    try:
        fired = Ticker(client, settings, scheduler_identity()).run_due(datetime.now(UTC))
    finally:
        client.close()
    QueueDepthPublisher(settings).publish()  # this tick's queue-depth datapoint (worker/metrics.py)
    table = Table("schedule", "tick", "outcome")
    for item, tick, outcome in fired:
        table.add_row(item.name, f"{tick:%Y-%m-%d %H:%M:%S}", outcome.value)
    console.print(table if fired else "No schedule is due.")


@schedule_app.command("list")
def schedule_list(module: ModulesOption = None) -> None:
    """Every schedule with its cadence, last run and next run (UTC)."""
    from fibonacco.worker.scheduler import SCHEDULES, Ticker, redis_client, scheduler_identity  # APScheduler

    settings = settings_or_exit()
    _load(module)
    client = redis_client(settings)
    try:
        last_runs = Ticker(client, settings, scheduler_identity()).last_runs()
    finally:
        client.close()
    now = datetime.now(UTC)
    table = Table("schedule", "cadence", "overlap", "last run", "outcome", "next run")
    for name, item in sorted(SCHEDULES.items()):
        last = last_runs.get(name)
        next_tick = item.next_tick(now)
        table.add_row(
            name,
            item.cadence,
            "allowed" if item.overlap else "prevented",
            f"{last.tick:%Y-%m-%d %H:%M:%S}" if last else "never",
            last.outcome.value if last else "",
            f"{next_tick:%Y-%m-%d %H:%M:%S}" if next_tick else "never",
        )
    console.print(table)


@queue_app.command("failed")
def queue_failed(limit: Annotated[int, typer.Option(min=1, max=100, help="newest N")] = 50) -> None:
    """Jobs that exhausted their tries, newest first."""

    async def fetch(session: AsyncSession) -> list[tuple[str, ...]]:
        rows, _ = await service.list_failed_jobs(session, None, Page(page=1, per_page=limit))
        return [(str(r.id), r.queue, r.actor, r.error, f"{r.failed_at:%Y-%m-%d %H:%M:%S}") for r in rows]

    rows = _in_session(fetch)
    table = Table("id", "queue", "job", "error", "failed at")
    for row in rows:
        table.add_row(*row)
    console.print(table if rows else "No failed jobs.")


@queue_app.command("retry")
def queue_retry(job: Annotated[str, typer.Argument(help="a failed job's id, or 'all'")]) -> None:
    """Queue failed jobs again; a job that fails again returns to the failed list."""
    if job == "all":
        count = _in_session(lambda session: service.retry_all_failed_jobs(session, None))
        console.print(f"{count} job(s) queued again.")
        return
    job_id = _job_id(job)
    _in_session(lambda session: service.retry_failed_job(session, None, job_id))
    console.print(f"Job {job_id} queued again.")


@queue_app.command("forget")
def queue_forget(job: Annotated[str, typer.Argument(help="a failed job's id")]) -> None:
    """Delete a failed job without running it."""
    job_id = _job_id(job)
    _in_session(lambda session: service.forget_failed_job(session, None, job_id))
    console.print(f"Failed job {job_id} forgotten.")


@queue_app.command("flush")
def queue_flush(
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
) -> None:
    """Delete every failed job."""
    if not yes:
        typer.confirm("Delete every failed job?", abort=True)
    count = _in_session(lambda session: service.flush_failed_jobs(session, None))
    console.print(f"{count} failed job(s) deleted.")


@queue_app.command("stats")
def queue_stats() -> None:
    """Per queue: jobs waiting, delayed for a retry, in flight, and failed."""
    settings = settings_or_exit()

    async def fetch(session: AsyncSession) -> list[QueueStats]:
        redis = create_redis(settings)
        try:
            return await service.queue_stats(session, redis, None)
        finally:
            await redis.aclose()

    table = Table("queue", "waiting", "delayed", "in flight", "failed")
    for row in _in_session(fetch):
        table.add_row(row.queue, str(row.waiting), str(row.delayed), str(row.in_flight), str(row.failed))
    console.print(table)


def _in_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """The operator's queue commands see every tenant's jobs and the platform's own."""

    async def across_tenants(session: AsyncSession) -> T:
        await cross_tenant(session, "operator CLI: queue commands")
        return await work(session)

    return run_in_session(settings_or_exit(), across_tenants)


def _job_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        console.print(f"[red]'{value}' is not a job id.[/red]")
        raise typer.Exit(2) from None


def register(app: typer.Typer) -> None:
    app.command()(worker)
    app.command()(scheduler)
    app.add_typer(schedule_app, name="schedule")
    app.add_typer(queue_app, name="queue")
