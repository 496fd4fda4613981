from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, SecretStr, StrictBool, StrictInt, StringConstraints

from fibonacco.auth.models import Role
from fibonacco.kit.schemas import Patch
from fibonacco.tenant.schemas import Tenant

# "*" (everything the user's role allows) or "<domain>:read|write", e.g. "knowledge:read". A token can grant a
# new token only abilities it has itself ("tokens:write" to create one at all).
Ability = Annotated[str, StringConstraints(pattern=r"^(\*|[a-z_]+:(read|write))$")]


class User(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant_id: uuid.UUID
    email: str
    name: str
    role: Role
    is_active: bool
    last_login_at: datetime | None
    created_at: datetime


class DirectoryUser(BaseModel):
    """A user as other users of the tenant may see them (an owner picker): no role, no login data."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    email: str


class DirectoryFilters(BaseModel):
    q: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = Field(
        default=None, description="part of the name or email"
    )
    id: list[uuid.UUID] = Field(
        default_factory=list, max_length=100, description="only these users (e.g. to name the owners on a page)"
    )


class UserCreate(BaseModel):
    email: EmailStr
    name: str = Field(min_length=1, max_length=200)
    password: SecretStr = Field(min_length=10, max_length=200)
    role: Role = Role.viewer


class UserUpdate(Patch):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    role: Role | None = None
    is_active: StrictBool | None = None
    password: SecretStr | None = Field(default=None, min_length=10, max_length=200)


class Me(BaseModel):
    user: User
    tenant: Tenant
    token: PersonalAccessToken


class LoginRequest(BaseModel):
    tenant: str = Field(min_length=1, max_length=100, description="the tenant's slug: emails are unique per tenant")
    email: EmailStr
    password: SecretStr = Field(min_length=1, max_length=200)
    token_name: str = Field(default="login", min_length=1, max_length=200)


class PersonalAccessToken(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    token_prefix: str
    abilities: list[str]
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime


class PersonalAccessTokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    abilities: list[Ability] = Field(default_factory=lambda: ["*"], min_length=1, max_length=50)
    expires_in_days: StrictInt | None = Field(
        default=None, ge=1, le=3650, description="omit for a token that never expires"
    )


class IssuedToken(BaseModel):
    """A newly issued token. `token` is shown only in this response; only its hash is stored."""

    token: str
    token_type: str = "Bearer"
    details: PersonalAccessToken


class LoginResult(IssuedToken):
    user: User


Me.model_rebuild()
