"""Finding 8: row-level security as the second line (DESIGN §15)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from fibonacco.auth.models import Role, User
from fibonacco.auth.passwords import hash_password
from fibonacco.auth.repository import UserRepository
from fibonacco.kit.db import create_sessionmaker, unit_of_work
from fibonacco.kit.repository import Repository
from fibonacco.kit.tenancy import APP_ROLE, bind_tenant, cross_tenant
from fibonacco.migrations.rls import POLICY
from fibonacco.tenant.models import Tenant
from tests.fixtures import TEST_PASSWORD, MakeActor

# Tables only their owner reads, through SECURITY DEFINER functions that answer for the bound tenant
# (docs/decisions/crm.md, Search).
OWNER_ONLY = {"customer_search_terms", "customer_search_vocabulary"}

_TENANT_TABLES = text(
    """
    SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
           EXISTS (SELECT FROM pg_policies p WHERE p.tablename = c.relname AND p.policyname = :policy)
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
    WHERE c.relkind IN ('r', 'p')
    """
)


class TestEveryTenantTable:
    async def test_every_table_with_a_tenant_id_has_the_policy_forced(self, connection: AsyncConnection) -> None:
        rows = (await connection.execute(_TENANT_TABLES, {"policy": POLICY})).all()
        assert len(rows) >= 11  # users, tokens, jobs, knowledge, messages: the check sees the tables
        missing = [name for name, enabled, forced, has_policy in rows if not (enabled and forced and has_policy)]
        assert missing == [], f"tenant-owned tables without row-level security: {missing} (see CONTRIBUTING.md)"

    async def test_owner_only_tables_are_closed_to_the_application(self, connection: AsyncConnection) -> None:
        """The customer search's words: the vocabulary has no tenant and no policy (so that its owner's SECURITY
        DEFINER function can use its trigram index); the application role may not touch either table."""
        for table in OWNER_ONLY:
            for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE"):
                allowed = await connection.scalar(
                    text("SELECT has_table_privilege(:role, :table, :privilege)"),
                    {"role": APP_ROLE, "table": table, "privilege": privilege},
                )
                assert allowed is False, f"{APP_ROLE} has {privilege} on {table}"

    async def test_the_application_role_is_bound_by_the_policies(self, app_engine: AsyncEngine) -> None:
        async with app_engine.connect() as connection:
            user = await connection.scalar(text("SELECT current_user"))
            role = (
                await connection.execute(
                    text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
                )
            ).one()
            owned = await connection.scalar(
                text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user")
            )
        assert user == APP_ROLE
        assert tuple(role) == (False, False)
        assert owned == 0


class TestSecondLine:
    async def test_a_repository_without_its_tenant_filter_still_sees_one_tenant(
        self, client: httpx.AsyncClient, make_actor: MakeActor, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        mine = await make_actor(Role.admin)
        theirs = await make_actor(Role.admin)
        # The bug the second line exists for: a repository that forgot `WHERE tenant_id = …`.
        monkeypatch.setattr(UserRepository, "scope", Repository.scope)
        listed = await client.get("/api/v1/users", headers=mine.headers)
        assert listed.status_code == 200
        assert {user["id"] for user in listed.json()["data"]} == {str(mine.user.id)}
        stolen = await client.get(f"/api/v1/users/{theirs.user.id}", headers=mine.headers)
        assert stolen.status_code == 404
        renamed = await client.patch(f"/api/v1/users/{theirs.user.id}", json={"name": "X"}, headers=mine.headers)
        assert renamed.status_code == 404

    async def test_an_unbound_unit_of_work_sees_no_tenant_rows(
        self, app_engine: AsyncEngine, two_committed_users: tuple[User, User]
    ) -> None:
        async with create_sessionmaker(app_engine)() as session:
            assert await session.scalar(select(func.count()).select_from(User)) == 0

    async def test_bound_sees_its_tenant_and_cross_tenant_is_logged(
        self, engine: AsyncEngine, app_engine: AsyncEngine, two_committed_users: tuple[User, User],
        caplog: pytest.LogCaptureFixture,
    ) -> None:  # fmt: skip
        first, second = two_committed_users
        ids = select(User.id).where(User.id.in_([first.id, second.id]))
        async with create_sessionmaker(app_engine)() as session:
            await bind_tenant(session, first.tenant_id)
            assert set((await session.scalars(ids)).all()) == {first.id}
            # and it cannot write into another tenant either
            second_row = User(
                tenant_id=second.tenant_id, email="y@example.com", name="Y", password_hash="x", role=Role.viewer
            )
            session.add(second_row)
            with pytest.raises(Exception, match="row-level security"):
                await session.flush()
        caplog.set_level(logging.INFO, logger="fibonacco.tenancy")
        async with create_sessionmaker(app_engine)() as session:
            await cross_tenant(session, "test: every tenant")
            assert set((await session.scalars(ids)).all()) == {first.id, second.id}
            await bind_tenant(session, second.tenant_id)  # binding ends the crossing
            assert set((await session.scalars(ids)).all()) == {second.id}
        assert any("test: every tenant" in str(record.msg) for record in caplog.records)


@pytest.fixture
async def two_committed_users(engine: AsyncEngine) -> AsyncIterator[tuple[User, User]]:
    """Two tenants with one user each, committed (the application's own transactions must see them)."""
    sessionmaker = create_sessionmaker(engine)
    users = []
    async with unit_of_work(sessionmaker) as session:
        for _ in range(2):
            tenant = Tenant(name="RLS", slug=f"rls-{uuid.uuid4().hex[:10]}")
            session.add(tenant)
            await session.flush()
            user = User(
                tenant_id=tenant.id,
                email="same@example.com",
                name="Same",
                role=Role.viewer,
                password_hash=hash_password(TEST_PASSWORD),
            )
            session.add(user)
            users.append(user)
    yield users[0], users[1]
    async with unit_of_work(sessionmaker) as session:
        for user in users:
            await session.execute(delete(Tenant).where(Tenant.id == user.tenant_id))
