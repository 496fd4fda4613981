"""Knowledge entries over the API: CRUD, validation, filters, sorting, pagination and tenant isolation."""

from __future__ import annotations

import httpx
import redis.asyncio as aioredis

from fibonacco.auth.models import Role
from tests.fixtures import MakeActor
from tests.helpers import queued_jobs
from tests.knowledge.conftest import MakeEntry

ENTRY = {
    "title": "How do I reset my password?",
    "content": "Open the login page and choose 'Forgot password'.",
    "category": "account",
    "subcategory": "login",
    "industry_codes": ["722511"],
    "tags": ["password", "login"],
    "is_public": True,
    "allowed_agents": ["support-bot"],
    "source": "manual",
    "source_url": "https://help.example.com/reset-password",
    "metadata": {"author": "ops"},
}


async def queued_embedding_jobs(redis: aioredis.Redis) -> list[object]:
    return [job["args"] for job in await queued_jobs(redis, "embeddings", "knowledge.generate_embedding")]


class TestCrud:
    async def test_create_get_update_delete(
        self, client: httpx.AsyncClient, make_actor: MakeActor, redis: aioredis.Redis
    ) -> None:
        staff = await make_actor(Role.staff)
        created = await client.post("/api/v1/knowledge", json=ENTRY, headers=staff.headers)
        assert created.status_code == 201, created.text
        entry = created.json()["data"]
        assert {key: entry[key] for key in ENTRY} == ENTRY
        assert entry["embedding_status"] == "pending"
        assert entry["created_by"] == str(staff.user.id)
        assert entry["tenant_id"] == str(staff.tenant.id)
        assert "embedding" not in entry and "search_vector" not in entry
        assert [entry["id"]] in await queued_embedding_jobs(redis)

        url = f"/api/v1/knowledge/{entry['id']}"
        fetched = await client.get(url, headers=staff.headers)
        assert fetched.status_code == 200 and fetched.json()["data"]["title"] == ENTRY["title"]

        updated = await client.patch(
            url, json={"tags": ["account"], "validation_status": "validated"}, headers=staff.headers
        )
        assert updated.status_code == 200, updated.text
        data = updated.json()["data"]
        assert data["tags"] == ["account"] and data["content"] == ENTRY["content"]
        assert data["validation_status"] == "validated"
        assert data["validated_by"] == str(staff.user.id) and data["validated_at"] is not None

        assert (await client.delete(url, headers=staff.headers)).status_code == 200
        assert (await client.get(url, headers=staff.headers)).status_code == 404

    async def test_changing_the_text_requeues_the_embedding_and_other_fields_do_not(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_entry: MakeEntry, redis: aioredis.Redis
    ) -> None:
        staff = await make_actor(Role.staff)
        entry = await make_entry(staff.tenant, embedding_status="completed", embedding_model="m")
        url = f"/api/v1/knowledge/{entry.id}"

        tagged = await client.patch(url, json={"tags": ["x"]}, headers=staff.headers)
        assert tagged.json()["data"]["embedding_status"] == "completed"
        assert await queued_embedding_jobs(redis) == []

        same_text = await client.patch(url, json={"content": entry.content}, headers=staff.headers)
        assert same_text.json()["data"]["embedding_status"] == "completed"

        edited = await client.patch(url, json={"content": "New words."}, headers=staff.headers)
        assert edited.json()["data"]["embedding_status"] == "pending"
        assert await queued_embedding_jobs(redis) == [[str(entry.id)]]

    async def test_generate_embedding_queues_a_job(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_entry: MakeEntry, redis: aioredis.Redis
    ) -> None:
        staff = await make_actor(Role.staff)
        entry = await make_entry(staff.tenant, embedding_status="failed", embedding_error="boom")
        response = await client.post(f"/api/v1/knowledge/{entry.id}/generate-embedding", headers=staff.headers)
        assert response.status_code == 202, response.text
        assert response.json()["data"] == {"entry_id": str(entry.id), "embedding_status": "pending"}
        assert await queued_embedding_jobs(redis) == [[str(entry.id)]]
        fetched = await client.get(f"/api/v1/knowledge/{entry.id}", headers=staff.headers)
        assert fetched.json()["data"]["embedding_error"] is None

    async def test_a_rolled_back_request_queues_nothing(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_entry: MakeEntry, redis: aioredis.Redis
    ) -> None:
        staff = await make_actor(Role.staff)
        await make_entry(staff.tenant, source_url="https://x.example/a")
        duplicate = await client.post(
            "/api/v1/knowledge", json={**ENTRY, "source_url": "https://x.example/a"}, headers=staff.headers
        )
        assert duplicate.status_code == 409
        assert duplicate.json()["error"]["details"]["field"] == "source_url"
        assert await queued_embedding_jobs(redis) == []


class TestValidation:
    async def test_missing_and_malformed_fields(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        staff = await make_actor(Role.staff)
        response = await client.post(
            "/api/v1/knowledge",
            json={"title": "   ", "tags": "not-a-list", "validation_status": "approved"},
            headers=staff.headers,
        )
        assert response.status_code == 422
        fields = {detail["field"] for detail in response.json()["error"]["details"]}
        assert fields == {"body.title", "body.content", "body.tags", "body.validation_status"}

    async def test_null_for_a_required_field_is_rejected_on_update(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_entry: MakeEntry
    ) -> None:
        staff = await make_actor(Role.staff)
        entry = await make_entry(staff.tenant)
        response = await client.patch(f"/api/v1/knowledge/{entry.id}", json={"title": None}, headers=staff.headers)
        assert response.status_code == 422
        assert response.json()["error"]["details"][0]["field"] == "body.title"

    async def test_bad_filter_values(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        viewer = await make_actor(Role.viewer)
        for query in ("embedding_status=done", "sort=password", "per_page=0", "is_public=maybe"):
            response = await client.get(f"/api/v1/knowledge?{query}", headers=viewer.headers)
            assert response.status_code == 422, query


class TestPermissions:
    async def test_viewers_read_staff_write(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_entry: MakeEntry
    ) -> None:
        viewer = await make_actor(Role.viewer)
        entry = await make_entry(viewer.tenant)
        assert (await client.get("/api/v1/knowledge", headers=viewer.headers)).status_code == 200
        assert (await client.post("/api/v1/knowledge", json=ENTRY, headers=viewer.headers)).status_code == 403
        response = await client.delete(f"/api/v1/knowledge/{entry.id}", headers=viewer.headers)
        assert response.status_code == 403
        assert (await client.get("/api/v1/knowledge")).status_code == 401

    async def test_token_ability_is_required(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        staff = await make_actor(Role.staff, abilities=["knowledge:read"])
        response = await client.post("/api/v1/knowledge", json=ENTRY, headers=staff.headers)
        assert response.status_code == 403
        assert "knowledge:write" in response.json()["error"]["message"]


class TestListing:
    async def test_filters(self, client: httpx.AsyncClient, make_actor: MakeActor, make_entry: MakeEntry) -> None:
        viewer = await make_actor(Role.viewer)
        tenant = viewer.tenant
        match = await make_entry(
            tenant,
            category="billing",
            subcategory="invoices",
            industry_codes=["44", "45"],
            tags=["pdf"],
            validation_status="validated",
            embedding_status="completed",
            is_public=True,
        )
        await make_entry(tenant, category="billing", subcategory="refunds", tags=["pdf"], is_public=True)
        await make_entry(tenant, category="account", industry_codes=["44"], validation_status="validated")
        await make_entry(tenant, category="billing", subcategory="invoices", embedding_status="failed")
        filters = {
            "category": "billing",
            "subcategory": "invoices",
            "industry_code": "45",
            "tag": "pdf",
            "validation_status": "validated",
            "embedding_status": "completed",
            "is_public": "true",
        }
        everything = await client.get("/api/v1/knowledge", params=filters, headers=viewer.headers)
        assert [row["id"] for row in everything.json()["data"]] == [str(match.id)]
        for name, value in filters.items():
            response = await client.get("/api/v1/knowledge", params={name: value}, headers=viewer.headers)
            assert str(match.id) in {row["id"] for row in response.json()["data"]}, name
            assert response.json()["meta"]["pagination"]["total"] < 4, name

    async def test_sorting_and_pagination(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_entry: MakeEntry
    ) -> None:
        viewer = await make_actor(Role.viewer)
        for title, uses in (("Banana", 5), ("apple", 1), ("Cherry", 9)):
            await make_entry(viewer.tenant, title=title, usage_count=uses)
        by_title = await client.get("/api/v1/knowledge?sort=title", headers=viewer.headers)
        assert [row["title"] for row in by_title.json()["data"]] == ["Banana", "Cherry", "apple"]
        most_used = await client.get("/api/v1/knowledge?sort=-usage_count&per_page=2&page=1", headers=viewer.headers)
        body = most_used.json()
        assert [row["title"] for row in body["data"]] == ["Cherry", "Banana"]
        assert body["meta"]["pagination"] == {"page": 1, "per_page": 2, "total": 3, "total_pages": 2}


class TestTenancy:
    async def test_another_tenants_entries_are_invisible_and_untouchable(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_entry: MakeEntry
    ) -> None:
        mine = await make_actor(Role.owner)
        theirs = await make_actor(Role.owner)
        entry = await make_entry(theirs.tenant, title="Their secret", is_public=True)
        url = f"/api/v1/knowledge/{entry.id}"
        assert (await client.get(url, headers=mine.headers)).status_code == 404
        assert (await client.patch(url, json={"title": "x"}, headers=mine.headers)).status_code == 404
        assert (await client.delete(url, headers=mine.headers)).status_code == 404
        assert (await client.post(f"{url}/generate-embedding", headers=mine.headers)).status_code == 404
        assert (await client.post(f"{url}/vote", json={"helpful": True}, headers=mine.headers)).status_code == 404
        listed = await client.get("/api/v1/knowledge", headers=mine.headers)
        assert "Their secret" not in listed.text
        still = await client.get(url, headers=theirs.headers)
        assert still.json()["data"]["title"] == "Their secret"

    async def test_source_urls_are_unique_per_tenant_only(
        self, client: httpx.AsyncClient, make_actor: MakeActor
    ) -> None:
        first = await make_actor(Role.staff)
        second = await make_actor(Role.staff)
        for actor in (first, second):
            response = await client.post("/api/v1/knowledge", json=ENTRY, headers=actor.headers)
            assert response.status_code == 201, response.text
