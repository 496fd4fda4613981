"""CRM tables: customers and the people, consents, conversations, questions, FAQs and events around them.

Every table is tenant-owned. Children of a customer cascade with it, so erasing a customer (privacy) removes its
personal data in one DELETE; pending questions only lose their link (they stay, anonymised, for the counts).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Computed,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, query_expression

from fibonacco.integrations.embeddings import EMBEDDING_COLUMN_DIMENSION
from fibonacco.kit.db import Model, TenantOwnedModel, string_enum
from fibonacco.kit.vectors import Vector


class Stage(StrEnum):
    lead = "lead"
    prospect = "prospect"
    customer = "customer"
    churned = "churned"


class ConsentChannel(StrEnum):
    email = "email"
    sms = "sms"
    phone = "phone"


class ConsentStatus(StrEnum):
    subscribed = "subscribed"
    unsubscribed = "unsubscribed"
    unknown = "unknown"


class CustomFieldType(StrEnum):
    text = "text"
    number = "number"
    date = "date"
    select = "select"
    multi_select = "multi_select"
    boolean = "boolean"


class ConversationChannel(StrEnum):
    chat = "chat"
    email = "email"
    sms = "sms"
    phone = "phone"
    web = "web"


class ConversationStatus(StrEnum):
    open = "open"
    closed = "closed"


class MessageRole(StrEnum):
    customer = "customer"
    agent = "agent"
    ai = "ai"
    system = "system"


class QuestionStatus(StrEnum):
    open = "open"
    answered = "answered"
    published = "published"
    dismissed = "dismissed"
    merged = "merged"  # a near-duplicate (close embedding) counted on an older open question: `merged_into_id`


class ImportKey(StrEnum):
    """Which field an import row is matched on: a row whose key exists updates that customer."""

    email = "email"
    slug = "slug"


class Customer(TenantOwnedModel):
    """A business the tenant serves."""

    __tablename__ = "customers"
    __mapper_args__ = {"eager_defaults": True}
    tenant_id_indexed = False  # migration 0010

    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100))
    # Stored lower-cased, so uniqueness and look-ups ignore case.
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    phone: Mapped[str | None] = mapped_column(String(20), default=None)  # E.164
    website: Mapped[str | None] = mapped_column(String(2048), default=None)
    address: Mapped[dict[str, Any] | None] = mapped_column(JSONB, default=None)
    industry: Mapped[str | None] = mapped_column(String(100), default=None)
    timezone: Mapped[str | None] = mapped_column(String(64), default=None)  # IANA
    stage: Mapped[Stage] = mapped_column(string_enum(Stage), default=Stage.lead, server_default=Stage.lead.value)
    stage_changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()"), nullable=False
    )
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(100)), default=list, server_default="{}")
    business_context: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    extra: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, default=dict, server_default="{}")
    custom_fields: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    do_not_contact: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    last_activity_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # What the trigram search matches: name, email, phone and slug in one lower-cased string.
    search_text: Mapped[str] = mapped_column(
        Text,
        Computed(
            "lower(name || ' ' || coalesce(email, '') || ' ' || coalesce(phone, '') || ' ' || slug)",
            persisted=True,
        ),
        deferred=True,
    )

    __table_args__ = (
        UniqueConstraint("tenant_id", "slug", name="uq_customers_tenant_slug"),
        Index(
            "uq_customers_tenant_email", "tenant_id", "email", unique=True, postgresql_where=text("email IS NOT NULL")
        ),
        # Covering (migration 0008): counts over the list filters are index-only scans.
        Index(
            "ix_customers_tenant_created",
            "tenant_id",
            "created_at",
            "id",
            postgresql_include=["stage", "tags", "industry", "do_not_contact", "owner_id"],
        ),
        Index(
            "ix_customers_tenant_stage_created",
            "tenant_id",
            "stage",
            "created_at",
            postgresql_include=["tags", "industry", "do_not_contact", "owner_id"],
        ),
        Index("ix_customers_tenant_activity", "tenant_id", "last_activity_at"),
        Index("ix_customers_tenant_name", "tenant_id", "name", "id"),
        Index("ix_customers_tenant_owner", "tenant_id", "owner_id"),
        Index("ix_customers_tenant_industry", "tenant_id", "industry"),
        # No GIN index on tags, custom_fields or search_text (migration 0010): under row-level security their
        # operators are never index conditions, so such an index only costs every write. The search's trigram
        # index is on `customer_search_vocabulary`.
    )


class CustomerSearchTerm(Model):
    """One word of a customer's `search_text` (split at every character that is not a letter or a digit), kept
    by triggers on `customers` (migration 0010). Row-level security is enabled but not forced: only its owner
    reads it, through the SECURITY DEFINER function `crm_customers_matching`, which filters by the bound tenant
    itself. The application role has no privilege on it (see docs/decisions/crm.md, Search)."""

    __tablename__ = "customer_search_terms"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(Text, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)

    __table_args__ = (Index("ix_customer_search_terms_customer", "customer_id"),)


class CustomerSearchVocabulary(Model):
    """Every distinct word of `customer_search_terms`, where the trigram index finds the words like a query's
    (migration 0010). Only its owner reads it, as for the terms; it holds no tenant. Erasing or renaming a customer
    removes the words no customer of any tenant has any more (the 0010 triggers)."""

    __tablename__ = "customer_search_vocabulary"

    term: Mapped[str] = mapped_column(Text, primary_key=True)

    __table_args__ = (
        Index(
            "ix_customer_search_vocabulary_trgm",
            "term",
            postgresql_using="gin",
            postgresql_ops={"term": "gin_trgm_ops"},
        ),
    )


# Each custom-field value once more as a row (a multi-select: a row per option), kept by triggers on `customers`
# (migration 0011): equality and ranges on these columns are LEAKPROOF, so the filters use the indexes under the
# row-level policy. Text longer than CUSTOM_TEXT_INDEXED_BYTES is not copied. No primary key: only the triggers
# write it, and the repository reads it in sub-selects, never as objects.
CUSTOM_TEXT_INDEXED_BYTES = 200
customer_field_values = Table(
    "customer_field_values",
    Model.metadata,
    Column("customer_id", Uuid, nullable=False),
    Column("tenant_id", Uuid, nullable=False),
    Column("key", String(50), nullable=False),
    Column("text_value", Text),
    Column("number_value", Float),
    Index("ix_customer_field_values_customer", "customer_id"),
    Index(
        "ix_customer_field_values_text",
        "tenant_id",
        "key",
        "text_value",
        postgresql_include=["customer_id"],
        postgresql_where=text("text_value IS NOT NULL"),
    ),
    Index(
        "ix_customer_field_values_number",
        "tenant_id",
        "key",
        "number_value",
        postgresql_include=["customer_id"],
        postgresql_where=text("number_value IS NOT NULL"),
    ),
)


class Contact(TenantOwnedModel):
    """A person at a customer."""

    __tablename__ = "customer_contacts"
    __mapper_args__ = {"eager_defaults": True}

    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    phone: Mapped[str | None] = mapped_column(String(20), default=None)
    role: Mapped[str | None] = mapped_column(String(100), default=None)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")


class Consent(TenantOwnedModel):
    """A customer's current consent on one channel; every change is a `crm.consent_changed` event."""

    __tablename__ = "customer_consents"
    __mapper_args__ = {"eager_defaults": True}

    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    channel: Mapped[ConsentChannel] = mapped_column(string_enum(ConsentChannel, 10))
    status: Mapped[ConsentStatus] = mapped_column(string_enum(ConsentStatus))
    source: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("customer_id", "channel", name="uq_customer_consents_customer_channel"),
        # Covering (migration 0010): the consent filter's semi-join reads the index alone.
        Index(
            "ix_customer_consents_tenant_channel_status",
            "tenant_id",
            "channel",
            "status",
            postgresql_include=["customer_id"],
        ),
    )


class CustomFieldDefinition(TenantOwnedModel):
    """A field the tenant adds to its customers; values live in `customers.custom_fields[key]`."""

    __tablename__ = "customer_field_definitions"
    __mapper_args__ = {"eager_defaults": True}

    key: Mapped[str] = mapped_column(String(50))
    label: Mapped[str] = mapped_column(String(200))
    type: Mapped[CustomFieldType] = mapped_column(string_enum(CustomFieldType))
    options: Mapped[list[str]] = mapped_column(ARRAY(String(100)), default=list, server_default="{}")

    __table_args__ = (UniqueConstraint("tenant_id", "key", name="uq_customer_field_definitions_tenant_key"),)


class Segment(TenantOwnedModel):
    """A named, saved customer filter (a campaign audience)."""

    __tablename__ = "segments"
    __mapper_args__ = {"eager_defaults": True}

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    filters: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")

    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_segments_tenant_name"),)


class Conversation(TenantOwnedModel):
    __tablename__ = "conversations"
    __mapper_args__ = {"eager_defaults": True}

    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    channel: Mapped[ConversationChannel] = mapped_column(string_enum(ConversationChannel, 10))
    status: Mapped[ConversationStatus] = mapped_column(
        string_enum(ConversationStatus, 10), default=ConversationStatus.open, server_default="open"
    )
    subject: Mapped[str | None] = mapped_column(String(500), default=None)
    outcome: Mapped[str | None] = mapped_column(String(100), default=None)
    summary: Mapped[str | None] = mapped_column(Text, default=None)
    follow_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    duration_seconds: Mapped[int | None] = mapped_column(BigInteger, default=None)  # from any start (0017)
    extra: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, default=dict, server_default="{}")
    # Not a column: the customer's name, read through a join by `ConversationRepository.list_page`.
    customer_name: Mapped[str | None] = query_expression()

    __table_args__ = (
        Index("ix_conversations_tenant_customer_started", "tenant_id", "customer_id", "started_at"),
        Index("ix_conversations_tenant_status_follow_up", "tenant_id", "status", "follow_up_at"),
    )


class ConversationMessage(TenantOwnedModel):
    __tablename__ = "conversation_messages"
    __mapper_args__ = {"eager_defaults": True}

    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    role: Mapped[MessageRole] = mapped_column(string_enum(MessageRole, 10))
    content: Mapped[str] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, default=dict, server_default="{}")
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_conversation_messages_conversation_sent", "conversation_id", "sent_at"),)


class PendingQuestion(TenantOwnedModel):
    """A question nobody could answer yet. Near-duplicates of an open one are merged into it (`times_asked`)."""

    __tablename__ = "pending_questions"
    __mapper_args__ = {"eager_defaults": True}

    question: Mapped[str] = mapped_column(Text)
    # Lower-cased, punctuation dropped, spaces collapsed: what duplicates are recognised by.
    normalized: Mapped[str] = mapped_column(Text)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True, default=None
    )
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), default=None
    )
    status: Mapped[QuestionStatus] = mapped_column(
        string_enum(QuestionStatus), default=QuestionStatus.open, server_default="open"
    )
    times_asked: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    last_asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
    asked_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    answer: Mapped[str | None] = mapped_column(Text, default=None)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    answered_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    knowledge_entry_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("knowledge_entries.id", ondelete="SET NULL"), default=None
    )
    faq_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customer_faqs.id", ondelete="SET NULL"), default=None)
    # The question's embedding (`crm.embed_question`, after commit), zero-padded like knowledge entries'; the
    # model that made it says which space it lives in. Near-duplicates by meaning are merged through it.
    embedding: Mapped[list[float] | None] = mapped_column(Vector(EMBEDDING_COLUMN_DIMENSION), default=None)
    embedding_model: Mapped[str | None] = mapped_column(String(200), default=None)
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("pending_questions.id", ondelete="SET NULL"), default=None
    )
    # Not columns: read through joins by `PendingQuestionRepository.viewing()` (None when loaded otherwise): the
    # asking customer's name, and whose FAQ the answer became (which may be another customer than the asker).
    customer_name: Mapped[str | None] = query_expression()
    faq_customer_id: Mapped[uuid.UUID | None] = query_expression()
    faq_customer_name: Mapped[str | None] = query_expression()

    __table_args__ = (
        # One open question per normalised text: concurrent askers merge instead of duplicating.
        Index(
            "uq_pending_questions_tenant_open_normalized",
            "tenant_id",
            "normalized",
            unique=True,
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_pending_questions_tenant_status_last_asked", "tenant_id", "status", "last_asked_at"),
        Index(
            "ix_pending_questions_normalized_trgm",
            "normalized",
            postgresql_using="gin",
            postgresql_ops={"normalized": "gin_trgm_ops"},
        ),
    )


class CustomerFaq(TenantOwnedModel):
    __tablename__ = "customer_faqs"
    __mapper_args__ = {"eager_defaults": True}

    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    helpful_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    not_helpful_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class CustomerEvent(TenantOwnedModel):
    """The customer event stream (DESIGN §13): append-only; `source_id` makes an append idempotent."""

    __tablename__ = "customer_events"
    __mapper_args__ = {"eager_defaults": True}
    tenant_id_indexed = False  # migration 0010

    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(50))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(50))
    source_id: Mapped[str | None] = mapped_column(String(200), default=None)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")

    __table_args__ = (
        Index("ix_customer_events_tenant_customer_occurred", "tenant_id", "customer_id", "occurred_at", "id"),
        Index("ix_customer_events_tenant_type_occurred", "tenant_id", "type", "occurred_at"),
        Index(
            "uq_customer_events_tenant_source",
            "tenant_id",
            "source",
            "source_id",
            unique=True,
            postgresql_where=text("source_id IS NOT NULL"),
        ),
    )


class CustomerImport(TenantOwnedModel):
    """An import started over the API: its rows wait in chunks, one job per chunk (a batch shows progress)."""

    __tablename__ = "customer_imports"
    __mapper_args__ = {"eager_defaults": True}

    filename: Mapped[str] = mapped_column(String(255))
    key: Mapped[ImportKey] = mapped_column(string_enum(ImportKey, 10))
    dry_run: Mapped[bool] = mapped_column(Boolean)
    total_rows: Mapped[int] = mapped_column(Integer)
    batch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("job_batches.id", ondelete="SET NULL"), default=None)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)


class CustomerImportChunk(TenantOwnedModel):
    """Up to a chunk's worth of mapped rows, then (once processed) only its outcome: the rows are cleared, so no
    personal data outlives the import."""

    __tablename__ = "customer_import_chunks"
    __mapper_args__ = {"eager_defaults": True}

    import_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer_imports.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    rows: Mapped[list[Any]] = mapped_column(JSONB, default=list)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    unchanged: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    errors: Mapped[list[Any]] = mapped_column(JSONB, default=list, server_default="[]")

    __table_args__ = (UniqueConstraint("import_id", "position", name="uq_customer_import_chunks_import_position"),)


class PrivacyAudit(TenantOwnedModel):
    """Who exported or erased which customer's data, and when. Holds ids and counts, never the data itself."""

    __tablename__ = "crm_privacy_audit"
    __mapper_args__ = {"eager_defaults": True}

    customer_id: Mapped[uuid.UUID] = mapped_column(index=True)  # no foreign key: it outlives an erased customer
    action: Mapped[str] = mapped_column(String(20))
    performed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    performed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
