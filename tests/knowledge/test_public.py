"""The public Learning Center: a tenant's public entries only, by slug or host, without authentication."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.auth.models import Role
from tests.fixtures import MakeActor, MakeTenant
from tests.knowledge.conftest import EmbedPending, MakeEntry

# The same words everywhere, so only visibility decides what is found.
TEXT = {"title": "Invoice downloads", "content": "Download every invoice as a PDF from Billing."}


class TestVisibility:
    @pytest.fixture
    async def setup(
        self, make_tenant: MakeTenant, make_entry: MakeEntry, embed_pending: EmbedPending
    ) -> dict[str, object]:
        tenant = await make_tenant(domain="learn.example.com")
        other = await make_tenant()
        public = await make_entry(tenant, **TEXT, is_public=True, category="billing")
        private = await make_entry(tenant, **TEXT, is_public=False, category="billing")
        foreign = await make_entry(other, **TEXT, is_public=True, category="billing")
        await embed_pending()
        return {"tenant": tenant, "public": public, "private": private, "foreign": foreign}

    async def test_lists_and_searches_show_public_entries_only(
        self, client: httpx.AsyncClient, setup: dict[str, object]
    ) -> None:
        tenant, public = setup["tenant"], setup["public"]
        base = f"/api/v1/public/{tenant.slug}"  # type: ignore[attr-defined]
        responses = [
            await client.get(f"{base}/knowledge"),
            await client.get(f"{base}/knowledge", params={"category": "billing"}),
            *[await client.get(f"{base}/search", params={"q": "invoice PDF", "mode": mode})
              for mode in ("semantic", "full-text", "hybrid")],
        ]  # fmt: skip
        for response in responses:
            assert response.status_code == 200, response.text
            data = response.json()["data"]
            rows = data if isinstance(data, list) else [hit["entry"] for hit in data["hits"]]
            assert [row["id"] for row in rows] == [str(public.id)], response.url  # type: ignore[attr-defined]
            for hidden in ("private", "foreign"):
                assert str(setup[hidden].id) not in response.text  # type: ignore[attr-defined]

    async def test_the_host_name_selects_the_tenant_too(
        self, client: httpx.AsyncClient, setup: dict[str, object]
    ) -> None:
        response = await client.get("/api/v1/public/learn.example.com/knowledge")
        assert [row["id"] for row in response.json()["data"]] == [str(setup["public"].id)]  # type: ignore[attr-defined]

    async def test_single_entry_private_is_not_found_and_reads_are_counted(
        self, client: httpx.AsyncClient, setup: dict[str, object], session: AsyncSession
    ) -> None:
        base = f"/api/v1/public/{setup['tenant'].slug}/knowledge"  # type: ignore[attr-defined]
        public = setup["public"]
        response = await client.get(f"{base}/{public.id}")  # type: ignore[attr-defined]
        assert response.status_code == 200
        body = response.json()["data"]
        # Internal bookkeeping stays internal.
        for internal in ("tenant_id", "allowed_agents", "embedding_status", "created_by", "metadata", "usage_count"):
            assert internal not in body
        await session.refresh(public)
        assert public.usage_count == 1  # type: ignore[attr-defined]
        for hidden in ("private", "foreign"):
            assert (await client.get(f"{base}/{setup[hidden].id}")).status_code == 404  # type: ignore[attr-defined]

    async def test_unknown_or_inactive_tenants_are_not_found(
        self, client: httpx.AsyncClient, make_tenant: MakeTenant
    ) -> None:
        inactive = await make_tenant(is_active=False)
        assert (await client.get("/api/v1/public/no-such-tenant/knowledge")).status_code == 404
        assert (await client.get(f"/api/v1/public/{inactive.slug}/knowledge")).status_code == 404
        assert (await client.get(f"/api/v1/public/{inactive.slug}/search?q=x")).status_code == 404


class TestPublicCategories:
    async def test_the_tree_is_public(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        staff = await make_actor(Role.staff)
        created = await client.post(
            "/api/v1/faq-categories", json={"name": "Billing", "slug": "billing"}, headers=staff.headers
        )
        assert created.status_code == 201
        response = await client.get(f"/api/v1/public/{staff.tenant.slug}/faq-categories")
        assert [node["slug"] for node in response.json()["data"]] == ["billing"]


class TestPublicSearchLimits:
    async def test_search_is_rate_limited_per_client(self, client: httpx.AsyncClient, make_tenant: MakeTenant) -> None:
        tenant = await make_tenant()
        url = f"/api/v1/public/{tenant.slug}/search"
        statuses = [(await client.get(url, params={"q": "x", "mode": "full-text"})).status_code for _ in range(61)]
        assert statuses[:60] == [200] * 60 and statuses[60] == 429
