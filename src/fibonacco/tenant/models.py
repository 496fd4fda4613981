from __future__ import annotations

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from fibonacco.kit.db import RecordModel


class Tenant(RecordModel):
    __tablename__ = "tenants"

    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    # Host name that serves this tenant's public Learning Center (e.g. learn.example.com).
    domain: Mapped[str | None] = mapped_column(String(255), unique=True, default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
