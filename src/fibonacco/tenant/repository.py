from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_

from fibonacco.kit.repository import Repository
from fibonacco.tenant.models import Tenant


class TenantRepository(Repository[Tenant]):
    model = Tenant

    async def get_by_slug(self, slug: str) -> Tenant | None:
        return await self.one_or_none(self.select().where(Tenant.slug == slug))

    async def get_active_by_slug_or_domain(self, key: str) -> Tenant | None:
        statement = self.select().where(or_(Tenant.slug == key, Tenant.domain == key), Tenant.is_active.is_(True))
        return await self.one_or_none(statement)

    async def list_all(self) -> Sequence[Tenant]:
        """Every tenant, oldest first."""
        return await self.all(self.select().order_by(Tenant.created_at))
