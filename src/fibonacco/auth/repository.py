from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Uuid, any_, bindparam, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY

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
# Built once: every authenticated request runs both, and a prebuilt statement's cache key is computed only once.
_BIND_TOKEN_TENANT = binding_tenant_found_by(func.fibonacco_token_tenant(bindparam("token_hash"), type_=Uuid))
# A Core statement over the tables, not an ORM entity with its user joined in: one plain row, and no instances,
# identity map or instrumented attributes built for it on every request.
_TOKEN_WITH_USER = (
    select(
        *(_tokens.c[name].label(f"token_{name}") for name in AUTH_TOKEN_COLUMNS),
        *(_users.c[name].label(f"user_{name}") for name in AUTH_USER_COLUMNS),
    )
    .select_from(_tokens.join(_users, _users.c.id == _tokens.c.user_id))
    .where(_tokens.c.token_hash == bindparam("token_hash"))
)
_TOUCH_TOKEN = (
    update(PersonalAccessToken)
    .where(PersonalAccessToken.id == bindparam("token_id"))
    .values(last_used_at=bindparam("used_at"))
    .execution_options(synchronize_session=False)
)


class TokenLookup(Repository[PersonalAccessToken]):
    """Finds a presented token by its hash; the token itself says which tenant the caller belongs to.

    Only for authentication (`bind_tenant_of`, then `get_by_hash_with_user` and `touch` under that tenant) and
    the cleanup job (`delete_expired`, inside `cross_tenant`).
    """

    model = PersonalAccessToken

    async def bind_tenant_of(self, token_hash: str) -> uuid.UUID | None:
        """Bind the unit of work to the token's tenant, found through `fibonacco_token_tenant` (migration 0005): a
        SECURITY DEFINER function that crosses tenants for this one look-up and reveals nothing but the tenant of
        a hash the caller has. One statement (a SELECT: the unit of work stays read-only); None for an unknown
        token, which then sees no tenant's rows."""
        return await bind_found_tenant(self.session, _BIND_TOKEN_TENANT, {"token_hash": token_hash})

    async def get_by_hash_with_user(self, token_hash: str) -> Row[Any] | None:
        """The token and its user as one read-only row (`AUTH_TOKEN_COLUMNS` as `token_…`, `AUTH_USER_COLUMNS` as
        `user_…`), or None."""
        return (await self.session.execute(_TOKEN_WITH_USER, {"token_hash": token_hash})).one_or_none()

    async def touch(self, token_id: uuid.UUID, used_at: datetime) -> None:
        await self.session.execute(_TOUCH_TOKEN, {"token_id": token_id, "used_at": used_at})

    async def delete_expired(self, before: datetime) -> int:
        return await self.rowcount(delete(PersonalAccessToken).where(PersonalAccessToken.expires_at < before))
