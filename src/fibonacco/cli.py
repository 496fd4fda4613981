"""The `fibonacco` command: every process of the platform and the operator's admin commands.

Command bodies import what only they use (servers, migrations, provider SDKs) when they run, so `fibonacco
--help` stays quick and needs no settings; everything else is imported here.
"""

from __future__ import annotations

from typing import Annotated, TypeVar

import typer
from pydantic import ValidationError
from redis.exceptions import ConnectionError as RedisConnectionError
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.auth.schemas import PersonalAccessTokenCreate, UserCreate
from fibonacco.auth.service import create_user, get_user_by_email, issue_token
from fibonacco.config import get_settings
from fibonacco.crm.cli import register as register_crm_commands
from fibonacco.infra.cli import app as infra_app
from fibonacco.integrations.registry import check_configuration
from fibonacco.kit.cli import console, database_unreachable, run_in_session, settings_or_exit
from fibonacco.kit.startup import refusals, require_free_port, require_servers
from fibonacco.knowledge.cli import register as register_knowledge_commands
from fibonacco.logging import configure_logging
from fibonacco.tenant.cli import tenant_or_exit
from fibonacco.tenant.schemas import TenantCreate
from fibonacco.tenant.service import create_tenant, list_tenants
from fibonacco.worker.cli import register as register_worker_commands

T = TypeVar("T")

app = typer.Typer(help="Fibonacco Operations Platform.", no_args_is_help=True, pretty_exceptions_enable=False)
tenants_app = typer.Typer(help="Manage tenants.", no_args_is_help=True)
users_app = typer.Typer(help="Manage users.", no_args_is_help=True)
tokens_app = typer.Typer(help="Manage personal access tokens.", no_args_is_help=True)
app.add_typer(tenants_app, name="tenants")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address (default HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default PORT)")] = None,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
) -> None:
    """Run the API server."""
    import uvicorn  # the server: only for this command

    with refusals(console):
        settings = get_settings()
        check_configuration(settings)
        host, port = host or settings.HOST, port or settings.PORT
        require_free_port(host, port)
        require_servers(settings)
    configure_logging(settings, process="api")
    uvicorn.run(
        "fibonacco.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        forwarded_allow_ips="*",
        log_config=None,
        timeout_graceful_shutdown=25,
    )


@app.command()
def migrate() -> None:
    """Apply pending database migrations (idempotent: safe on every deploy)."""
    from fibonacco.migrations.runner import migrate as run_migrations  # Alembic: only for this command

    settings = settings_or_exit()
    try:
        applied = run_migrations(settings)
    except OSError as exc:
        database_unreachable(settings, exc)
    if not applied:
        console.print("Nothing to migrate: the database is up to date.")
    for revision in applied:
        console.print(f"[green]applied[/green] {revision}")


@app.command()
def dev() -> None:
    """Run the whole platform locally: embedded PostgreSQL and Redis, API, worker and scheduler, supervised."""
    from fibonacco.devstack.supervisor import run_dev_stack  # the embedded servers: only for this command

    with refusals(console):
        code = run_dev_stack(get_settings(), console)
    raise typer.Exit(code)


@app.command("seed-demo")
def seed_demo() -> None:
    """Create the demo tenant, its owner and a token (idempotent)."""
    from fibonacco.devstack.seed import seed_demo_sync  # the dev stack's seed: only for this command

    settings = settings_or_exit()
    seed_demo_sync(settings).print(console, settings)


@tenants_app.command("create")
def tenants_create(
    name: Annotated[str, typer.Option(help="display name")],
    slug: Annotated[str, typer.Option(help="URL slug: lowercase letters, digits and dashes")],
    domain: Annotated[str | None, typer.Option(help="Learning Center host name")] = None,
) -> None:
    data = _validated(TenantCreate, name=name, slug=slug, domain=domain)
    tenant = run_in_session(settings_or_exit(), lambda session: create_tenant(session, data))
    console.print(f"Tenant [bold]{tenant.slug}[/bold] created: {tenant.id}")


@tenants_app.command("list")
def tenants_list() -> None:
    async def fetch(session: AsyncSession) -> list[tuple[str, str, str]]:
        return [(str(row.id), row.slug, row.name) for row in await list_tenants(session)]

    table = Table("id", "slug", "name")
    for row in run_in_session(settings_or_exit(), fetch):
        table.add_row(*row)
    console.print(table)


@users_app.command("create")
def users_create(
    tenant: Annotated[str, typer.Option(help="tenant slug")],
    email: Annotated[str, typer.Option()],
    name: Annotated[str, typer.Option()],
    role: Annotated[str, typer.Option(help="owner, admin, staff or viewer")] = "viewer",
    password: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="at least 10 characters"),
    ] = "",
) -> None:
    data = _validated(UserCreate, email=email, name=name, role=role, password=password)

    async def work(session: AsyncSession) -> str:
        tenant_row = await tenant_or_exit(session, tenant)
        user = await create_user(session, tenant_row.id, data)
        return str(user.id)

    console.print(f"User {email} created: {run_in_session(settings_or_exit(), work)}")


@tokens_app.command("create")
def tokens_create(
    tenant: Annotated[str, typer.Option(help="tenant slug")],
    email: Annotated[str, typer.Option(help="the user the token acts as")],
    name: Annotated[str, typer.Option(help="what the token is for")],
    ability: Annotated[list[str] | None, typer.Option(help="repeatable; default '*'")] = None,
    expires_in_days: Annotated[int | None, typer.Option(help="omit for no expiry")] = None,
) -> None:
    """Create a token; it is printed once and only its hash is kept."""
    data = _validated(PersonalAccessTokenCreate, name=name, abilities=ability or ["*"], expires_in_days=expires_in_days)

    async def work(session: AsyncSession) -> str:
        tenant_row = await tenant_or_exit(session, tenant)
        user = await get_user_by_email(session, tenant_row.id, email)
        if user is None:
            console.print(f"[red]No user with email {email} in tenant '{tenant}'.[/red]")
            raise typer.Exit(1)
        token, _ = await issue_token(session, user, data)
        return token

    token = run_in_session(settings_or_exit(), work)
    console.print("Token (shown once, store it now):")
    print(token)


def _validated(schema: type[T], **values: object) -> T:
    try:
        return schema(**values)
    except ValidationError as exc:
        for error in exc.errors():
            console.print(f"[red]{'.'.join(map(str, error['loc']))}: {error['msg']}[/red]")
        raise typer.Exit(2) from None


# Domain commands come after the core ones, so `fibonacco --help` lists serve/migrate/dev first.
register_worker_commands(app)
register_knowledge_commands(app)
register_crm_commands(app, settings_or_exit)
app.add_typer(infra_app, name="infra")


def main() -> None:
    """The console script: the commands, with unreachable servers reported as one line, not a traceback."""
    try:
        app(prog_name="fibonacco")
    except RedisConnectionError as exc:
        settings = get_settings()
        console.print(
            f"[red]Cannot reach Redis at {settings.REDIS_HOST or '127.0.0.1'}:{settings.REDIS_PORT} "
            f"(REDIS_HOST/REDIS_PORT): {exc}[/red]"
        )
        raise SystemExit(1) from None
