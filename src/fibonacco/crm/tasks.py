"""CRM jobs: an API import runs as a batch of `crm.import_chunk`, one per stored chunk of rows; a new pending
question is embedded by `crm.embed_question`, which merges it with open questions close to it in meaning."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fibonacco.clients import EMBEDDER
from fibonacco.crm import importer, questions
from fibonacco.integrations.embeddings import Embedder
from fibonacco.kit.db import UnitOfWork
from fibonacco.kit.tenancy import bind_tenant
from fibonacco.worker.actor import actor, job_session
from fibonacco.worker.resources import job_clients


@actor("crm.import_chunk", queue="default", time_limit=timedelta(minutes=5))
async def import_chunk(import_id: str, position: int, *, tenant_id: str) -> None:
    """Import one chunk of an API import in one unit of work: its good rows land together, or not at all."""
    tenant = uuid.UUID(tenant_id)
    async with job_session() as session:
        await bind_tenant(session, tenant)
        await importer.process_chunk(session, tenant, uuid.UUID(import_id), position)


async def embed_and_merge(
    unit_of_work: UnitOfWork, embedder: Embedder, tenant_id: uuid.UUID, question_id: uuid.UUID
) -> None:
    """Embed the open question (the provider is called outside any transaction), then store the vector and
    merge near-duplicates in one unit of work. A repeated job for a merged or resolved question does nothing."""
    async with unit_of_work() as session:
        await bind_tenant(session, tenant_id)
        text = await questions.question_to_embed(session, tenant_id, question_id)
    if text is None:
        return
    (vector,) = await embedder.embed([text])
    async with unit_of_work() as session:
        await bind_tenant(session, tenant_id)
        await questions.merge_by_embedding(session, tenant_id, question_id, vector, embedder.model_name)


@actor("crm.embed_question", queue="embeddings", time_limit=timedelta(minutes=2))
async def embed_question(question_id: str, *, tenant_id: str) -> None:
    await embed_and_merge(job_session, job_clients().get(EMBEDDER), uuid.UUID(tenant_id), uuid.UUID(question_id))
