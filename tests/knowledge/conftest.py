"""Knowledge test helpers: entries straight in the test's session, and embedding them in-process."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.integrations.embeddings import Embedder, HashingEmbedder
from fibonacco.kit.db import UnitOfWork
from fibonacco.knowledge.models import KnowledgeEntry
from fibonacco.knowledge.tasks import EmbeddingTally, process_pending
from fibonacco.tenant.models import Tenant

MakeEntry = Callable[..., Awaitable[KnowledgeEntry]]
EmbedPending = Callable[..., Awaitable[EmbeddingTally]]


@pytest.fixture
def make_entry(session: AsyncSession) -> MakeEntry:
    async def make(tenant: Tenant, **values: object) -> KnowledgeEntry:
        values.setdefault("title", f"Entry {uuid.uuid4().hex[:6]}")
        values.setdefault("content", "Some content.")
        entry = KnowledgeEntry(tenant_id=tenant.id, **values)
        session.add(entry)
        await session.flush()
        return entry

    return make


@pytest.fixture
def embed_pending(new_unit: UnitOfWork) -> EmbedPending:
    """Run the pipeline's batch step in-process, as the scheduled job would, with the offline embedder."""

    async def run(embedder: Embedder | None = None) -> EmbeddingTally:
        return await process_pending(new_unit, embedder or HashingEmbedder())

    return run
