"""The tenant a command names, for every domain's CLI."""

from __future__ import annotations

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.kit.cli import console
from fibonacco.kit.tenancy import bind_tenant
from fibonacco.tenant.models import Tenant
from fibonacco.tenant.service import get_tenant_by_slug


async def tenant_or_exit(session: AsyncSession, slug: str) -> Tenant:
    """The tenant named on the command line, bound to the unit of work (row-level security acts for it); an
    unknown slug is one red line and exit 1."""
    tenant = await get_tenant_by_slug(session, slug)
    if tenant is None:
        console.print(f"[red]No tenant with slug '{slug}'.[/red]")
        raise typer.Exit(1)
    await bind_tenant(session, tenant.id)
    return tenant
