"""Knowledge entries, FAQ categories, votes, search and the embedding pipeline's steps. Never commits."""

from __future__ import annotations

import hashlib
import hmac
import html
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.integrations.embeddings import Embedder, pad_to
from fibonacco.integrations.errors import ProviderError
from fibonacco.kit.clock import utcnow
from fibonacco.kit.driver import Row
from fibonacco.kit.errors import Conflict, NotFound, ServiceUnavailable, ValidationFailed
from fibonacco.kit.responses import Page
from fibonacco.knowledge.importer import ImportSourceError, Record, read_records
from fibonacco.knowledge.models import (
    EmbeddingStatus,
    FaqCategory,
    KnowledgeEntry,
    KnowledgeVote,
    ValidationStatus,
)
from fibonacco.knowledge.repository import (
    HIGHLIGHT_START,
    HIGHLIGHT_STOP,
    EmbeddingQueue,
    EmbeddingWork,
    FaqCategoryRepository,
    KnowledgeEntryRepository,
    KnowledgeVoteRepository,
    PendingEntry,
    PublicKnowledgeEntryRepository,
)
from fibonacco.knowledge.schemas import (
    FaqCategoryCreate,
    FaqCategoryNode,
    FaqCategoryUpdate,
    ImportProblem,
    KnowledgeEntryCreate,
    KnowledgeEntryUpdate,
    KnowledgeFilters,
    KnowledgeSort,
    PublicKnowledgeFilters,
    SearchMode,
)
from fibonacco.tenant import service as tenant_service
from fibonacco.worker.buffer import JobRef, enqueue

# Hybrid search: each side contributes this many candidates per result asked for (bench/retrieval.py;
# docs/decisions/hybrid-search-fusion.md). The fusion's weight is the embedder's `hybrid_text_weight`.
HYBRID_DEPTH_FACTOR = 3
# A `processing` entry untouched this long belongs to a worker that died mid-job; it is claimed again.
STALE_PROCESSING_AFTER = timedelta(minutes=15)
# An uploaded import file larger than this is refused.
MAX_IMPORT_BYTES = 5_000_000
_TEXT_FIELDS = frozenset({"title", "content"})
# The embedding job, by name: `tasks.py` declares the actor with it (and imports this module).
EMBEDDING_JOB = JobRef("knowledge.generate_embedding", "embeddings")


def _queue_embedding(session: AsyncSession, entry: KnowledgeEntry) -> None:
    """Mark `entry` pending and send its embedding job once the unit of work commits."""
    entry.embedding_status = EmbeddingStatus.pending
    entry.embedding_error = None
    enqueue(session, EMBEDDING_JOB, str(entry.id), tenant_id=str(entry.tenant_id))


# --- entries ---


async def list_entries(
    session: AsyncSession, tenant_id: uuid.UUID, filters: KnowledgeFilters, sort: KnowledgeSort, page: Page
) -> tuple[list[Row], int]:
    """One page of read-only entry rows (`repository.ENTRY_COLUMNS`) and the total."""
    return await KnowledgeEntryRepository(session, tenant_id).list_page(filters, sort, page)


async def get_entry(session: AsyncSession, tenant_id: uuid.UUID, entry_id: uuid.UUID) -> Row:
    """The entry as a read-only row (`repository.ENTRY_COLUMNS`)."""
    row = await KnowledgeEntryRepository(session, tenant_id).get_row(entry_id)
    if row is None:
        raise NotFound("KnowledgeEntry not found.")
    return row


async def _check_source_url_free(
    repository: KnowledgeEntryRepository, source_url: str | None, entry_id: uuid.UUID | None = None
) -> None:
    if source_url is None:
        return
    existing = await repository.get_by_source_url(source_url)
    if existing is not None and existing.id != entry_id:
        raise Conflict(
            "Another entry already has this source URL.",
            details={"field": "source_url", "entry_id": str(existing.id)},
        )


def _validation_values(status: ValidationStatus, user_id: uuid.UUID | None) -> dict[str, object]:
    if status == ValidationStatus.unvalidated:
        return {"validation_status": status, "validated_at": None, "validated_by": None}
    return {"validation_status": status, "validated_at": utcnow(), "validated_by": user_id}


async def create_entry(
    session: AsyncSession, tenant_id: uuid.UUID, data: KnowledgeEntryCreate, *, created_by: uuid.UUID | None
) -> KnowledgeEntry:
    repository = KnowledgeEntryRepository(session, tenant_id)
    await _check_source_url_free(repository, data.source_url)
    values = data.model_dump(exclude={"validation_status"}, by_alias=True)
    entry = KnowledgeEntry(**values, **_validation_values(data.validation_status, created_by), created_by=created_by)
    await repository.add(entry)
    _queue_embedding(session, entry)
    return entry


async def update_entry(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    entry_id: uuid.UUID,
    data: KnowledgeEntryUpdate,
    *,
    user_id: uuid.UUID | None,
) -> KnowledgeEntry:
    repository = KnowledgeEntryRepository(session, tenant_id)
    entry = await repository.get_or_404(entry_id)
    return await _change_entry(session, repository, entry, data.model_dump(exclude_unset=True, by_alias=True), user_id)


async def _change_entry(
    session: AsyncSession,
    repository: KnowledgeEntryRepository,
    entry: KnowledgeEntry,
    values: dict[str, Any],
    user_id: uuid.UUID | None,
) -> KnowledgeEntry:
    """Write `values` (by attribute name) to `entry`; a changed title or content queues its embedding."""
    if "source_url" in values:
        await _check_source_url_free(repository, values["source_url"], entry.id)
    status = values.pop("validation_status", None)
    if status is not None and status != entry.validation_status:
        values.update(_validation_values(status, user_id))
    text_changed = any(name in values and values[name] != getattr(entry, name) for name in _TEXT_FIELDS)
    await repository.update(entry, values)
    if text_changed:
        _queue_embedding(session, entry)
    return entry


async def delete_entry(session: AsyncSession, tenant_id: uuid.UUID, entry_id: uuid.UUID) -> None:
    repository = KnowledgeEntryRepository(session, tenant_id)
    await repository.delete(await repository.get_or_404(entry_id))


async def request_embedding(session: AsyncSession, tenant_id: uuid.UUID, entry_id: uuid.UUID) -> KnowledgeEntry:
    """(Re-)embed one entry now, e.g. after a failure; the job runs after the request commits."""
    repository = KnowledgeEntryRepository(session, tenant_id)
    entry = await repository.get_or_404(entry_id)
    _queue_embedding(session, entry)
    await session.flush()
    return entry


async def import_entry(session: AsyncSession, tenant_id: uuid.UUID, data: KnowledgeEntryCreate) -> str:
    """Create or update the entry with `data.source_url`: "created", "updated" or "skipped" (unchanged)."""
    repository = KnowledgeEntryRepository(session, tenant_id)
    existing = None
    if data.source_url is not None:
        existing = await repository.get_by_source_url(data.source_url)
    if existing is None:
        await create_entry(session, tenant_id, data, created_by=None)
        return "created"
    # Only the fields the source gives are compared and written: others keep their edits in the platform.
    provided = data.model_dump(include=data.model_fields_set, by_alias=True)
    changes = {name: value for name, value in provided.items() if value != getattr(existing, name)}
    if not changes:
        return "skipped"
    await _change_entry(session, repository, existing, changes, None)
    return "updated"


@dataclass(frozen=True)
class ImportPlan:
    """An upload read and checked: the records to import, and those left out with the reason."""

    records: list[KnowledgeEntryCreate]
    invalid: list[ImportProblem]


def plan_import(filename: str, content: bytes) -> ImportPlan:
    """Read an uploaded JSON, CSV or Markdown file with the importer; a record whose source was already seen
    in the same upload is left out (it would overwrite the first one)."""
    name = Path(filename).name or "upload"
    if len(content) > MAX_IMPORT_BYTES:
        message = f"{name} is larger than {MAX_IMPORT_BYTES // 1_000_000} MB; split it into smaller files."
        raise ValidationFailed(message, details=[{"field": "file", "message": message, "type": "too_large"}])
    with tempfile.TemporaryDirectory(prefix="fibonacco-import-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        try:
            read = read_records(path)
        except ImportSourceError as exc:
            message = str(exc).replace(str(path), name)  # the temporary path means nothing to the uploader
            raise ValidationFailed(message, details=[{"field": "file", "message": message, "type": "import"}]) from exc
    return plan_records(read)


def plan_records(read: Iterable[Record]) -> ImportPlan:
    """The records to import, and those left out with the reason: invalid ones, and a record whose source was
    already seen in the same import (it would overwrite the first one)."""
    records: list[KnowledgeEntryCreate] = []
    invalid: list[ImportProblem] = []
    first_seen: dict[str | None, str] = {}
    for record in read:
        if record.data is None:
            invalid.append(ImportProblem(location=record.location, reason=record.error or "invalid"))
        elif record.data.source_url in first_seen:
            reason = f"same source as {first_seen[record.data.source_url]}"
            invalid.append(ImportProblem(location=record.location, reason=reason))
        else:
            first_seen[record.data.source_url] = record.location
            records.append(record.data)
    return ImportPlan(records, invalid)


# --- votes ---


def anonymous_voter_key(app_key: str, tenant_id: uuid.UUID, visitor: str) -> str:
    """A stable key per visitor that reveals nothing about them: keyed with APP_KEY, scoped to the tenant."""
    digest = hmac.new(app_key.encode(), f"{tenant_id}:{visitor}".encode(), hashlib.sha256).hexdigest()
    return f"anon:{digest}"


async def vote(
    session: AsyncSession, tenant_id: uuid.UUID, entry_id: uuid.UUID, *, user_id: uuid.UUID, helpful: bool
) -> KnowledgeEntry:
    """A signed-in user's verdict on one of the tenant's entries; voting again replaces it."""
    repository = KnowledgeEntryRepository(session, tenant_id)
    return await _vote(session, repository, entry_id, voter_key=f"user:{user_id}", helpful=helpful, user_id=user_id)


async def public_vote(
    session: AsyncSession, learning_center: str, entry_id: uuid.UUID, *, app_key: str, visitor: str, helpful: bool
) -> KnowledgeEntry:
    """A Learning Center visitor's verdict on a public entry, under a key that reveals nothing about them."""
    tenant_id = await public_tenant(session, learning_center)
    repository = PublicKnowledgeEntryRepository(session, tenant_id)
    voter_key = anonymous_voter_key(app_key, tenant_id, visitor)
    return await _vote(session, repository, entry_id, voter_key=voter_key, helpful=helpful)


async def _vote(
    session: AsyncSession,
    entry_repository: KnowledgeEntryRepository,
    entry_id: uuid.UUID,
    *,
    voter_key: str,
    helpful: bool,
    user_id: uuid.UUID | None = None,
) -> KnowledgeEntry:
    """Record one voter's verdict; voting again replaces it. Counts stay equal to the votes held."""
    # The row lock serialises votes on one entry, so the check-then-write below cannot race.
    entry = await entry_repository.lock(entry_id)
    if entry is None:
        raise NotFound("KnowledgeEntry not found.")
    votes = KnowledgeVoteRepository(session, entry.tenant_id)
    existing = await votes.get_for_voter(entry.id, voter_key)
    if existing is not None and existing.helpful == helpful:
        return entry
    if existing is None:
        ballot = KnowledgeVote(entry_id=entry.id, voter_key=voter_key, user_id=user_id, helpful=helpful)
        await votes.add(ballot)
    else:
        existing.helpful = helpful
        # The earlier verdict no longer counts.
        if helpful:
            entry.not_helpful_count -= 1
        else:
            entry.helpful_count -= 1
    if helpful:
        entry.helpful_count += 1
    else:
        entry.not_helpful_count += 1
    await session.flush()
    return entry


# --- public Learning Center ---


async def public_tenant(session: AsyncSession, slug_or_domain: str) -> uuid.UUID:
    """The Learning Center's tenant id, bound to the unit of work: a public page acts for that tenant only."""
    tenant_id = await tenant_service.bind_active_tenant(session, slug_or_domain)
    if tenant_id is None:
        raise NotFound("Learning Center not found.")
    return tenant_id


async def list_public_entries(
    session: AsyncSession, learning_center: str, filters: PublicKnowledgeFilters, sort: KnowledgeSort, page: Page
) -> tuple[list[Row], int]:
    """One page of a Learning Center's public entries, as read-only rows (`repository.PUBLIC_ENTRY_COLUMNS`)."""
    tenant_id = await public_tenant(session, learning_center)
    return await PublicKnowledgeEntryRepository(session, tenant_id).list_page(_narrowed(filters), sort, page)


async def list_public_category_tree(session: AsyncSession, learning_center: str) -> list[FaqCategoryNode]:
    return await list_category_tree(session, await public_tenant(session, learning_center))


async def get_public_entry(session: AsyncSession, learning_center: str, entry_id: uuid.UUID) -> KnowledgeEntry:
    """A public entry, counted as one use (a read of the article)."""
    repository = PublicKnowledgeEntryRepository(session, await public_tenant(session, learning_center))
    entry = await repository.get_or_404(entry_id)
    await repository.count_usage([entry.id])
    await session.refresh(entry, ["usage_count"])
    return entry


# --- search ---


@dataclass
class Hit:
    entry: Row  # a read-only row of the repository's `row_columns`
    score: float
    semantic_score: float | None = None
    text_score: float | None = None
    highlight: str | None = None


@dataclass(frozen=True)
class SearchOutcome:
    mode: SearchMode
    query: str
    embedding_model: str | None
    hits: list[Hit]


def fuse_scores(
    semantic: dict[uuid.UUID, float], textual: dict[uuid.UUID, float], text_weight: float
) -> dict[uuid.UUID, float]:
    """Hybrid score: (1 - w) * semantic + w * full text, each side's score divided by that side's best (a side
    that did not find an entry gives it 0), best first."""

    def relative(scores: dict[uuid.UUID, float]) -> dict[uuid.UUID, float]:
        best = max(scores.values(), default=0.0)
        return {entry_id: score / best for entry_id, score in scores.items()} if best > 0 else {}

    by_meaning, by_words = relative(semantic), relative(textual)
    fused = {
        entry_id: (1 - text_weight) * by_meaning.get(entry_id, 0.0) + text_weight * by_words.get(entry_id, 0.0)
        for entry_id in by_meaning.keys() | by_words.keys()
    }
    return dict(sorted(fused.items(), key=lambda item: (-item[1], str(item[0]))))


def render_highlight(headline: str) -> str:
    """The snippet as safe HTML: the entry's own text escaped, only our markers become <mark>."""
    return html.escape(headline).replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_STOP, "</mark>")


async def embed_query(embedder: Embedder, query: str) -> list[float]:
    try:
        (vector,) = await embedder.embed([query])
    except ProviderError as exc:
        raise ServiceUnavailable(f"Semantic search is unavailable: {exc.message}") from exc
    return pad_to(vector)


def _narrowed(filters: PublicKnowledgeFilters) -> KnowledgeFilters:
    return KnowledgeFilters.model_validate(filters.model_dump(exclude_unset=True))


async def search(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    mode: SearchMode,
    query: str,
    filters: KnowledgeFilters,
    limit: int,
    embedder: Embedder,
) -> SearchOutcome:
    """Search the tenant's entries with the list's filters."""
    repository = KnowledgeEntryRepository(session, tenant_id)
    return await _search(repository, embedder, filters, mode, query, limit)


async def public_search(
    session: AsyncSession,
    learning_center: str,
    mode: SearchMode,
    query: str,
    filters: PublicKnowledgeFilters,
    limit: int,
    embedder: Embedder,
) -> SearchOutcome:
    """Search a Learning Center's public entries."""
    repository = PublicKnowledgeEntryRepository(session, await public_tenant(session, learning_center))
    return await _search(repository, embedder, _narrowed(filters), mode, query, limit)


async def _search(
    repository: KnowledgeEntryRepository,
    embedder: Embedder,
    filters: KnowledgeFilters,
    mode: SearchMode,
    query: str,
    limit: int,
) -> SearchOutcome:
    """Search the repository's entries (a tenant's, or a tenant's public ones) with the list's filters."""
    model = embedder.model_name if mode != SearchMode.full_text else None
    if not any(character.isalnum() for character in query):
        # Nothing to match (`!!!`): no words for full text, and only a meaningless (zero) vector to compare.
        return SearchOutcome(mode=mode, query=query, embedding_model=model, hits=[])
    depth = limit if mode != SearchMode.hybrid else limit * HYBRID_DEPTH_FACTOR
    if mode == SearchMode.hybrid:
        vector = await embed_query(embedder, query)
        matches, texts = await repository.hybrid_candidates(vector, embedder.model_name, query, filters, depth)
    elif mode == SearchMode.semantic:
        vector = await embed_query(embedder, query)
        matches, texts = await repository.nearest(vector, embedder.model_name, filters, depth, text=query), []
    else:
        matches, texts = [], await repository.matching_text(query, filters, depth)
    semantic = {match.entry_id: match.similarity for match in matches}
    textual = {match.entry_id: match for match in texts}

    text_scores = {entry_id: match.rank for entry_id, match in textual.items()}
    if mode == SearchMode.semantic:
        scores = semantic
    elif mode == SearchMode.full_text:
        scores = text_scores
    else:
        scores = fuse_scores(semantic, text_scores, embedder.hybrid_text_weight)
    ranked = list(scores)[:limit]
    entries = await repository.get_many(ranked, highlight=query if textual else None)
    hits = []
    for entry_id in ranked:
        if (entry := entries.get(entry_id)) is None:
            continue
        headline = entry.pop("headline", None)  # the hit's entry is the response's: the row's columns, no more
        hits.append(
            Hit(
                entry=entry,
                score=scores[entry_id],
                semantic_score=semantic.get(entry_id),
                text_score=text_scores.get(entry_id),
                highlight=render_highlight(headline) if entry_id in textual else None,
            )
        )
    return SearchOutcome(mode=mode, query=query, embedding_model=model, hits=hits)


# --- FAQ categories ---


async def list_category_tree(session: AsyncSession, tenant_id: uuid.UUID) -> list[FaqCategoryNode]:
    rows = await FaqCategoryRepository(session, tenant_id).list_all()
    nodes = {row.id: FaqCategoryNode.model_validate(row) for row in rows}
    roots: list[FaqCategoryNode] = []
    # Rows arrive in display order, so appending keeps every level sorted.
    for row in rows:
        node = nodes[row.id]
        parent = nodes.get(row.parent_id) if row.parent_id else None
        (parent.children if parent else roots).append(node)
    return roots


def _invalid_parent(message: str) -> ValidationFailed:
    details = [{"field": "body.parent_id", "message": message, "type": "value_error"}]
    return ValidationFailed(message, details=details)


async def _check_parent(repository: FaqCategoryRepository, parent_id: uuid.UUID, moving: uuid.UUID | None) -> None:
    if await repository.get(parent_id) is None:
        raise _invalid_parent("The parent category does not exist.")
    if moving is not None and moving in await repository.ancestor_ids(parent_id):
        raise _invalid_parent("A category cannot be placed under itself or one of its descendants.")


async def _check_slug_free(repository: FaqCategoryRepository, slug: str, category_id: uuid.UUID | None) -> None:
    existing = await repository.get_by_slug(slug)
    if existing is not None and existing.id != category_id:
        raise Conflict("Another category already has this slug.", details={"field": "slug"})


async def create_category(session: AsyncSession, tenant_id: uuid.UUID, data: FaqCategoryCreate) -> FaqCategory:
    repository = FaqCategoryRepository(session, tenant_id)
    await _check_slug_free(repository, data.slug, None)
    if data.parent_id is not None:
        await _check_parent(repository, data.parent_id, None)
    return await repository.add(FaqCategory(**data.model_dump()))


async def update_category(
    session: AsyncSession, tenant_id: uuid.UUID, category_id: uuid.UUID, data: FaqCategoryUpdate
) -> FaqCategory:
    repository = FaqCategoryRepository(session, tenant_id)
    category = await repository.get_or_404(category_id)
    values = data.model_dump(exclude_unset=True)
    if "slug" in values:
        await _check_slug_free(repository, values["slug"], category.id)
    if values.get("parent_id") is not None:
        # Two concurrent moves could each pass the cycle check alone; one tree lock per tenant orders them.
        await repository.lock_tree()
        await _check_parent(repository, values["parent_id"], category.id)
    return await repository.update(category, values)


async def delete_category(session: AsyncSession, tenant_id: uuid.UUID, category_id: uuid.UUID) -> None:
    repository = FaqCategoryRepository(session, tenant_id)
    category = await repository.get_or_404(category_id)
    if await repository.has_children(category.id):
        raise Conflict("Move or delete this category's subcategories first.")
    await repository.delete(category)


# --- embedding pipeline steps (the jobs in tasks.py commit between them) ---


async def claim_for_embedding(
    session: AsyncSession, *, entry_ids: Sequence[uuid.UUID] | None = None, limit: int
) -> list[EmbeddingWork]:
    return await EmbeddingQueue(session).claim(
        entry_ids=entry_ids, limit=limit, stale_before=utcnow() - STALE_PROCESSING_AFTER
    )


async def compute_embeddings(embedder: Embedder, work: Sequence[EmbeddingWork]) -> list[list[float]]:
    """Vectors for `work`, zero-padded to the column; raises the provider's error for the caller to record."""
    vectors = await embedder.embed([item.text for item in work])
    return [pad_to(vector) for vector in vectors]


async def store_embeddings(
    session: AsyncSession, work: Sequence[EmbeddingWork], vectors: Sequence[list[float]], model_name: str
) -> tuple[int, int]:
    """Save each vector; an all-zero one (text without words) fails its entry. Returns (stored, failed)."""
    queue = EmbeddingQueue(session)
    stored = failed = 0
    for item, vector in zip(work, vectors, strict=True):
        if not any(vector):
            await queue.fail(item, "The text has no words to embed.")
            failed += 1
        elif await queue.store(item, vector, model_name):
            stored += 1
    return stored, failed


async def fail_embeddings(session: AsyncSession, work: Sequence[EmbeddingWork], error: str) -> None:
    queue = EmbeddingQueue(session)
    for item in work:
        await queue.fail(item, error)


async def mark_missing_embeddings(session: AsyncSession, model_name: str) -> int:
    """Entries without a `model_name` embedding (never made, failed, another model's) become pending."""
    return await EmbeddingQueue(session).mark_missing_pending(model_name)


async def pending_entries(session: AsyncSession) -> list[PendingEntry]:
    return await EmbeddingQueue(session).pending()


async def count_pending(session: AsyncSession) -> int:
    return await EmbeddingQueue(session).count_pending()
