"""`fibonacco seed-demo`: a demo tenant, its owner and an API token, so a newcomer can try the API at once."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.auth.models import Role
from fibonacco.auth.schemas import PersonalAccessTokenCreate, UserCreate
from fibonacco.auth.service import create_user, get_user_by_email, issue_token
from fibonacco.config import Settings
from fibonacco.kit.db import standalone_unit_of_work
from fibonacco.kit.errors import Forbidden
from fibonacco.kit.tenancy import bind_tenant
from fibonacco.tenant.schemas import TenantCreate
from fibonacco.tenant.service import create_tenant, get_tenant_by_slug

DEMO_TENANT_SLUG = "demo"
DEMO_EMAIL = "owner@demo.fibonacco.dev"
# A published demo password: the seed refuses to run in production.
DEMO_PASSWORD = "fibonacco-demo"


@dataclass
class SeedResult:
    created: bool
    token: str | None

    def print(self, console: Console, settings: Settings) -> None:
        url = f"http://{settings.HOST}:{settings.PORT}"
        state = "created" if self.created else "already present"
        console.print(f"demo tenant '{DEMO_TENANT_SLUG}' {state}; owner {DEMO_EMAIL} / password {DEMO_PASSWORD}")
        token = self.token or _read_saved_token(settings)
        if token:
            console.print(f"demo token: {token}")
            console.print(f'  curl -H "Authorization: Bearer {token}" {url}/api/v1/auth/me')
        console.print(
            f"  or log in: curl -X POST {url}/api/v1/auth/login -H 'Content-Type: application/json' "
            f'-d \'{{"tenant": "{DEMO_TENANT_SLUG}", "email": "{DEMO_EMAIL}", "password": "{DEMO_PASSWORD}"}}\''
        )


def _read_saved_token(settings: Settings) -> str | None:
    path = settings.DATA_DIR / "demo-token"
    return path.read_text().strip() if path.exists() else None


def _save_token(settings: Settings, token: str) -> None:
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = settings.DATA_DIR / "demo-token"
    path.write_text(token + "\n")
    path.chmod(0o600)


async def seed_demo(session: AsyncSession, settings: Settings) -> SeedResult:
    if settings.is_production():
        raise Forbidden("The demo seed never runs in production.")
    tenant = await get_tenant_by_slug(session, DEMO_TENANT_SLUG)
    if tenant is None:
        tenant = await create_tenant(session, TenantCreate(name="Demo Business", slug=DEMO_TENANT_SLUG))
    await bind_tenant(session, tenant.id)
    if await get_user_by_email(session, tenant.id, DEMO_EMAIL) is not None:
        return SeedResult(created=False, token=None)
    user = await create_user(
        session,
        tenant.id,
        UserCreate(email=DEMO_EMAIL, name="Demo Owner", password=DEMO_PASSWORD, role=Role.owner),
    )
    token, _ = await issue_token(session, user, PersonalAccessTokenCreate(name="demo"))
    _save_token(settings, token)
    return SeedResult(created=True, token=token)


def seed_demo_sync(settings: Settings) -> SeedResult:
    async def run() -> SeedResult:
        async with standalone_unit_of_work(settings) as session:
            return await seed_demo(session, settings)

    return asyncio.run(run())
