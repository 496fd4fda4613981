"""Knowledge test helpers: entries straight in the test's session, and embedding them in-process."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.integrations.embeddings import Embedder, HashingEmbedder
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


def in_session(session: AsyncSession) -> Callable[[], AbstractAsyncContextManager[AsyncSession]]:
    """A unit-of-work factory that hands out the test's session (its work is rolled back with the test)."""

    @asynccontextmanager
    async def unit_of_work() -> AsyncIterator[AsyncSession]:
        yield session
        await session.flush()

    return unit_of_work


@pytest.fixture
def embed_pending(session: AsyncSession) -> EmbedPending:
    """Run the pipeline's batch step in-process, as the scheduled job would, with the offline embedder."""

    async def run(embedder: Embedder | None = None) -> EmbeddingTally:
        return await process_pending(in_session(session), embedder or HashingEmbedder())

    return run
