from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Uuid, bindparam, delete, func, or_, select
from sqlalchemy.orm import joinedload

from fibonacco.auth.models import PersonalAccessToken, User
from fibonacco.kit.repository import Repository, TenantScopedRepository
from fibonacco.kit.responses import Page
from fibonacco.kit.tenancy import bind_found_tenant, binding_tenant_found_by


class UserRepository(TenantScopedRepository[User]):
    model = User

    async def get_by_email(self, email: str) -> User | None:
        """Emails are unique per tenant, case-insensitively (`uq_users_tenant_email`)."""
        return await self.one_or_none(self.select().where(func.lower(User.email) == email.lower()))

    async def list_page(self, page: Page) -> tuple[Sequence[User], int]:
        return await self.paginate(self.select().order_by(User.created_at), page)

    async def directory_page(self, q: str | None, page: Page) -> tuple[Sequence[User], int]:
        """Active users by name; `q` matches part of the name or email."""
        statement = self.select().where(User.is_active.is_(True))
        if q:
            statement = statement.where(
                or_(User.name.icontains(q, autoescape=True), User.email.icontains(q, autoescape=True))
            )
        return await self.paginate(statement.order_by(User.name, User.id), page)


class TokenRepository(TenantScopedRepository[PersonalAccessToken]):
    model = PersonalAccessToken

    async def list_for_user(self, user_id: uuid.UUID) -> Sequence[PersonalAccessToken]:
        statement = self.select().where(PersonalAccessToken.user_id == user_id).order_by(PersonalAccessToken.created_at)
        return await self.all(statement)


# Built once: every authenticated request runs both, and a prebuilt statement's cache key is computed only once.
_BIND_TOKEN_TENANT = binding_tenant_found_by(func.fibonacco_token_tenant(bindparam("token_hash"), type_=Uuid))
_TOKEN_WITH_USER = (
    select(PersonalAccessToken)
    .options(joinedload(PersonalAccessToken.user))
    .where(PersonalAccessToken.token_hash == bindparam("token_hash"))
)


class TokenLookup(Repository[PersonalAccessToken]):
    """Finds a presented token by its hash; the token itself says which tenant the caller belongs to.

    Only for authentication (`bind_tenant_of`, then `get_by_hash_with_user` under that tenant) and the cleanup
    job (`delete_expired`, inside `cross_tenant`).
    """

    model = PersonalAccessToken

    async def bind_tenant_of(self, token_hash: str) -> uuid.UUID | None:
        """Bind the unit of work to the token's tenant, found through `fibonacco_token_tenant` (migration 0005): a
        SECURITY DEFINER function that crosses tenants for this one look-up and reveals nothing but the tenant of
        a hash the caller has. One statement (a SELECT: the unit of work stays read-only); None for an unknown
        token, which then sees no tenant's rows."""
        return await bind_found_tenant(self.session, _BIND_TOKEN_TENANT, {"token_hash": token_hash})

    async def get_by_hash_with_user(self, token_hash: str) -> PersonalAccessToken | None:
        return (await self.session.execute(_TOKEN_WITH_USER, {"token_hash": token_hash})).scalar_one_or_none()

    async def delete_expired(self, before: datetime) -> int:
        return await self.rowcount(delete(PersonalAccessToken).where(PersonalAccessToken.expires_at < before))
