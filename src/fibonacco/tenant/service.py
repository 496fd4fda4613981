from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.kit.errors import Conflict
from fibonacco.tenant.models import Tenant
from fibonacco.tenant.repository import TenantRepository
from fibonacco.tenant.schemas import TenantCreate


async def create_tenant(session: AsyncSession, data: TenantCreate) -> Tenant:
    repository = TenantRepository(session)
    if await repository.get_by_slug(data.slug) is not None:
        raise Conflict(f"A tenant with slug '{data.slug}' already exists.")
    return await repository.add(Tenant(name=data.name, slug=data.slug, domain=data.domain))


async def get_tenant(session: AsyncSession, tenant_id: uuid.UUID) -> Tenant:
    return await TenantRepository(session).get_or_404(tenant_id)


async def get_tenant_by_slug(session: AsyncSession, slug: str) -> Tenant | None:
    return await TenantRepository(session).get_by_slug(slug)


async def bind_active_tenant(session: AsyncSession, slug_or_domain: str) -> uuid.UUID | None:
    """The id of the active tenant with this slug or Learning Center host, bound to the unit of work by the
    statement that finds it (row-level security, DESIGN §15); None, and nothing bound, for no such tenant."""
    return await TenantRepository(session).bind_active(slug_or_domain)


async def list_tenants(session: AsyncSession) -> Sequence[Tenant]:
    return await TenantRepository(session).list_all()
