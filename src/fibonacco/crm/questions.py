"""Near-duplicate pending questions by meaning: the steps of the `crm.embed_question` job (`tasks.py`).

Intake (`service.ask_question`) already merges a question whose normalised text is the same as, or close by
trigrams to, an open one. Paraphrases in other words are caught here, after commit, once the question has an
embedding from the platform's embedder (the one knowledge entries use, zero-padded to the same column width).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.crm.models import PendingQuestion, QuestionStatus
from fibonacco.crm.repository import PendingQuestionRepository
from fibonacco.integrations.embeddings import pad_to
from fibonacco.kit.clock import utcnow

log = structlog.get_logger("fibonacco.crm")

# Two open questions whose embeddings are at most this cosine distance apart ask the same thing, and are merged
# (docs/decisions/crm.md: paraphrases measure 0.05-0.16 with the offline hashing embedder, different questions
# sharing a topic word 0.39 and more). A question is merged with at most this many others at once.
QUESTION_MERGE_DISTANCE = 0.2
QUESTION_MERGE_LIMIT = 20


async def question_to_embed(session: AsyncSession, tenant_id: uuid.UUID, question_id: uuid.UUID) -> str | None:
    """The text of the open question to embed (None once it is no longer open, or gone)."""
    question = await PendingQuestionRepository(session, tenant_id).get(question_id)
    return question.question if question is not None and question.status == QuestionStatus.open else None


async def merge_by_embedding(
    session: AsyncSession, tenant_id: uuid.UUID, question_id: uuid.UUID, vector: Sequence[float], model: str
) -> PendingQuestion | None:
    """Store the open question's embedding, then merge it with every open question of the tenant within
    QUESTION_MERGE_DISTANCE of it: the earliest asked stays open with the sum of `times_asked` and the latest
    `last_asked_at`; the others become `merged`, `merged_into_id` naming it. Returns the one that stays open
    (None if the question is no longer open: a repeated job does nothing)."""
    repository = PendingQuestionRepository(session, tenant_id)
    await repository.lock_tenant_questions()  # serialised with intake and with other merges of the tenant
    question = await repository.lock(question_id)
    if question is None or question.status != QuestionStatus.open:
        return None
    question.embedding = pad_to(vector)
    question.embedding_model = model
    near = await repository.lock_open_near(
        question.id, question.embedding, model, QUESTION_MERGE_DISTANCE, QUESTION_MERGE_LIMIT
    )
    if not near:
        await session.flush()
        return question
    # Earliest first; rows made in one transaction share `created_at`, and then their first asking decides.
    kept, *merged = sorted([question, *near], key=lambda row: (row.created_at, row.last_asked_at, row.id))
    now = utcnow()
    kept.times_asked = sum(row.times_asked for row in (kept, *merged))
    kept.last_asked_at = max(row.last_asked_at for row in (kept, *merged))
    for row in merged:
        row.status = QuestionStatus.merged
        row.merged_into_id = kept.id
        row.resolved_at = now
    await session.flush()
    log.info("pending_questions_merged", kept=str(kept.id), merged=[str(row.id) for row in merged])
    return kept
