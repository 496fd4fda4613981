"""The embedding pipeline: pending → processing → completed | failed, in-process and through a real worker."""

from __future__ import annotations

import signal
import uuid
from collections.abc import Sequence
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from fibonacco.integrations.embeddings import Embedder, HashingEmbedder
from fibonacco.kit.db import UnitOfWork, create_sessionmaker, unit_of_work
from fibonacco.knowledge import service
from fibonacco.knowledge.models import EmbeddingStatus, KnowledgeEntry, KnowledgeEntryEmbedding
from fibonacco.knowledge.schemas import KnowledgeEntryCreate, KnowledgeEntryUpdate
from fibonacco.knowledge.tasks import embed_batch
from fibonacco.tenant.models import Tenant
from tests.fixtures import MakeTenant
from tests.helpers import Processes, eventually
from tests.knowledge.conftest import EmbedPending, MakeEntry

HASHING = HashingEmbedder()


class Spy(Embedder):
    """An embedder that runs `during(texts)` while "calling the provider", then embeds like the hashing one."""

    def __init__(self, during: object) -> None:
        self.model_name = HASHING.model_name
        self.dimension = HASHING.dimension
        self.during = during

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        await self.during(texts)  # type: ignore[operator]
        return await HASHING.embed(texts)


async def status_of(session: AsyncSession, entry: KnowledgeEntry) -> EmbeddingStatus:
    await session.refresh(entry)
    return entry.embedding_status


async def vector_of(session: AsyncSession, entry_id: uuid.UUID) -> list[float] | None:
    """The entry's stored vector (its own table's row), or None."""
    return await session.scalar(
        select(KnowledgeEntryEmbedding.embedding).where(KnowledgeEntryEmbedding.entry_id == entry_id)
    )


class TestLifecycle:
    async def test_pending_processing_completed(
        self, session: AsyncSession, make_tenant: MakeTenant, make_entry: MakeEntry, embed_pending: EmbedPending
    ) -> None:
        entry = await make_entry(await make_tenant(), title="Invoices", content="Download invoices as PDF.")
        assert entry.embedding_status == EmbeddingStatus.pending
        seen: list[EmbeddingStatus] = []

        async def look(_: Sequence[str]) -> None:
            seen.append(
                await session.scalar(select(KnowledgeEntry.embedding_status).where(KnowledgeEntry.id == entry.id))
            )  # type: ignore[arg-type]

        tally = await embed_pending(Spy(look))
        assert (tally.claimed, tally.stored, tally.failed) == (1, 1, 0)
        assert seen == [EmbeddingStatus.processing]
        assert await status_of(session, entry) == EmbeddingStatus.completed
        assert entry.embedding_model == HASHING.model_name and entry.embedded_at is not None
        vector = await vector_of(session, entry.id)
        assert vector is not None and len(vector) == 1536
        assert not any(vector[HASHING.dimension :])  # zero-padded
        assert list(vector[: HASHING.dimension]) == pytest.approx(
            HASHING.embed_one("Invoices\n\nDownload invoices as PDF."), abs=1e-6
        )

    async def test_failure_keeps_the_error_and_a_later_run_recovers(
        self, session: AsyncSession, make_tenant: MakeTenant, make_entry: MakeEntry, embed_pending: EmbedPending
    ) -> None:
        entry = await make_entry(await make_tenant())

        async def explode(_: Sequence[str]) -> None:
            raise RuntimeError("provider unreachable")

        with pytest.raises(RuntimeError):
            await embed_pending(Spy(explode))
        assert await status_of(session, entry) == EmbeddingStatus.failed
        assert entry.embedding_error == "RuntimeError: provider unreachable"
        # The hourly run picks failed entries up again.
        assert await service.mark_missing_embeddings(session, HASHING.model_name) >= 1
        await embed_pending()
        assert await status_of(session, entry) == EmbeddingStatus.completed
        assert entry.embedding_error is None

    async def test_text_without_words_fails_with_a_reason(
        self, session: AsyncSession, make_tenant: MakeTenant, make_entry: MakeEntry, embed_pending: EmbedPending
    ) -> None:
        entry = await make_entry(await make_tenant(), title="?", content="!!!")
        assert (await embed_pending()).failed == 1
        assert await status_of(session, entry) == EmbeddingStatus.failed
        assert entry.embedding_error == "The text has no words to embed."

    async def test_a_model_change_re_embeds(
        self, session: AsyncSession, make_tenant: MakeTenant, make_entry: MakeEntry, embed_pending: EmbedPending
    ) -> None:
        entry = await make_entry(await make_tenant())
        await embed_pending()
        newer = HashingEmbedder(dimension=512)
        assert await service.mark_missing_embeddings(session, newer.model_name) >= 1
        assert await status_of(session, entry) == EmbeddingStatus.pending
        await embed_pending(newer)
        assert await status_of(session, entry) == EmbeddingStatus.completed
        assert entry.embedding_model == newer.model_name
        # Up to date now: nothing more to do for this model.
        await service.mark_missing_embeddings(session, newer.model_name)
        assert await status_of(session, entry) == EmbeddingStatus.completed

    async def test_an_edit_during_embedding_wins(
        self, session: AsyncSession, make_tenant: MakeTenant, make_entry: MakeEntry, embed_pending: EmbedPending
    ) -> None:
        tenant = await make_tenant()
        entry = await make_entry(tenant, content="Old text.")
        tenant_id, entry_id = tenant.id, entry.id

        async def edit(_: Sequence[str]) -> None:
            session.expire_all()  # as another request would, read the entry afresh
            await service.update_entry(
                session, tenant_id, entry_id, KnowledgeEntryUpdate(content="New text."), user_id=None
            )
            await session.flush()  # and write all of it before the job goes on, as that request's commit would

        tally = await embed_pending(Spy(edit))
        # The old text's vector was dropped; the edit made the entry pending again and the next batch embedded
        # the new text (the edit, repeated, changes nothing the second time).
        assert (tally.claimed, tally.stored) == (2, 1)
        assert await status_of(session, entry) == EmbeddingStatus.completed
        vector = await vector_of(session, entry.id)
        assert vector is not None
        assert list(vector[: HASHING.dimension]) == pytest.approx(
            HASHING.embed_one(f"{entry.title}\n\nNew text."), abs=1e-6
        )

    async def test_abandoned_processing_is_claimed_again_and_done_work_is_not(
        self,
        session: AsyncSession,
        make_tenant: MakeTenant,
        make_entry: MakeEntry,
        embed_pending: EmbedPending,
        new_unit: UnitOfWork,
    ) -> None:
        tenant = await make_tenant()
        abandoned = await make_entry(tenant, embedding_status=EmbeddingStatus.processing)
        recent = await make_entry(tenant, embedding_status=EmbeddingStatus.processing)
        await session.execute(
            update(KnowledgeEntry)
            .where(KnowledgeEntry.id == abandoned.id)
            .values(updated_at=KnowledgeEntry.updated_at - service.STALE_PROCESSING_AFTER - timedelta(minutes=1))
        )
        assert (await embed_pending()).claimed == 1
        assert await status_of(session, abandoned) == EmbeddingStatus.completed
        assert await status_of(session, recent) == EmbeddingStatus.processing
        # A redelivered job for finished work does nothing.
        redelivered = await embed_batch(new_unit, HASHING, entry_ids=[abandoned.id], limit=1)
        assert redelivered.claimed == 0


async def wait_for_status(engine: AsyncEngine, entry_id: uuid.UUID, wanted: EmbeddingStatus) -> KnowledgeEntry:
    sessionmaker = create_sessionmaker(engine)

    async def reached() -> KnowledgeEntry | None:
        async with sessionmaker() as session:
            entry = await session.get(KnowledgeEntry, entry_id)
        assert entry is not None
        return entry if entry.embedding_status == wanted else None

    return await eventually(reached, f"the entry to be {wanted}", seconds=60, every=0.2)


class TestThroughAWorker:
    async def test_created_entry_is_embedded_by_the_worker_and_failures_are_recorded(
        self, engine: AsyncEngine, committed_tenant: Tenant, spawn: Processes
    ) -> None:
        # A worker whose provider is down: connection refused on a port nobody listens on.
        broken = spawn(
            "worker", "--queues", "embeddings", "--processes", "1", "--threads", "1",
            env={"EMBEDDINGS_PROVIDER": "openai", "OPENAI_API_KEY": "sk-test-key",
                 "OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "JOB_TRIES": "1"},
        )  # fmt: skip
        sessionmaker = create_sessionmaker(engine)
        async with unit_of_work(sessionmaker) as session:
            data = KnowledgeEntryCreate(title="Invoices", content="Download invoices as PDF.")
            entry = await service.create_entry(session, committed_tenant.id, data, created_by=None)
        failed = await wait_for_status(engine, entry.id, EmbeddingStatus.failed)
        assert failed.embedding_error and failed.embedding_error.startswith("openai:")
        async with sessionmaker() as session:
            assert await vector_of(session, entry.id) is None
        broken.send_signal(signal.SIGTERM)
        assert broken.wait(20) == 0

        # A healthy worker; the operator asks for the embedding again.
        spawn("worker", "--queues", "embeddings", "--processes", "1", "--threads", "1")
        async with unit_of_work(sessionmaker) as session:
            await service.request_embedding(session, committed_tenant.id, entry.id)
        done = await wait_for_status(engine, entry.id, EmbeddingStatus.completed)
        assert done.embedding_model == HASHING.model_name and done.embedding_error is None
        assert done.embedded_at is not None
        async with sessionmaker() as session:
            assert await vector_of(session, entry.id) is not None
