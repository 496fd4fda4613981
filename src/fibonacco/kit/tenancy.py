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

import structlog
from sqlalchemy import ColumnElement, Text, Uuid, bindparam, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from fibonacco.kit.driver import fetch

log = structlog.get_logger("fibonacco.tenancy")

# The database role the application acts as (created by migration 0005): it owns no table, so the policies bind it.
APP_ROLE = "fibonacco_app"
TENANT_SETTING = "app.tenant_id"
CROSS_TENANT_SETTING = "app.cross_tenant"


def binding_columns(
    tenant_id: ColumnElement[uuid.UUID] | QueryableAttribute[uuid.UUID],
) -> tuple[ColumnElement[str], ColumnElement[str]]:
    """Columns that bind the tenant a row names as that row is returned (ending any `cross_tenant`): `bind_tenant`
    selects them for a given id, and a statement that finds its tenant (the presented token's, the public page's)
    binds it in the same round trip. No row, nothing bound: the unit of work then sees no tenant's rows."""
    return (
        func.set_config(TENANT_SETTING, cast(tenant_id, Text), True).label("bound_tenant"),
        func.set_config(CROSS_TENANT_SETTING, "", True).label("bound_crossing"),
    )


# Statements of the settings, built once; they run on the driver connection (`kit.driver`): SELECTs of the
# transaction's settings, which write nothing the unit of work must commit.
_BIND_TENANT = select(*binding_columns(bindparam("tenant_id", type_=Uuid)))
_CROSS_TENANT = select(func.set_config(CROSS_TENANT_SETTING, "on", True))


async def bind_tenant(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """From here to the end of the transaction, the database shows `session` only this tenant's rows (ending
    any `cross_tenant` before it)."""
    await fetch(session, _BIND_TENANT, {"tenant_id": tenant_id})


async def cross_tenant(session: AsyncSession, reason: str) -> None:
    """Lift the row-level policies for the rest of this transaction, for maintenance that spans tenants.

    `reason` is logged, so every crossing is audited (e.g. "token lookup", "cleanup of expired tokens").
    """
    log.info("cross_tenant", reason=reason)
    await fetch(session, _CROSS_TENANT)


async def act_for(session: AsyncSession, tenant_id: uuid.UUID | None, reason: str) -> None:
    """Bind `tenant_id`; without one (a platform job, a catch-up over every tenant), cross tenants for `reason`."""
    if tenant_id is None:
        await cross_tenant(session, reason)
    else:
        await bind_tenant(session, tenant_id)
