from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import bindparam, or_, select
from sqlalchemy.exc import MultipleResultsFound

from fibonacco.kit.repository import Repository
from fibonacco.kit.tenancy import binding_columns
from fibonacco.tenant.models import Tenant

# Built once: every public page runs it (on the driver, `kit.driver`, so no entity is built per request), and it
# binds the tenant it finds as the row is returned: finding and binding are one round trip.
_BIND_ACTIVE = select(*binding_columns(Tenant.id), Tenant.id).where(
    or_(Tenant.slug == bindparam("key"), Tenant.domain == bindparam("key")), Tenant.is_active.is_(True)
)


class TenantRepository(Repository[Tenant]):
    model = Tenant

    async def get_by_slug(self, slug: str) -> Tenant | None:
        return await self.one_or_none(self.select().where(Tenant.slug == slug))

    async def bind_active(self, key: str) -> uuid.UUID | None:
        """The active tenant whose slug or Learning Center host is `key`, bound to the unit of work; None (and
        nothing bound) when there is none."""
        rows = await self.rows(_BIND_ACTIVE, {"key": key})
        if len(rows) > 1:  # a host that is another tenant's slug: neither is assumed (the unit rolls back)
            raise MultipleResultsFound(f"{key!r} is the slug or host of {len(rows)} tenants")
        return rows[0]["id"] if rows else None

    async def list_all(self) -> Sequence[Tenant]:
        """Every tenant, oldest first."""
        return await self.all(self.select().order_by(Tenant.created_at))
