from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from fibonacco.integrations.embeddings import EMBEDDING_COLUMN_DIMENSION
from fibonacco.kit.db import Model, ProcessingStatus, TenantOwnedModel, string_enum
from fibonacco.kit.vectors import Vector

# Full-text configuration of the generated search column and of every query against it.
TEXT_SEARCH_CONFIG = "english"
# HNSW build parameters (pgvector defaults); the bench reports recall and latency for them.
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64


EmbeddingStatus = ProcessingStatus  # where an entry's embedding job stands


class ValidationStatus(StrEnum):
    unvalidated = "unvalidated"
    validated = "validated"
    needs_review = "needs_review"
    rejected = "rejected"


class KnowledgeEntry(TenantOwnedModel):
    __tablename__ = "knowledge_entries"
    # Server-made values (updated_at, the search vector) come back in RETURNING, so responses need no reload.
    __mapper_args__ = {"eager_defaults": True}

    title: Mapped[str] = mapped_column(String(500))
    content: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(100), default=None)
    subcategory: Mapped[str | None] = mapped_column(String(100), default=None)
    industry_codes: Mapped[list[str]] = mapped_column(ARRAY(String(50)), default=list, server_default="{}")
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(100)), default=list, server_default="{}")
    is_public: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # AI agents (personalities) allowed to use this entry; empty means every agent.
    allowed_agents: Mapped[list[str]] = mapped_column(ARRAY(String(100)), default=list, server_default="{}")
    source: Mapped[str | None] = mapped_column(String(50), default=None)
    # Imports are idempotent by this (a URL or the imported file's path), hence unique per tenant.
    source_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    validation_status: Mapped[ValidationStatus] = mapped_column(
        string_enum(ValidationStatus),
        default=ValidationStatus.unvalidated,
        server_default=ValidationStatus.unvalidated.value,
    )
    validated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    validated_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    usage_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    helpful_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    not_helpful_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # `metadata` is reserved on declarative models, so the attribute has another name.
    extra: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, default=dict, server_default="{}")
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)

    embedding_status: Mapped[EmbeddingStatus] = mapped_column(
        string_enum(EmbeddingStatus),
        default=EmbeddingStatus.pending,
        server_default=EmbeddingStatus.pending.value,
    )
    embedding_error: Mapped[str | None] = mapped_column(Text, default=None)
    # The model of the entry's vector (`KnowledgeEntryEmbedding`, a table of its own), and when it was made.
    embedding_model: Mapped[str | None] = mapped_column(String(200), default=None)
    embedded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    # Title weighs more than body in the ranking. Two-argument to_tsvector is immutable, as generated columns need.
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed(
            f"setweight(to_tsvector('{TEXT_SEARCH_CONFIG}', coalesce(title, '')), 'A') || "
            f"setweight(to_tsvector('{TEXT_SEARCH_CONFIG}', coalesce(content, '')), 'B')",
            persisted=True,
        ),
        deferred=True,
    )

    __table_args__ = (
        Index(
            "uq_knowledge_entries_tenant_source_url",
            "tenant_id",
            "source_url",
            unique=True,
            postgresql_where=text("source_url IS NOT NULL"),
        ),
        Index("ix_knowledge_entries_tenant_category", "tenant_id", "category", "subcategory"),
        Index("ix_knowledge_entries_embedding_status", "embedding_status"),
        # No GIN index on search_vector, tags or industry_codes (migration 0014): under row-level security `@@` and
        # `@>` are never index conditions (they are not LEAKPROOF), so such an index only costs every write.
        # Full-text search finds its candidates in `knowledge_entry_terms`.
    )


class KnowledgeEntryEmbedding(Model):
    """An entry's vector, zero-padded to the widest model in use (DESIGN.md §6; its entry's `embedding_model` says
    which space it lives in), in a table of its own (migration 0015). A row is the vector and its keys, and stays
    whole on its page (`toast_tuple_target`), so an exact search reads one page per entry and no TOAST, and
    nothing else reads it: lists and details never touch it, and a write to the entry (a use counted, a vote)
    never inserts into the HNSW graph, which it did for every update PostgreSQL could not make HOT.
    A tenant's rows under the forced policy, like the entries' (the tenant is the entry's: the pipeline copies it);
    deleting the entry, or its tenant, deletes its vector (the key's cascade)."""

    __tablename__ = "knowledge_entry_embeddings"

    entry_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("knowledge_entries.id", ondelete="CASCADE"), primary_key=True
    )
    tenant_id: Mapped[uuid.UUID] = mapped_column()
    embedding: Mapped[list[float]] = mapped_column(Vector(EMBEDDING_COLUMN_DIMENSION))

    __table_args__ = (
        Index(
            "ix_knowledge_entry_embeddings_hnsw",
            "embedding",
            postgresql_using="hnsw",
            postgresql_with={"m": HNSW_M, "ef_construction": HNSW_EF_CONSTRUCTION},
            postgresql_ops={"embedding": "vector_cosine_ops"},
        ),
    )


class KnowledgeEntryTerm(Model):
    """One lexeme of an entry's search vector, with how often it occurs there: the postings BM25 reads
    (`knowledge.repository`). Kept by triggers on `knowledge_entries` (migration 0014): an INSERT adds an entry's
    lexemes, a change of its title or content replaces them, a DELETE removes them. A tenant's rows under the
    forced policy, like the entries'; the triggers write them as the writer of the entry, under its binding."""

    __tablename__ = "knowledge_entry_terms"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    lexeme: Mapped[str] = mapped_column(Text, primary_key=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    occurrences: Mapped[int] = mapped_column(Integer)  # positions of the lexeme in the entry, title included
    title_occurrences: Mapped[int] = mapped_column(Integer)
    entry_length: Mapped[int] = mapped_column(Integer)  # the entry's distinct lexemes: its length for BM25

    __table_args__ = (
        # The counts ride in the key's index, so BM25 reads a word's postings index-only (migration 0016).
        PrimaryKeyConstraint(
            "tenant_id",
            "lexeme",
            "entry_id",
            postgresql_include=["occurrences", "title_occurrences", "entry_length"],
        ),
        Index("ix_knowledge_entry_terms_entry", "entry_id"),
    )


class FaqCategory(TenantOwnedModel):
    """A node of the Learning Center's FAQ tree; `slug` is what entries' `category` refers to."""

    __tablename__ = "faq_categories"
    __mapper_args__ = {"eager_defaults": True}

    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    # RESTRICT: a category with children cannot be deleted out from under them.
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("faq_categories.id", ondelete="RESTRICT"), index=True, default=None
    )
    display_order: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (UniqueConstraint("tenant_id", "slug", name="uq_faq_categories_tenant_slug"),)


class KnowledgeVote(TenantOwnedModel):
    """One helpful / not-helpful vote per voter per entry; a voter may change their mind."""

    __tablename__ = "knowledge_votes"

    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("knowledge_entries.id", ondelete="CASCADE"))
    # "user:<id>" for signed-in users; "anon:<HMAC of the visitor id>" for the public Learning Center.
    voter_key: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    helpful: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (UniqueConstraint("entry_id", "voter_key", name="uq_knowledge_votes_entry_voter"),)
