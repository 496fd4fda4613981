from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Uuid, delete, func, select
from sqlalchemy.orm import joinedload

from fibonacco.auth.models import PersonalAccessToken, User
from fibonacco.kit.repository import Repository, TenantScopedRepository
from fibonacco.kit.responses import Page


class UserRepository(TenantScopedRepository[User]):
    model = User

    async def get_by_email(self, email: str) -> User | None:
        """Emails are unique per tenant, case-insensitively (`uq_users_tenant_email`)."""
        return await self.one_or_none(self.select().where(func.lower(User.email) == email.lower()))

    async def list_page(self, page: Page) -> tuple[Sequence[User], int]:
        return await self.paginate(self.select().order_by(User.created_at), page)


class TokenRepository(TenantScopedRepository[PersonalAccessToken]):
    model = PersonalAccessToken

    async def list_for_user(self, user_id: uuid.UUID) -> Sequence[PersonalAccessToken]:
        statement = self.select().where(PersonalAccessToken.user_id == user_id).order_by(PersonalAccessToken.created_at)
        return await self.all(statement)


class TokenLookup(Repository[PersonalAccessToken]):
    """Finds a presented token by its hash; the token itself says which tenant the caller belongs to.

    Only for authentication (`tenant_of`, then `get_by_hash_with_user` once that tenant is bound) and the
    cleanup job (`delete_expired`, inside `cross_tenant`).
    """

    model = PersonalAccessToken

    async def tenant_of(self, token_hash: str) -> uuid.UUID | None:
        """The token's tenant, through `fibonacco_token_tenant` (migration 0005): a SECURITY DEFINER function
        that crosses tenants for this one look-up and reveals nothing but the tenant of a hash the caller has."""
        # A SELECT statement (not text), so the unit of work knows it is a read and commits nothing for it.
        tenant_id: uuid.UUID | None = await self.session.scalar(
            select(func.fibonacco_token_tenant(token_hash, type_=Uuid))
        )
        return tenant_id

    async def get_by_hash_with_user(self, token_hash: str) -> PersonalAccessToken | None:
        statement = (
            select(PersonalAccessToken)
            .options(joinedload(PersonalAccessToken.user))
            .where(PersonalAccessToken.token_hash == token_hash)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def delete_expired(self, before: datetime) -> int:
        return await self.rowcount(delete(PersonalAccessToken).where(PersonalAccessToken.expires_at < before))
