from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Path, Query, Request, UploadFile, status

from fibonacco.integrations.embeddings import Embedder
from fibonacco.integrations.registry import get_embedder
from fibonacco.kit.dependencies import RedisDep, SessionDep, SettingsDep
from fibonacco.kit.errors import (
    Conflict,
    Forbidden,
    NotFound,
    ServiceUnavailable,
    TooManyRequests,
    Unauthenticated,
    ValidationFailed,
    error_responses,
)
from fibonacco.kit.ratelimit import enforce_rate_limit
from fibonacco.kit.responses import Envelope, PageDep, PaginatedEnvelope, ok, paginated
from fibonacco.knowledge import service, tasks
from fibonacco.knowledge.auth import KnowledgeImport, KnowledgeRead, KnowledgeWrite
from fibonacco.knowledge.models import EmbeddingStatus, ValidationStatus
from fibonacco.knowledge.models import KnowledgeEntry as KnowledgeEntryRow
from fibonacco.knowledge.repository import KnowledgeEntryRepository, PublicKnowledgeEntryRepository
from fibonacco.knowledge.schemas import (
    MAX_SEARCH_LIMIT,
    EmbeddingQueued,
    FaqCategory,
    FaqCategoryCreate,
    FaqCategoryNode,
    FaqCategoryUpdate,
    ImportStarted,
    KnowledgeEntry,
    KnowledgeEntryCreate,
    KnowledgeEntryUpdate,
    KnowledgeFilters,
    KnowledgeSort,
    PublicKnowledgeEntry,
    PublicSearchHit,
    PublicSearchResults,
    PublicVote,
    SearchHit,
    SearchMode,
    SearchResults,
    Vote,
    VoteResult,
)

entries = APIRouter(prefix="/api/v1/knowledge", tags=["knowledge"])
categories = APIRouter(prefix="/api/v1/faq-categories", tags=["knowledge"])
search = APIRouter(prefix="/api/v1/search", tags=["search"])
public = APIRouter(prefix="/api/v1/public/{tenant}", tags=["learning center"])

# Unauthenticated callers share these per client address.
PUBLIC_SEARCHES_PER_MINUTE = 60
PUBLIC_VOTES_PER_MINUTE = 20

_ERRORS = error_responses(Unauthenticated, Forbidden, NotFound, ValidationFailed)
_WRITE_ERRORS = {**_ERRORS, **error_responses(Conflict)}
_SEARCH_ERRORS = {**_ERRORS, **error_responses(ServiceUnavailable)}
_PUBLIC_ERRORS = error_responses(NotFound, ValidationFailed, TooManyRequests)


def _embedder(request: Request) -> Embedder:
    # Built once per process: SDK-backed embedders keep a connection pool.
    embedder: Embedder | None = getattr(request.app.state, "embedder", None)
    if embedder is None:
        embedder = request.app.state.embedder = get_embedder(request.app.state.settings)
    return embedder


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _filters(
    category: Annotated[str | None, Query(max_length=100)] = None,
    subcategory: Annotated[str | None, Query(max_length=100)] = None,
    industry_code: Annotated[str | None, Query(max_length=50, description="entries for this industry")] = None,
    tag: Annotated[str | None, Query(max_length=100)] = None,
    validation_status: ValidationStatus | None = None,
    embedding_status: EmbeddingStatus | None = None,
    is_public: bool | None = None,
) -> KnowledgeFilters:
    return KnowledgeFilters(
        category=category,
        subcategory=subcategory,
        industry_code=industry_code,
        tag=tag,
        validation_status=validation_status,
        embedding_status=embedding_status,
        is_public=is_public,
    )


def _public_filters(
    category: Annotated[str | None, Query(max_length=100)] = None,
    subcategory: Annotated[str | None, Query(max_length=100)] = None,
    industry_code: Annotated[str | None, Query(max_length=50)] = None,
    tag: Annotated[str | None, Query(max_length=100)] = None,
) -> KnowledgeFilters:
    return KnowledgeFilters(category=category, subcategory=subcategory, industry_code=industry_code, tag=tag)


EmbedderDep = Annotated[Embedder, Depends(_embedder)]
FiltersDep = Annotated[KnowledgeFilters, Depends(_filters)]
PublicFiltersDep = Annotated[KnowledgeFilters, Depends(_public_filters)]
SortParam = Annotated[KnowledgeSort, Query(description="field to sort by; a leading '-' means descending")]
QueryParam = Annotated[str, Query(min_length=1, max_length=500, description="what to search for")]
LimitParam = Annotated[int, Query(ge=1, le=MAX_SEARCH_LIMIT, description="how many results")]
TenantParam = Annotated[str, Path(max_length=255, description="the tenant's slug or Learning Center host")]


# --- entries ---


@entries.get("", response_model=PaginatedEnvelope[KnowledgeEntry], responses=_ERRORS)
async def list_entries(
    auth: KnowledgeRead,
    session: SessionDep,
    page: PageDep,
    filters: FiltersDep,
    sort: SortParam = KnowledgeSort.newest,
) -> PaginatedEnvelope[KnowledgeEntry]:
    rows, total = await service.list_entries(session, auth.tenant_id, filters, sort, page)
    return paginated([KnowledgeEntry.model_validate(row) for row in rows], total, page)


@entries.post("", response_model=Envelope[KnowledgeEntry], status_code=status.HTTP_201_CREATED, responses=_WRITE_ERRORS)
async def create_entry(
    body: KnowledgeEntryCreate, auth: KnowledgeWrite, session: SessionDep
) -> Envelope[KnowledgeEntry]:
    entry = await service.create_entry(session, auth.tenant_id, body, created_by=auth.user.id)
    return ok(KnowledgeEntry.model_validate(entry), "Entry created; its embedding is queued.")


@entries.post(
    "/import", response_model=Envelope[ImportStarted], status_code=status.HTTP_202_ACCEPTED, responses=_ERRORS
)
async def import_file(
    file: Annotated[UploadFile, File(description="JSON, CSV or Markdown, as `fibonacco knowledge import` reads")],
    auth: KnowledgeImport,
    session: SessionDep,
) -> Envelope[ImportStarted]:
    """Import entries from an uploaded file as a job batch; a source seen before updates its entry."""
    content = await file.read(service.MAX_IMPORT_BYTES + 1)
    started = await tasks.start_import(session, auth.tenant_id, file.filename or "upload", content)
    return ok(started, f"Importing {started.records} record(s).")


@entries.get("/{entry_id:uuid}", response_model=Envelope[KnowledgeEntry], responses=_ERRORS)
async def get_entry(entry_id: uuid.UUID, auth: KnowledgeRead, session: SessionDep) -> Envelope[KnowledgeEntry]:
    return ok(KnowledgeEntry.model_validate(await service.get_entry(session, auth.tenant_id, entry_id)))


@entries.patch("/{entry_id:uuid}", response_model=Envelope[KnowledgeEntry], responses=_WRITE_ERRORS)
async def update_entry(
    entry_id: uuid.UUID, body: KnowledgeEntryUpdate, auth: KnowledgeWrite, session: SessionDep
) -> Envelope[KnowledgeEntry]:
    entry = await service.update_entry(session, auth.tenant_id, entry_id, body, user_id=auth.user.id)
    return ok(KnowledgeEntry.model_validate(entry), "Entry updated.")


@entries.delete("/{entry_id:uuid}", response_model=Envelope[None], responses=_ERRORS)
async def delete_entry(entry_id: uuid.UUID, auth: KnowledgeWrite, session: SessionDep) -> Envelope[None]:
    await service.delete_entry(session, auth.tenant_id, entry_id)
    return ok(None, "Entry deleted.")


@entries.post(
    "/{entry_id}/generate-embedding",
    response_model=Envelope[EmbeddingQueued],
    status_code=status.HTTP_202_ACCEPTED,
    responses=_ERRORS,
)
async def generate_embedding(
    entry_id: uuid.UUID, auth: KnowledgeWrite, session: SessionDep
) -> Envelope[EmbeddingQueued]:
    entry = await service.request_embedding(session, auth.tenant_id, entry_id)
    return ok(EmbeddingQueued(entry_id=entry.id, embedding_status=entry.embedding_status), "Embedding queued.")


@entries.post("/{entry_id}/vote", response_model=Envelope[VoteResult], responses=_ERRORS)
async def vote(entry_id: uuid.UUID, body: Vote, auth: KnowledgeRead, session: SessionDep) -> Envelope[VoteResult]:
    """Helpful or not: one vote per user per entry; voting again replaces the earlier vote."""
    entry = await service.vote(
        session,
        KnowledgeEntryRepository(session, auth.tenant_id),
        entry_id,
        voter_key=service.user_voter_key(auth.user.id),
        helpful=body.helpful,
        user_id=auth.user.id,
    )
    return ok(_vote_result(entry, body.helpful), "Vote recorded.")


def _vote_result(entry: KnowledgeEntryRow, helpful: bool) -> VoteResult:
    return VoteResult(
        entry_id=entry.id,
        helpful=helpful,
        helpful_count=entry.helpful_count,
        not_helpful_count=entry.not_helpful_count,
    )


# --- FAQ categories ---


@categories.get("", response_model=Envelope[list[FaqCategoryNode]], responses=_ERRORS)
async def list_categories(auth: KnowledgeRead, session: SessionDep) -> Envelope[list[FaqCategoryNode]]:
    """The whole tree: roots in display order, each with its children."""
    return ok(await service.list_category_tree(session, auth.tenant_id))


@categories.post("", response_model=Envelope[FaqCategory], status_code=status.HTTP_201_CREATED, responses=_WRITE_ERRORS)
async def create_category(body: FaqCategoryCreate, auth: KnowledgeWrite, session: SessionDep) -> Envelope[FaqCategory]:
    category = await service.create_category(session, auth.tenant_id, body)
    return ok(FaqCategory.model_validate(category), "Category created.")


@categories.patch("/{category_id}", response_model=Envelope[FaqCategory], responses=_WRITE_ERRORS)
async def update_category(
    category_id: uuid.UUID, body: FaqCategoryUpdate, auth: KnowledgeWrite, session: SessionDep
) -> Envelope[FaqCategory]:
    category = await service.update_category(session, auth.tenant_id, category_id, body)
    return ok(FaqCategory.model_validate(category), "Category updated.")


@categories.delete("/{category_id}", response_model=Envelope[None], responses=_WRITE_ERRORS)
async def delete_category(category_id: uuid.UUID, auth: KnowledgeWrite, session: SessionDep) -> Envelope[None]:
    await service.delete_category(session, auth.tenant_id, category_id)
    return ok(None, "Category deleted.")


# --- search ---


@search.get("/{mode}", response_model=Envelope[SearchResults], responses=_SEARCH_ERRORS)
async def search_entries(
    mode: SearchMode,
    q: QueryParam,
    auth: KnowledgeRead,
    session: SessionDep,
    filters: FiltersDep,
    embedder: EmbedderDep,
    limit: LimitParam = 10,
) -> Envelope[SearchResults]:
    """`semantic` (cosine similarity of embeddings), `full-text` (ranked, with highlighted snippets) or
    `hybrid` (reciprocal rank fusion of the two). Filters narrow the candidates before ranking."""
    outcome = await service.search(KnowledgeEntryRepository(session, auth.tenant_id), mode, q, filters, limit, embedder)
    hits = [
        SearchHit(
            entry=KnowledgeEntry.model_validate(hit.entry),
            score=hit.score,
            semantic_score=hit.semantic_score,
            text_score=hit.text_score,
            highlight=hit.highlight,
        )
        for hit in outcome.hits
    ]
    return ok(SearchResults(mode=mode, query=q, embedding_model=outcome.embedding_model, hits=hits))


# --- public Learning Center (no authentication; public entries only) ---


@public.get("/knowledge", response_model=PaginatedEnvelope[PublicKnowledgeEntry], responses=_PUBLIC_ERRORS)
async def list_public_entries(
    tenant: TenantParam,
    session: SessionDep,
    page: PageDep,
    filters: PublicFiltersDep,
    sort: SortParam = KnowledgeSort.newest,
) -> PaginatedEnvelope[PublicKnowledgeEntry]:
    learning_center = await service.public_tenant(session, tenant)
    rows, total = await PublicKnowledgeEntryRepository(session, learning_center.id).list_page(filters, sort, page)
    return paginated([PublicKnowledgeEntry.model_validate(row) for row in rows], total, page)


@public.get("/knowledge/{entry_id}", response_model=Envelope[PublicKnowledgeEntry], responses=_PUBLIC_ERRORS)
async def get_public_entry(
    tenant: TenantParam, entry_id: uuid.UUID, session: SessionDep
) -> Envelope[PublicKnowledgeEntry]:
    learning_center = await service.public_tenant(session, tenant)
    entry = await service.get_public_entry(session, learning_center.id, entry_id)
    return ok(PublicKnowledgeEntry.model_validate(entry))


@public.post("/knowledge/{entry_id}/vote", response_model=Envelope[VoteResult], responses=_PUBLIC_ERRORS)
async def public_vote(
    tenant: TenantParam,
    entry_id: uuid.UUID,
    body: PublicVote,
    request: Request,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> Envelope[VoteResult]:
    client = _client(request)
    await enforce_rate_limit(redis, f"knowledge-vote:{client}", limit=PUBLIC_VOTES_PER_MINUTE, window_seconds=60)
    learning_center = await service.public_tenant(session, tenant)
    voter = service.anonymous_voter_key(
        settings.APP_KEY.get_secret_value(), learning_center.id, body.visitor_id or f"address:{client}"
    )
    entry = await service.vote(
        session,
        PublicKnowledgeEntryRepository(session, learning_center.id),
        entry_id,
        voter_key=voter,
        helpful=body.helpful,
    )
    return ok(_vote_result(entry, body.helpful), "Thanks for your feedback.")


@public.get("/faq-categories", response_model=Envelope[list[FaqCategoryNode]], responses=_PUBLIC_ERRORS)
async def list_public_categories(tenant: TenantParam, session: SessionDep) -> Envelope[list[FaqCategoryNode]]:
    learning_center = await service.public_tenant(session, tenant)
    return ok(await service.list_category_tree(session, learning_center.id))


@public.get(
    "/search",
    response_model=Envelope[PublicSearchResults],
    responses={**_PUBLIC_ERRORS, **error_responses(ServiceUnavailable)},
)
async def public_search(
    tenant: TenantParam,
    q: QueryParam,
    request: Request,
    session: SessionDep,
    redis: RedisDep,
    filters: PublicFiltersDep,
    embedder: EmbedderDep,
    mode: SearchMode = SearchMode.hybrid,
    limit: LimitParam = 10,
) -> Envelope[PublicSearchResults]:
    await enforce_rate_limit(
        redis, f"knowledge-search:{_client(request)}", limit=PUBLIC_SEARCHES_PER_MINUTE, window_seconds=60
    )
    learning_center = await service.public_tenant(session, tenant)
    outcome = await service.search(
        PublicKnowledgeEntryRepository(session, learning_center.id), mode, q, filters, limit, embedder
    )
    hits = [
        PublicSearchHit(
            entry=PublicKnowledgeEntry.model_validate(hit.entry),
            score=hit.score,
            highlight=hit.highlight,
        )
        for hit in outcome.hits
    ]
    return ok(PublicSearchResults(mode=mode, query=q, hits=hits))


router = APIRouter()
for _router in (entries, categories, search, public):
    router.include_router(_router)
