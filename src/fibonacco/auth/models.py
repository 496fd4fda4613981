from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fibonacco.kit.db import TenantOwnedModel, string_enum


class Role(StrEnum):
    owner = "owner"
    admin = "admin"
    staff = "staff"
    viewer = "viewer"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


_ROLE_RANK = {Role.viewer: 0, Role.staff: 1, Role.admin: 2, Role.owner: 3}


class User(TenantOwnedModel):
    __tablename__ = "users"

    # Unique per tenant (case-insensitively), not across the platform: an admin of one tenant must not learn
    # whether an address is registered with another. Login therefore names the tenant.
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        string_enum(Role),
        default=Role.viewer,
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    __table_args__ = (Index("uq_users_tenant_email", "tenant_id", func.lower(email), unique=True),)


class PersonalAccessToken(TenantOwnedModel):
    __tablename__ = "personal_access_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # Only a SHA-256 of the token is stored; the token itself is shown once, at creation.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(16))
    abilities: Mapped[list[str]] = mapped_column(ARRAY(String(100)), default=lambda: ["*"])
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    user: Mapped[User] = relationship(lazy="raise")
