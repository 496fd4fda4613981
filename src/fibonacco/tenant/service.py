from __future__ import annotations

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


async def get_tenant_by_slug(session: AsyncSession, slug: str) -> Tenant | None:
    return await TenantRepository(session).get_by_slug(slug)
