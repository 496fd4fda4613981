"""Users, tokens and login. Services never commit: the request or job that calls them does."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.auth.models import PersonalAccessToken, Role, User
from fibonacco.auth.passwords import hash_password, verify_password
from fibonacco.auth.repository import (
    AUTH_TOKEN_COLUMNS,
    AUTH_USER_COLUMNS,
    TokenLookup,
    TokenRepository,
    UserRepository,
)
from fibonacco.auth.schemas import DirectoryFilters, PersonalAccessTokenCreate, UserCreate, UserUpdate
from fibonacco.auth.tokens import display_prefix, generate_token, hash_token
from fibonacco.kit.clock import utcnow
from fibonacco.kit.errors import Conflict, Forbidden, NotFound, Unauthenticated
from fibonacco.kit.responses import Page
from fibonacco.kit.tenancy import bind_tenant
from fibonacco.tenant.models import Tenant
from fibonacco.tenant.service import get_tenant, get_tenant_by_slug

# last_used_at is written at most this often per token, so reads do not each cost a write.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class AuthUser:
    """The calling user as the request found them: a read-only snapshot, not an ORM entity. A service that changes
    a user loads it (`UserRepository`)."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    email: str
    name: str
    role: Role
    is_active: bool
    last_login_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class AuthToken:
    """The token the caller presented, as the request found it (read-only; `revoke_token` loads the row)."""

    id: uuid.UUID
    name: str
    token_prefix: str
    abilities: list[str]
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def can(self, ability: str) -> bool:
        return "*" in self.abilities or ability in self.abilities

    def can_grant(self, abilities: list[str]) -> bool:
        """A token may pass on only abilities it holds itself: "*" only from "*"."""
        return "*" in self.abilities or all(ability in self.abilities for ability in abilities)


@dataclass(frozen=True)
class AuthContext:
    """Who is calling: the user, the token they presented, and so their tenant. Both are read fresh from the
    database on every request (one row), so a revoked or expired token, a disabled user or a changed role takes
    effect on the next request."""

    user: AuthUser
    token: AuthToken

    @property
    def tenant_id(self) -> uuid.UUID:
        return self.user.tenant_id


async def current_tenant(session: AsyncSession, auth: AuthContext) -> Tenant:
    """The caller's tenant."""
    return await get_tenant(session, auth.tenant_id)


# --- users ---


async def create_user(
    session: AsyncSession, tenant_id: uuid.UUID, data: UserCreate, *, actor: AuthContext | None = None
) -> User:
    """Create a user; `actor` is the calling user over the API (None from the operator's CLI)."""
    if actor is not None:
        _check_may_manage(actor, data.role)
    repository = UserRepository(session, tenant_id)
    if await repository.get_by_email(data.email) is not None:
        raise Conflict("A user with this email already exists.", details={"field": "email"})
    user = User(
        email=data.email.lower(),
        name=data.name,
        role=data.role,
        password_hash=hash_password(data.password.get_secret_value()),
    )
    return await repository.add(user)


async def get_user_by_email(session: AsyncSession, tenant_id: uuid.UUID, email: str) -> User | None:
    return await UserRepository(session, tenant_id).get_by_email(email)


async def list_users(session: AsyncSession, tenant_id: uuid.UUID, page: Page) -> tuple[Sequence[User], int]:
    return await UserRepository(session, tenant_id).list_page(page)


async def list_directory(
    session: AsyncSession, tenant_id: uuid.UUID, filters: DirectoryFilters, page: Page
) -> tuple[Sequence[User], int]:
    """The tenant's active users, for pickers (see `schemas.DirectoryUser` for what is shown)."""
    return await UserRepository(session, tenant_id).directory_page(filters.q, filters.id, page)


async def get_user(session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID) -> User:
    return await UserRepository(session, tenant_id).get_or_404(user_id)


def _check_may_manage(actor: AuthContext, *roles: Role | None) -> None:
    """Only an owner may create, change or remove an owner: `roles` are the target's, now and to be."""
    if Role.owner in roles and actor.user.role != Role.owner:
        raise Forbidden("Only an owner can manage owners.")


async def update_user(session: AsyncSession, actor: AuthContext, user_id: uuid.UUID, data: UserUpdate) -> User:
    repository = UserRepository(session, actor.tenant_id)
    user = await repository.get_or_404(user_id)
    _check_may_manage(actor, user.role, data.role)
    values = data.model_dump(exclude_unset=True, exclude={"password"})
    # An admin who demotes or disables themselves may lock the tenant out: another admin or owner does that.
    demotes_self = user.id == actor.user.id and (
        values.get("role", user.role) != user.role or values.get("is_active", user.is_active) != user.is_active
    )
    if demotes_self:
        raise Conflict("You cannot change your own role or disable yourself.", details={"field": "role"})
    if data.password is not None:
        values["password_hash"] = hash_password(data.password.get_secret_value())
    return await repository.update(user, values)


async def delete_user(session: AsyncSession, actor: AuthContext, user_id: uuid.UUID) -> None:
    repository = UserRepository(session, actor.tenant_id)
    user = await repository.get_or_404(user_id)
    _check_may_manage(actor, user.role)
    if user.id == actor.user.id:
        raise Conflict("You cannot delete yourself.")
    await repository.delete(user)


# --- tokens ---


async def issue_token(
    session: AsyncSession, user: User | AuthUser, data: PersonalAccessTokenCreate, *, not_after: datetime | None = None
) -> tuple[str, PersonalAccessToken]:
    """Create a token for `user`, expiring no later than `not_after` if given. The plain token is returned once
    and never stored."""
    token = generate_token()
    expires_at = utcnow() + timedelta(days=data.expires_in_days) if data.expires_in_days else None
    if not_after is not None and (expires_at is None or expires_at > not_after):
        expires_at = not_after
    row = PersonalAccessToken(
        user_id=user.id,
        name=data.name,
        token_hash=hash_token(token),
        token_prefix=display_prefix(token),
        abilities=list(data.abilities),
        expires_at=expires_at,
    )
    await TokenRepository(session, user.tenant_id).add(row)
    return token, row


async def create_token(
    session: AsyncSession, auth: AuthContext, data: PersonalAccessTokenCreate
) -> tuple[str, PersonalAccessToken]:
    """A new token for the caller, never more than the token that asks for it: its abilities are a subset of the
    caller's token's, and it expires no later. (The user's role caps every token at each use.)"""
    if not auth.token.can_grant(list(data.abilities)):
        raise Forbidden(
            "A token can only grant abilities it has itself.",
            details={"field": "abilities", "allowed": list(auth.token.abilities)},
        )
    return await issue_token(session, auth.user, data, not_after=auth.token.expires_at)


async def list_tokens(session: AsyncSession, auth: AuthContext) -> Sequence[PersonalAccessToken]:
    return await TokenRepository(session, auth.tenant_id).list_for_user(auth.user.id)


async def revoke_token(session: AsyncSession, auth: AuthContext, token_id: uuid.UUID) -> PersonalAccessToken:
    row = await TokenRepository(session, auth.tenant_id).get_or_404(token_id)
    # Tokens are personal: another user's token in the same tenant is not found either.
    if row.user_id != auth.user.id:
        raise NotFound("PersonalAccessToken not found.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        await session.flush()
    return row


async def authenticate_token(session: AsyncSession, token: str) -> AuthContext:
    """Who presents `token`; from here on the unit of work acts for their tenant (row-level security, DESIGN §15),
    bound by the statement that finds the token: the one cross-tenant step of a request."""
    now = utcnow()
    lookup = TokenLookup(session)
    row = await lookup.find_and_bind(hash_token(token))
    if row is None:
        raise Unauthenticated("Invalid, revoked or expired token.")
    user = AuthUser(**{name: row[f"user_{name}"] for name in AUTH_USER_COLUMNS})
    presented = AuthToken(**{name: row[f"token_{name}"] for name in AUTH_TOKEN_COLUMNS})
    if not presented.is_usable(now) or not user.is_active:
        raise Unauthenticated("Invalid, revoked or expired token.")
    if presented.last_used_at is None or now - presented.last_used_at > TOKEN_TOUCH_INTERVAL:
        await lookup.touch(presented.id, now)
        presented = replace(presented, last_used_at=now)
    return AuthContext(user=user, token=presented)


async def login(
    session: AsyncSession, tenant_slug: str, email: str, password: str, token_name: str, ttl_days: int
) -> tuple[str, PersonalAccessToken, User]:
    """Log in to one tenant: emails are unique per tenant, so the tenant is part of the credentials."""
    tenant = await get_tenant_by_slug(session, tenant_slug)
    user = None
    if tenant is not None and tenant.is_active:
        await bind_tenant(session, tenant.id)
        user = await UserRepository(session, tenant.id).get_by_email(email)
    valid = verify_password(user.password_hash if user else None, password)
    # One answer for an unknown tenant or email, a wrong password and a disabled account: nothing to enumerate.
    if user is None or not valid or not user.is_active:
        raise Unauthenticated("These credentials do not match our records.")
    user.last_login_at = utcnow()
    token, row = await issue_token(session, user, PersonalAccessTokenCreate(name=token_name, expires_in_days=ttl_days))
    return token, row, user


async def delete_expired_tokens(session: AsyncSession, older_than: timedelta = timedelta(0)) -> int:
    return await TokenLookup(session).delete_expired(utcnow() - older_than)
