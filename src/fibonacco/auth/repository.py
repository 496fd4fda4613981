from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload

from fibonacco.auth.models import PersonalAccessToken, User
from fibonacco.kit.repository import Repository, TenantRepository


class UserRepository(TenantRepository[User]):
    model = User


class UserLookup(Repository[User]):
    """Cross-tenant user look-ups, only for login and the CLI (before any tenant is known)."""

    model = User

    async def get_by_email(self, email: str) -> User | None:
        result = await self.session.execute(self.select().where(func.lower(User.email) == email.lower()))
        return result.scalar_one_or_none()


class TokenRepository(TenantRepository[PersonalAccessToken]):
    model = PersonalAccessToken

    async def list_for_user(self, user_id: uuid.UUID) -> Sequence[PersonalAccessToken]:
        statement = self.select().where(PersonalAccessToken.user_id == user_id).order_by(PersonalAccessToken.created_at)
        return (await self.session.execute(statement)).scalars().all()


class TokenLookup(Repository[PersonalAccessToken]):
    """Finds a presented token by its hash; the token itself says which tenant the caller belongs to."""

    model = PersonalAccessToken

    async def get_by_hash_with_user(self, token_hash: str) -> PersonalAccessToken | None:
        statement = (
            select(PersonalAccessToken)
            .options(joinedload(PersonalAccessToken.user))
            .where(PersonalAccessToken.token_hash == token_hash)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def delete_expired(self, before: datetime) -> int:
        result = await self.session.execute(delete(PersonalAccessToken).where(PersonalAccessToken.expires_at < before))
        return int(getattr(result, "rowcount", 0) or 0)
