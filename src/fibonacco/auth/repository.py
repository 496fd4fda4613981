from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import String, Uuid, any_, bindparam, column, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY

from fibonacco.auth.models import PersonalAccessToken, User
from fibonacco.kit.driver import Row
from fibonacco.kit.repository import Repository, TenantScopedRepository
from fibonacco.kit.responses import Page
from fibonacco.kit.tenancy import binding_columns


class UserRepository(TenantScopedRepository[User]):
    model = User

    async def get_by_email(self, email: str) -> User | None:
        """Emails are unique per tenant, case-insensitively (`uq_users_tenant_email`)."""
        return await self.one_or_none(self.select().where(func.lower(User.email) == email.lower()))

    async def list_page(self, page: Page) -> tuple[Sequence[User], int]:
        return await self.paginate(self.select().order_by(User.created_at), page)

    async def directory_page(self, q: str | None, ids: Sequence[uuid.UUID], page: Page) -> tuple[Sequence[User], int]:
        """Active users by name; `q` matches part of the name or email; `ids`, when given, are the only ones."""
        statement = self.select().where(User.is_active.is_(True))
        if q:
            statement = statement.where(
                or_(User.name.icontains(q, autoescape=True), User.email.icontains(q, autoescape=True))
            )
        if ids:
            statement = statement.where(User.id == any_(bindparam("ids", list(ids), type_=ARRAY(Uuid))))
        return await self.paginate(statement.order_by(User.name, User.id), page)


class TokenRepository(TenantScopedRepository[PersonalAccessToken]):
    model = PersonalAccessToken

    async def list_for_user(self, user_id: uuid.UUID) -> Sequence[PersonalAccessToken]:
        statement = self.select().where(PersonalAccessToken.user_id == user_id).order_by(PersonalAccessToken.created_at)
        return await self.all(statement)


# What authentication reads of a token and of its user (`auth.service.AuthToken` / `AuthUser`), selected as
# `token_<column>` and `user_<column>`.
AUTH_TOKEN_COLUMNS = (
    "id", "name", "token_prefix", "abilities", "expires_at", "last_used_at", "revoked_at", "created_at",
)  # fmt: skip
AUTH_USER_COLUMNS = ("id", "tenant_id", "email", "name", "role", "is_active", "last_login_at", "created_at")

_tokens = PersonalAccessToken.__table__
_users = User.__table__
# The token and its user, found across tenants by `fibonacco_token_with_user` (migration 0013: SECURITY DEFINER,
# for the one hash the caller holds), with the user's tenant bound as the row is returned: authentication is one
# round trip. Built once, and read on the driver (`kit.driver`): one plain row, no entity, no execution layer.
_FOUND = func.fibonacco_token_with_user(bindparam("token_hash", type_=String)).table_valued(
    *(column(f"token_{name}", _tokens.c[name].type) for name in AUTH_TOKEN_COLUMNS),
    *(column(f"user_{name}", _users.c[name].type) for name in AUTH_USER_COLUMNS),
)
_TOKEN_WITH_USER = select(*binding_columns(_FOUND.c.user_tenant_id), *_FOUND.c).select_from(_FOUND)
_TOUCH_TOKEN = (
    update(PersonalAccessToken)
    .where(PersonalAccessToken.id == bindparam("token_id"))
    .values(last_used_at=bindparam("used_at"))
    .execution_options(synchronize_session=False)
)


class TokenLookup(Repository[PersonalAccessToken]):
    """Finds a presented token by its hash; the token itself says which tenant the caller belongs to.

    Only for authentication (`find_and_bind`, then `touch` under the tenant it bound) and the cleanup job
    (`delete_expired`, inside `cross_tenant`).
    """

    model = PersonalAccessToken

    async def find_and_bind(self, token_hash: str) -> Row | None:
        """The token and its user as one read-only row (`AUTH_TOKEN_COLUMNS` as `token_…`, `AUTH_USER_COLUMNS` as
        `user_…`), or None for an unknown hash; found, it has bound the unit of work to the user's tenant. One
        statement, a SELECT: the unit of work stays read-only."""
        rows = await self.rows(_TOKEN_WITH_USER, {"token_hash": token_hash})
        return rows[0] if rows else None

    async def touch(self, token_id: uuid.UUID, used_at: datetime) -> None:
        await self.session.execute(_TOUCH_TOKEN, {"token_id": token_id, "used_at": used_at})

    async def delete_expired(self, before: datetime) -> int:
        return await self.rowcount(delete(PersonalAccessToken).where(PersonalAccessToken.expires_at < before))
