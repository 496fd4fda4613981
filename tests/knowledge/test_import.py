"""`POST /api/v1/knowledge/import`: an uploaded file checked at once, its records imported by a job batch."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Sequence

import httpx
import pytest
import redis.asyncio as aioredis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.auth.models import Role
from fibonacco.kit.db import UnitOfWork
from fibonacco.knowledge.models import EmbeddingStatus, KnowledgeEntry
from fibonacco.knowledge.tasks import IMPORT_RECORDS_PER_JOB, import_records
from fibonacco.tenant.models import Tenant
from fibonacco.worker.queues import BATCH_OPTION
from tests.fixtures import MakeActor
from tests.helpers import queued_jobs

CSV = (
    "title,content,category,tags,is_public\n"
    "Opening hours,We open at nine.,visits,hours;visit,yes\n"
    ",No title here.,visits,,no\n"
    "Parking,Free parking behind the shop.,visits,parking,yes\n"
    "Opening hours,A second row with the same source.,visits,,no\n"
)


async def queued_imports(redis: aioredis.Redis) -> list[dict[str, object]]:
    return await queued_jobs(redis, "default", "knowledge.import_entries")


RunImport = Callable[[Tenant, dict[str, object]], Awaitable[Sequence[KnowledgeEntry]]]


@pytest.fixture
def run_import(session: AsyncSession, new_unit: UnitOfWork) -> RunImport:
    """Run a queued import job in-process, as a worker would; the tenant's entries afterwards."""

    async def run(tenant: Tenant, job: dict[str, object]) -> Sequence[KnowledgeEntry]:
        await import_records(new_unit, tenant.id, *job["args"])  # type: ignore[arg-type]
        fresh = (
            select(KnowledgeEntry)
            .where(KnowledgeEntry.tenant_id == tenant.id)
            .execution_options(populate_existing=True)
        )
        return (await session.scalars(fresh)).all()

    return run


def upload(name: str, content: str | bytes) -> dict[str, tuple[str, bytes, str]]:
    data = content.encode() if isinstance(content, str) else content
    return {"file": (name, data, "application/octet-stream")}


class TestImport:
    async def test_valid_records_become_a_batch_and_invalid_ones_are_reported(
        self, client: httpx.AsyncClient, make_actor: MakeActor, redis: aioredis.Redis, run_import: RunImport
    ) -> None:
        admin = await make_actor(Role.admin)
        response = await client.post("/api/v1/knowledge/import", files=upload("faq.csv", CSV), headers=admin.headers)
        assert response.status_code == 202, response.text
        started = response.json()["data"]
        assert started["records"] == 2
        assert [(p["location"], p["reason"].split(":")[0]) for p in started["invalid"]] == [
            ("faq.csv:3", "title"),
            ("faq.csv:5", "same source as faq.csv"),
        ]

        batch = await client.get(f"/api/v1/queue/batches/{started['batch_id']}", headers=admin.headers)
        assert batch.status_code == 200, batch.text
        progress = batch.json()["data"]
        assert (progress["name"], progress["total"], progress["pending"]) == ("knowledge import: faq.csv", 1, 1)
        [job] = await queued_imports(redis)
        assert job["kwargs"] == {"tenant_id": str(admin.tenant.id)}
        assert job["options"][BATCH_OPTION] == started["batch_id"]

        rows = await run_import(admin.tenant, job)
        assert sorted((row.title, row.is_public, row.tags) for row in rows) == [
            ("Opening hours", True, ["hours", "visit"]),
            ("Parking", True, ["parking"]),
        ]
        assert {row.embedding_status for row in rows} == {EmbeddingStatus.pending}

    async def test_a_reimport_updates_instead_of_duplicating(
        self, client: httpx.AsyncClient, make_actor: MakeActor, redis: aioredis.Redis, run_import: RunImport
    ) -> None:
        admin = await make_actor(Role.admin)
        for content in ("We open at nine.", "We open at ten."):
            await redis.flushdb()
            body = json.dumps([{"title": "Opening hours", "content": content}])
            response = await client.post(
                "/api/v1/knowledge/import", files=upload("faq.json", body), headers=admin.headers
            )
            assert response.status_code == 202, response.text
            [job] = await queued_imports(redis)
            rows = await run_import(admin.tenant, job)
        assert [(row.title, row.content) for row in rows] == [("Opening hours", "We open at ten.")]

    async def test_records_are_split_into_jobs(
        self, client: httpx.AsyncClient, make_actor: MakeActor, redis: aioredis.Redis
    ) -> None:
        admin = await make_actor(Role.admin)
        count = IMPORT_RECORDS_PER_JOB * 2 + 1
        body = json.dumps({"entries": [{"title": f"Entry {n}", "content": "Text."} for n in range(count)]})
        response = await client.post("/api/v1/knowledge/import", files=upload("many.json", body), headers=admin.headers)
        assert response.status_code == 202, response.text
        sizes = sorted(len(job["args"][0]) for job in await queued_imports(redis))  # type: ignore[index, arg-type]
        assert sizes == [1, IMPORT_RECORDS_PER_JOB, IMPORT_RECORDS_PER_JOB]

    async def test_an_unreadable_file_is_a_422_on_the_file_field(
        self, client: httpx.AsyncClient, make_actor: MakeActor, redis: aioredis.Redis
    ) -> None:
        admin = await make_actor(Role.admin)
        for name, content in (("notes.txt", "hello"), ("faq.json", "{not json")):
            response = await client.post("/api/v1/knowledge/import", files=upload(name, content), headers=admin.headers)
            assert response.status_code == 422, response.text
            error = response.json()["error"]
            assert error["details"][0]["field"] == "file"
            assert name in error["message"] and "fibonacco-import-" not in error["message"]
        assert await queued_imports(redis) == []

    async def test_only_admins_import(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        staff = await make_actor(Role.staff)
        response = await client.post("/api/v1/knowledge/import", files=upload("faq.csv", CSV), headers=staff.headers)
        assert response.status_code == 403
        assert "admin" in response.json()["error"]["message"]

    async def test_the_batch_belongs_to_the_importing_tenant(
        self, client: httpx.AsyncClient, make_actor: MakeActor
    ) -> None:
        admin, other = await make_actor(Role.admin), await make_actor(Role.admin)
        response = await client.post("/api/v1/knowledge/import", files=upload("faq.csv", CSV), headers=admin.headers)
        batch_id = uuid.UUID(response.json()["data"]["batch_id"])
        assert (await client.get(f"/api/v1/queue/batches/{batch_id}", headers=other.headers)).status_code == 404
