from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import bindparam, or_, select
from sqlalchemy.exc import MultipleResultsFound

from fibonacco.kit.repository import Repository
from fibonacco.tenant.models import Tenant

# Built once: every public page runs it (on the driver, `kit.driver`), so it builds no entity per request.
_ACTIVE_ID = select(Tenant.id).where(
    or_(Tenant.slug == bindparam("key"), Tenant.domain == bindparam("key")), Tenant.is_active.is_(True)
)


class TenantRepository(Repository[Tenant]):
    model = Tenant

    async def get_by_slug(self, slug: str) -> Tenant | None:
        return await self.one_or_none(self.select().where(Tenant.slug == slug))

    async def active_id_by_slug_or_domain(self, key: str) -> uuid.UUID | None:
        rows = await self.rows(_ACTIVE_ID, {"key": key})
        if len(rows) > 1:  # a host that is another tenant's slug: neither is assumed
            raise MultipleResultsFound(f"{key!r} is the slug or host of {len(rows)} tenants")
        return rows[0]["id"] if rows else None

    async def list_all(self) -> Sequence[Tenant]:
        """Every tenant, oldest first."""
        return await self.all(self.select().order_by(Tenant.created_at))
