from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, status

from fibonacco.auth import service
from fibonacco.auth.auth import CurrentAuth, DirectoryRead, TokensRead, TokensWrite, UsersRead, UsersWrite
from fibonacco.auth.schemas import (
    DirectoryFilters,
    DirectoryUser,
    IssuedToken,
    LoginRequest,
    LoginResult,
    Me,
    PersonalAccessToken,
    PersonalAccessTokenCreate,
    User,
    UserCreate,
    UserUpdate,
)
from fibonacco.kit.dependencies import ClientAddressDep, DomainRouter, RedisDep, SessionDep, SettingsDep
from fibonacco.kit.errors import (
    Conflict,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthenticated,
    ValidationFailed,
    error_responses,
)
from fibonacco.kit.ratelimit import enforce_rate_limit
from fibonacco.kit.responses import Envelope, PageDep, PaginatedEnvelope, ok, paginated
from fibonacco.tenant.schemas import Tenant

router = DomainRouter(prefix="/api/v1/auth", tags=["auth"])
users_router = DomainRouter(prefix="/api/v1/users", tags=["users"])

_AUTHED = error_responses(Unauthenticated, ValidationFailed)
_TOKENS = error_responses(Unauthenticated, Forbidden, ValidationFailed)


@router.post(
    "/login",
    response_model=Envelope[LoginResult],
    responses=error_responses(Unauthenticated, TooManyRequests, ValidationFailed),
)
async def login(
    body: LoginRequest, client: ClientAddressDep, session: SessionDep, redis: RedisDep, settings: SettingsDep
) -> Envelope[LoginResult]:
    limit = settings.AUTH_LOGIN_RATE_LIMIT
    account = f"{body.tenant.lower()}:{body.email.lower()}"
    await enforce_rate_limit(redis, f"login:{account}:{client}", limit=limit, window_seconds=60)
    # One address trying many accounts (credential stuffing) is limited too, more loosely.
    await enforce_rate_limit(redis, f"login-ip:{client}", limit=limit * 10, window_seconds=60)
    token, row, user = await service.login(
        session,
        body.tenant.lower(),
        body.email,
        body.password.get_secret_value(),
        body.token_name,
        settings.AUTH_TOKEN_TTL_DAYS,
    )
    result = LoginResult(token=token, details=PersonalAccessToken.model_validate(row), user=User.model_validate(user))
    return ok(result, "Logged in.")


@router.post("/logout", response_model=Envelope[None], responses=_AUTHED)
async def logout(auth: CurrentAuth, session: SessionDep) -> Envelope[None]:
    await service.revoke_token(session, auth, auth.token.id)
    return ok(None, "Logged out; the token is revoked.")


@router.get("/me", response_model=Envelope[Me], responses=_AUTHED)
async def me(auth: CurrentAuth, session: SessionDep) -> Envelope[Me]:
    tenant = await service.current_tenant(session, auth)
    return ok(
        Me(
            user=User.model_validate(auth.user),
            tenant=Tenant.model_validate(tenant),
            token=PersonalAccessToken.model_validate(auth.token),
        )
    )


@router.get("/tokens", response_model=Envelope[list[PersonalAccessToken]], responses=_TOKENS)
async def list_tokens(auth: TokensRead, session: SessionDep) -> Envelope[list[PersonalAccessToken]]:
    rows = await service.list_tokens(session, auth)
    return ok([PersonalAccessToken.model_validate(row) for row in rows])


@router.post("/tokens", response_model=Envelope[IssuedToken], status_code=status.HTTP_201_CREATED, responses=_TOKENS)
async def create_token(
    body: PersonalAccessTokenCreate, auth: TokensWrite, session: SessionDep
) -> Envelope[IssuedToken]:
    """A token for yourself, with at most the abilities of the token calling (and expiring no later)."""
    token, row = await service.create_token(session, auth, body)
    return ok(
        IssuedToken(token=token, details=PersonalAccessToken.model_validate(row)),
        "Copy the token now: it will not be shown again.",
    )


@router.delete(
    "/tokens/{token_id}",
    response_model=Envelope[PersonalAccessToken],
    responses={**_TOKENS, **error_responses(NotFound)},
)
async def revoke_token(token_id: uuid.UUID, auth: TokensWrite, session: SessionDep) -> Envelope[PersonalAccessToken]:
    row = await service.revoke_token(session, auth, token_id)
    return ok(PersonalAccessToken.model_validate(row), "Token revoked.")


_USERS_ERRORS = error_responses(Unauthenticated, Forbidden, NotFound, ValidationFailed)


@users_router.get("", response_model=PaginatedEnvelope[User], responses=_USERS_ERRORS)
async def list_users(auth: UsersRead, session: SessionDep, page: PageDep) -> PaginatedEnvelope[User]:
    rows, total = await service.list_users(session, auth.tenant_id, page)
    return paginated([User.model_validate(row) for row in rows], total, page)


@users_router.get("/directory", response_model=PaginatedEnvelope[DirectoryUser], responses=_USERS_ERRORS)
async def user_directory(
    auth: DirectoryRead, session: SessionDep, page: PageDep, filters: Annotated[DirectoryFilters, Query()]
) -> PaginatedEnvelope[DirectoryUser]:
    """The tenant's active users (id, name, email) by name, for owner pickers: readable by every CRM role."""
    rows, total = await service.list_directory(session, auth.tenant_id, filters, page)
    return paginated([DirectoryUser.model_validate(row) for row in rows], total, page)


@users_router.post(
    "",
    response_model=Envelope[User],
    status_code=status.HTTP_201_CREATED,
    responses={**_USERS_ERRORS, **error_responses(Conflict)},
)
async def create_user(body: UserCreate, auth: UsersWrite, session: SessionDep) -> Envelope[User]:
    user = await service.create_user(session, auth.tenant_id, body, actor=auth)
    return ok(User.model_validate(user), "User created.")


@users_router.get("/{user_id:uuid}", response_model=Envelope[User], responses=_USERS_ERRORS)
async def get_user(user_id: uuid.UUID, auth: UsersRead, session: SessionDep) -> Envelope[User]:
    return ok(User.model_validate(await service.get_user(session, auth.tenant_id, user_id)))


@users_router.patch(
    "/{user_id:uuid}", response_model=Envelope[User], responses={**_USERS_ERRORS, **error_responses(Conflict)}
)
async def update_user(user_id: uuid.UUID, body: UserUpdate, auth: UsersWrite, session: SessionDep) -> Envelope[User]:
    user = await service.update_user(session, auth, user_id, body)
    return ok(User.model_validate(user), "User updated.")


@users_router.delete(
    "/{user_id:uuid}", response_model=Envelope[None], responses={**_USERS_ERRORS, **error_responses(Conflict)}
)
async def delete_user(user_id: uuid.UUID, auth: UsersWrite, session: SessionDep) -> Envelope[None]:
    await service.delete_user(session, auth, user_id)
    return ok(None, "User deleted.")
