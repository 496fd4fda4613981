from __future__ import annotations

from sqlalchemy import or_

from fibonacco.kit.repository import Repository
from fibonacco.tenant.models import Tenant


class TenantRepository(Repository[Tenant]):
    model = Tenant

    async def get_by_slug(self, slug: str) -> Tenant | None:
        result = await self.session.execute(self.select().where(Tenant.slug == slug))
        return result.scalar_one_or_none()

    async def get_active_by_slug_or_domain(self, key: str) -> Tenant | None:
        statement = self.select().where(or_(Tenant.slug == key, Tenant.domain == key), Tenant.is_active.is_(True))
        result = await self.session.execute(statement)
        return result.scalar_one_or_none()
