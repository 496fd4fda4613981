from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import File, Path, Query, Response, UploadFile, status
from pydantic import BaseModel

from fibonacco.clients import EMBEDDER
from fibonacco.integrations.embeddings import Embedder
from fibonacco.kit.dependencies import ClientAddressDep, DomainRouter, RedisDep, SessionDep, SettingsDep, client
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
from fibonacco.kit.responses import Envelope, PageDep, PaginatedEnvelope, json_response, ok, row_response, rows_page
from fibonacco.knowledge import service, tasks
from fibonacco.knowledge.auth import KnowledgeImport, KnowledgeRead, KnowledgeWrite
from fibonacco.knowledge.models import KnowledgeEntry as KnowledgeEntryRow
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
    PublicKnowledgeFilters,
    PublicSearchHit,
    PublicSearchResults,
    PublicVote,
    SearchHit,
    SearchMode,
    SearchResults,
    Vote,
    VoteResult,
)

entries = DomainRouter(prefix="/api/v1/knowledge", tags=["knowledge"])
categories = DomainRouter(prefix="/api/v1/faq-categories", tags=["knowledge"])
search = DomainRouter(prefix="/api/v1/search", tags=["search"])
public = DomainRouter(prefix="/api/v1/public/{tenant}", tags=["learning center"])

# Unauthenticated callers share these per client address.
PUBLIC_SEARCHES_PER_MINUTE = 60
PUBLIC_VOTES_PER_MINUTE = 20

_ERRORS = error_responses(Unauthenticated, Forbidden, NotFound, ValidationFailed)
_WRITE_ERRORS = {**_ERRORS, **error_responses(Conflict)}
_SEARCH_ERRORS = {**_ERRORS, **error_responses(ServiceUnavailable)}
_PUBLIC_ERRORS = error_responses(NotFound, ValidationFailed, TooManyRequests)


EmbedderDep = Annotated[Embedder, client(EMBEDDER)]
FiltersParam = Annotated[KnowledgeFilters, Query()]
PublicFiltersParam = Annotated[PublicKnowledgeFilters, Query()]
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
    filters: FiltersParam,
    sort: SortParam = KnowledgeSort.newest,
) -> Response:
    rows, total = await service.list_entries(session, auth.tenant_id, filters, sort, page)
    return rows_page(KnowledgeEntry, rows, total, page)


# Reads before writes: FastAPI tries a router's routes in this order (`kit.dependencies.DomainRouter`).
@entries.get("/{entry_id:uuid}", response_model=Envelope[KnowledgeEntry], responses=_ERRORS)
async def get_entry(entry_id: uuid.UUID, auth: KnowledgeRead, session: SessionDep) -> Response:
    return row_response(KnowledgeEntry, await service.get_entry(session, auth.tenant_id, entry_id))


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
    entry = await service.vote(session, auth.tenant_id, entry_id, user_id=auth.user.id, helpful=body.helpful)
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
    filters: FiltersParam,
    embedder: EmbedderDep,
    limit: LimitParam = 10,
) -> Response:
    """`semantic` (cosine similarity of embeddings), `full-text` (ranked, with highlighted snippets) or
    `hybrid` (reciprocal rank fusion of the two). Filters narrow the candidates before ranking."""
    outcome = await service.search(session, auth.tenant_id, mode, q, filters, limit, embedder)
    return _results(SearchResults, SearchHit, KnowledgeEntry, outcome)


# --- public Learning Center (no authentication; public entries only) ---


@public.get("/knowledge", response_model=PaginatedEnvelope[PublicKnowledgeEntry], responses=_PUBLIC_ERRORS)
async def list_public_entries(
    tenant: TenantParam,
    session: SessionDep,
    page: PageDep,
    filters: PublicFiltersParam,
    sort: SortParam = KnowledgeSort.newest,
) -> Response:
    rows, total = await service.list_public_entries(session, tenant, filters, sort, page)
    return rows_page(PublicKnowledgeEntry, rows, total, page)


@public.get("/knowledge/{entry_id}", response_model=Envelope[PublicKnowledgeEntry], responses=_PUBLIC_ERRORS)
async def get_public_entry(
    tenant: TenantParam, entry_id: uuid.UUID, session: SessionDep
) -> Envelope[PublicKnowledgeEntry]:
    entry = await service.get_public_entry(session, tenant, entry_id)
    return ok(PublicKnowledgeEntry.model_validate(entry))


@public.post("/knowledge/{entry_id}/vote", response_model=Envelope[VoteResult], responses=_PUBLIC_ERRORS)
async def public_vote(
    tenant: TenantParam,
    entry_id: uuid.UUID,
    body: PublicVote,
    client: ClientAddressDep,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> Envelope[VoteResult]:
    await enforce_rate_limit(redis, f"knowledge-vote:{client}", limit=PUBLIC_VOTES_PER_MINUTE, window_seconds=60)
    entry = await service.public_vote(
        session,
        tenant,
        entry_id,
        app_key=settings.APP_KEY.get_secret_value(),
        visitor=body.visitor_id or f"address:{client}",
        helpful=body.helpful,
    )
    return ok(_vote_result(entry, body.helpful), "Thanks for your feedback.")


@public.get("/faq-categories", response_model=Envelope[list[FaqCategoryNode]], responses=_PUBLIC_ERRORS)
async def list_public_categories(tenant: TenantParam, session: SessionDep) -> Envelope[list[FaqCategoryNode]]:
    return ok(await service.list_public_category_tree(session, tenant))


@public.get(
    "/search",
    response_model=Envelope[PublicSearchResults],
    responses={**_PUBLIC_ERRORS, **error_responses(ServiceUnavailable)},
)
async def public_search(
    tenant: TenantParam,
    q: QueryParam,
    client: ClientAddressDep,
    session: SessionDep,
    redis: RedisDep,
    filters: PublicFiltersParam,
    embedder: EmbedderDep,
    mode: SearchMode = SearchMode.hybrid,
    limit: LimitParam = 10,
) -> Response:
    await enforce_rate_limit(redis, f"knowledge-search:{client}", limit=PUBLIC_SEARCHES_PER_MINUTE, window_seconds=60)
    outcome = await service.public_search(session, tenant, mode, q, filters, limit, embedder)
    return _results(PublicSearchResults, PublicSearchHit, PublicKnowledgeEntry, outcome)


def _results(
    results: type[BaseModel], hit: type[BaseModel], entry: type[BaseModel], outcome: service.SearchOutcome
) -> Response:
    """`ok(results.model_validate(outcome, from_attributes=True))` (a `SearchResults` of `SearchHit`s of `entry`s, or
    the public ones), its hits' entries (rows) rendered without models (`kit.responses.json_response`): each model's
    fields, read from the outcome and its hits."""
    hit_fields = [name for name in hit.model_fields if name != "entry"]
    hits = [{"entry": found.entry, **{name: getattr(found, name) for name in hit_fields}} for found in outcome.hits]
    data = {name: getattr(outcome, name) for name in results.model_fields if name != "hits"}
    envelope = {"data": {**data, "hits": hits}, "message": None, "meta": None}
    entries = [found.entry for found in outcome.hits]
    return json_response(envelope, {entry: entries}, lambda: ok(results.model_validate(outcome, from_attributes=True)))


# Included by the app one by one, not under one aggregate router (see `fibonacco.app._include_routers`).
routers = (public, entries, search, categories)
