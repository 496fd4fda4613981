"""The database's second line of tenancy (DESIGN §15): which tenant a unit of work acts for.

Row-level security policies on every tenant-owned table compare `tenant_id` with the transaction's
`app.tenant_id` setting. A unit of work binds its tenant once it knows it (the request's token, the public page's
tenant, the job's `tenant_id`); maintenance that must cross tenants says so with `cross_tenant`, which is logged.
Both settings are transaction-local (`set_config(..., true)`), so they end with the unit of work's transaction.

Binding also ends a crossing: a unit of work that had to find its row across tenants (a provider callback knows
only the provider's id) crosses for that look-up, then binds the row's tenant for everything after it.

This line guards against a forgotten filter, not against SQL injection: the application role may set these
settings itself (see docs/security.md).
"""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from sqlalchemy import ColumnElement, Select, Text, cast, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

log = structlog.get_logger("fibonacco.tenancy")

# The database role the application acts as (created by migration 0005): it owns no table, so the policies bind it.
APP_ROLE = "fibonacco_app"
TENANT_SETTING = "app.tenant_id"
CROSS_TENANT_SETTING = "app.cross_tenant"


async def bind_tenant(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """From here to the end of the transaction, the database shows `session` only this tenant's rows (ending
    any `cross_tenant` before it)."""
    await session.execute(
        text("SELECT set_config(:name, :value, true), set_config(:crossing, '', true)"),
        {"name": TENANT_SETTING, "value": str(tenant_id), "crossing": CROSS_TENANT_SETTING},
    )


def binding_tenant_found_by(tenant_id: ColumnElement[uuid.UUID | None]) -> Select[Any]:
    """A statement that binds the tenant a SQL expression finds (a token's, through its SECURITY DEFINER look-up)
    as `bind_tenant` does, in the statement that finds it: one round trip instead of a look-up and then a binding.
    Build it once with bind parameters (its cache key is then computed once) and run it with `bind_found_tenant`."""
    return select(
        func.set_config(TENANT_SETTING, func.coalesce(cast(tenant_id, Text), ""), True),
        func.set_config(CROSS_TENANT_SETTING, "", True),
    )


async def bind_found_tenant(
    session: AsyncSession, binding: Select[Any], parameters: dict[str, object]
) -> uuid.UUID | None:
    """Run a `binding_tenant_found_by` statement; the tenant it bound, or None when the expression found none
    (then nothing is bound, and the unit of work sees no tenant's rows)."""
    bound = await session.scalar(binding, parameters)
    return uuid.UUID(bound) if bound else None


async def cross_tenant(session: AsyncSession, reason: str) -> None:
    """Lift the row-level policies for the rest of this transaction, for maintenance that spans tenants.

    `reason` is logged, so every crossing is audited (e.g. "token lookup", "cleanup of expired tokens").
    """
    log.info("cross_tenant", reason=reason)
    await session.execute(text("SELECT set_config(:name, 'on', true)"), {"name": CROSS_TENANT_SETTING})


async def act_for(session: AsyncSession, tenant_id: uuid.UUID | None, reason: str) -> None:
    """Bind `tenant_id`; without one (a platform job, a catch-up over every tenant), cross tenants for `reason`."""
    if tenant_id is None:
        await cross_tenant(session, reason)
    else:
        await bind_tenant(session, tenant_id)
