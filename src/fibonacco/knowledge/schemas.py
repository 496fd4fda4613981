from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints

from fibonacco.kit.schemas import METADATA_ATTRIBUTE, Patch
from fibonacco.knowledge.models import EmbeddingStatus, ValidationStatus
from fibonacco.tenant.schemas import SLUG_PATTERN

Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
IndustryCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Content = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100_000)]
SourceUrl = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2048)]
Slug = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=SLUG_PATTERN)]

MAX_SEARCH_LIMIT = 50


# --- knowledge entries ---


class KnowledgeEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant_id: uuid.UUID
    title: str
    content: str
    category: str | None
    subcategory: str | None
    industry_codes: list[str]
    tags: list[str]
    is_public: bool
    allowed_agents: list[str]
    source: str | None
    source_url: str | None
    validation_status: ValidationStatus
    validated_at: datetime | None
    validated_by: uuid.UUID | None
    usage_count: int
    helpful_count: int
    not_helpful_count: int
    # The entity's attribute, or a read-only row's column (`repository.ENTRY_COLUMNS`).
    metadata: dict[str, Any] = Field(validation_alias=AliasChoices(METADATA_ATTRIBUTE, "metadata"))
    created_by: uuid.UUID | None
    embedding_status: EmbeddingStatus
    embedding_error: str | None
    embedding_model: str | None
    embedded_at: datetime | None
    created_at: datetime
    updated_at: datetime


class PublicKnowledgeEntry(BaseModel):
    """What the public Learning Center sees: the article, never the internal bookkeeping."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    content: str
    category: str | None
    subcategory: str | None
    industry_codes: list[str]
    tags: list[str]
    helpful_count: int
    not_helpful_count: int
    updated_at: datetime


class _EntryFields(BaseModel):
    category: Label | None = None
    subcategory: Label | None = None
    industry_codes: list[IndustryCode] = Field(default_factory=list, max_length=50)
    tags: list[Label] = Field(default_factory=list, max_length=50)
    is_public: StrictBool = False
    allowed_agents: list[Label] = Field(default_factory=list, max_length=50)
    source: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = None
    source_url: SourceUrl | None = None
    metadata: dict[str, Any] = Field(default_factory=dict, serialization_alias=METADATA_ATTRIBUTE)


class KnowledgeEntryCreate(_EntryFields):
    title: Title
    content: Content
    validation_status: ValidationStatus = ValidationStatus.unvalidated


class KnowledgeEntryUpdate(Patch):
    """Only the fields sent are changed; a changed title or content is re-embedded."""

    nullable = frozenset({"category", "subcategory", "source", "source_url"})

    title: Title | None = None
    content: Content | None = None
    category: Label | None = None
    subcategory: Label | None = None
    industry_codes: list[IndustryCode] | None = Field(default=None, max_length=50)
    tags: list[Label] | None = Field(default=None, max_length=50)
    is_public: StrictBool | None = None
    allowed_agents: list[Label] | None = Field(default=None, max_length=50)
    source: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = None
    source_url: SourceUrl | None = None
    metadata: dict[str, Any] | None = Field(default=None, serialization_alias=METADATA_ATTRIBUTE)
    validation_status: ValidationStatus | None = None


class KnowledgeSort(StrEnum):
    newest = "-created_at"
    oldest = "created_at"
    recently_updated = "-updated_at"
    alphabetical = "title"
    most_used = "-usage_count"
    most_helpful = "-helpful_count"


class PublicKnowledgeFilters(BaseModel):
    """The filters of the Learning Center's list and search (query parameters: `Annotated[…, Query()]`)."""

    category: str | None = Field(default=None, max_length=100)
    subcategory: str | None = Field(default=None, max_length=100)
    industry_code: str | None = Field(default=None, max_length=50)
    tag: str | None = Field(default=None, max_length=100)


class KnowledgeFilters(PublicKnowledgeFilters):
    """The filters shared by the list and every search mode."""

    industry_code: str | None = Field(default=None, max_length=50, description="entries for this industry")
    validation_status: ValidationStatus | None = None
    embedding_status: EmbeddingStatus | None = None
    is_public: bool | None = None


class Vote(BaseModel):
    helpful: StrictBool


class PublicVote(Vote):
    visitor_id: Annotated[str, StringConstraints(min_length=8, max_length=200)] | None = Field(
        default=None,
        description="A random id the Learning Center keeps per browser; only a keyed hash of it is stored. "
        "Without it the client address stands in.",
    )


class VoteResult(BaseModel):
    entry_id: uuid.UUID
    helpful: bool
    helpful_count: int
    not_helpful_count: int


class EmbeddingQueued(BaseModel):
    entry_id: uuid.UUID
    embedding_status: EmbeddingStatus


# --- FAQ categories ---


class FaqCategory(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    slug: str
    description: str | None
    parent_id: uuid.UUID | None
    display_order: int
    created_at: datetime
    updated_at: datetime


class FaqCategoryNode(FaqCategory):
    children: list[FaqCategoryNode] = Field(default_factory=list)


class FaqCategoryCreate(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    slug: Slug
    description: str | None = Field(default=None, max_length=5000)
    parent_id: uuid.UUID | None = None
    display_order: StrictInt = Field(default=0, ge=-1_000_000, le=1_000_000)


class FaqCategoryUpdate(Patch):
    nullable = frozenset({"description", "parent_id"})

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None
    slug: Slug | None = None
    description: str | None = Field(default=None, max_length=5000)
    parent_id: uuid.UUID | None = None
    display_order: StrictInt | None = Field(default=None, ge=-1_000_000, le=1_000_000)


# --- search ---


class SearchMode(StrEnum):
    semantic = "semantic"
    full_text = "full-text"
    hybrid = "hybrid"


class SearchHit(BaseModel):
    entry: KnowledgeEntry
    score: float = Field(
        description="higher is better; by mode: cosine similarity, BM25 score, or the hybrid's fused score (0 to 1)"
    )
    semantic_score: float | None = Field(default=None, description="cosine similarity, when semantically matched")
    text_score: float | None = Field(default=None, description="BM25 score, when matched by full text")
    highlight: str | None = Field(
        default=None, description="HTML-escaped snippet of the content with matches wrapped in <mark>"
    )


class PublicSearchHit(BaseModel):
    entry: PublicKnowledgeEntry
    score: float
    highlight: str | None = None


class SearchResults(BaseModel):
    mode: SearchMode
    query: str
    embedding_model: str | None = Field(description="model the query was embedded with (semantic and hybrid)")
    hits: list[SearchHit]


class PublicSearchResults(BaseModel):
    mode: SearchMode
    query: str
    hits: list[PublicSearchHit]


# --- import ---


class ImportProblem(BaseModel):
    location: str = Field(description="where in the upload: 'faq.csv:3', 'faq.json[2]'")
    reason: str


class ImportStarted(BaseModel):
    """An upload accepted for import: its valid records are imported by the jobs of `batch_id`."""

    batch_id: uuid.UUID = Field(description="follow the progress at GET /api/v1/queue/batches/{batch_id}")
    records: int = Field(description="valid records queued for import (created, or updated when seen before)")
    invalid: list[ImportProblem] = Field(description="records left out, with the reason")
