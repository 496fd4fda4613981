"""knowledge base: entries (pgvector HNSW + full text), FAQ categories, votes

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _record_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "knowledge_entries",
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("subcategory", sa.String(length=100), nullable=True),
        sa.Column("industry_codes", postgresql.ARRAY(sa.String(length=50)), server_default="{}", nullable=False),
        sa.Column("tags", postgresql.ARRAY(sa.String(length=100)), server_default="{}", nullable=False),
        sa.Column("is_public", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("allowed_agents", postgresql.ARRAY(sa.String(length=100)), server_default="{}", nullable=False),
        sa.Column("source", sa.String(length=50), nullable=True),
        sa.Column("source_url", sa.String(length=2048), nullable=True),
        sa.Column(
            "validation_status",
            sa.Enum(
                "unvalidated",
                "validated",
                "needs_review",
                "rejected",
                name="validation_status",
                native_enum=False,
                length=20,
            ),
            server_default="unvalidated",
            nullable=False,
        ),
        sa.Column("validated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("validated_by", sa.Uuid(), nullable=True),
        sa.Column("usage_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("helpful_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("not_helpful_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("metadata", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column(
            "embedding_status",
            sa.Enum(
                "pending", "processing", "completed", "failed", name="embedding_status", native_enum=False, length=20
            ),
            server_default="pending",
            nullable=False,
        ),
        sa.Column("embedding_error", sa.Text(), nullable=True),
        sa.Column("embedding", Vector(dim=1536), nullable=True),
        sa.Column("embedding_model", sa.String(length=200), nullable=True),
        sa.Column("embedded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed(
                "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
                "setweight(to_tsvector('english', coalesce(content, '')), 'B')",
                persisted=True,
            ),
            nullable=True,
        ),
        *_record_columns(),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_knowledge_entries_created_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_knowledge_entries_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["validated_by"], ["users.id"], name=op.f("fk_knowledge_entries_validated_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_entries")),
    )
    op.create_index(op.f("ix_knowledge_entries_tenant_id"), "knowledge_entries", ["tenant_id"])
    op.create_index(
        "ix_knowledge_entries_tenant_category", "knowledge_entries", ["tenant_id", "category", "subcategory"]
    )
    op.create_index("ix_knowledge_entries_embedding_status", "knowledge_entries", ["embedding_status"])
    op.create_index("ix_knowledge_entries_tags", "knowledge_entries", ["tags"], postgresql_using="gin")
    op.create_index(
        "ix_knowledge_entries_industry_codes", "knowledge_entries", ["industry_codes"], postgresql_using="gin"
    )
    op.create_index(
        "ix_knowledge_entries_search_vector", "knowledge_entries", ["search_vector"], postgresql_using="gin"
    )
    op.create_index(
        "uq_knowledge_entries_tenant_source_url",
        "knowledge_entries",
        ["tenant_id", "source_url"],
        unique=True,
        postgresql_where=sa.text("source_url IS NOT NULL"),
    )
    op.create_index(
        "ix_knowledge_entries_embedding_hnsw",
        "knowledge_entries",
        ["embedding"],
        postgresql_using="hnsw",
        postgresql_with={"m": 16, "ef_construction": 64},
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )

    op.create_table(
        "faq_categories",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("display_order", sa.Integer(), server_default="0", nullable=False),
        *_record_columns(),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["faq_categories.id"],
            name=op.f("fk_faq_categories_parent_id_faq_categories"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_faq_categories_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_categories")),
        sa.UniqueConstraint("tenant_id", "slug", name="uq_faq_categories_tenant_slug"),
    )
    op.create_index(op.f("ix_faq_categories_parent_id"), "faq_categories", ["parent_id"])
    op.create_index(op.f("ix_faq_categories_tenant_id"), "faq_categories", ["tenant_id"])

    op.create_table(
        "knowledge_votes",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("voter_key", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        *_record_columns(),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["knowledge_entries.id"],
            name=op.f("fk_knowledge_votes_entry_id_knowledge_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_knowledge_votes_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_knowledge_votes_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_votes")),
        sa.UniqueConstraint("entry_id", "voter_key", name="uq_knowledge_votes_entry_voter"),
    )
    op.create_index(op.f("ix_knowledge_votes_tenant_id"), "knowledge_votes", ["tenant_id"])


def downgrade() -> None:
    op.drop_table("knowledge_votes")
    op.drop_table("faq_categories")
    op.drop_table("knowledge_entries")
